"""Assessment jobs (eager Celery through the API), findings, triage, scores, live assessment, metrics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, FindingTriage, RunFinding

pytestmark = pytest.mark.django_db


def start_run(client: Any, model: Any, capture: Any) -> dict[str, Any]:
    with capture(execute=True):
        response = client.post(f"/api/v1/models/{model.pk}/assessments/")
    assert response.status_code == 202, response.json()
    assert response["Location"] == response.json()["url"]
    return client.get(response["Location"]).json()


def test_run_through_the_api_in_process(
    clients: Any, team_setup: Any, engine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = start_run(clients.editor, team_setup.model, django_capture_on_commit_callbacks)
    assert run["status"] == JobStatus.SUCCEEDED, run["error"]
    assert run["progress"] == 100 and run["attempts"] == 1 and run["duration_ms"] is not None
    assert run["revision"] == 1 and run["requested_by"] == "editor"
    result = run["result"]
    assert {"findings", "attack_paths", "scores", "plan"} <= set(result)
    assert run["overall_score"] == result["scores"]["overall"]
    assert RunFinding.objects.filter(run_id=run["id"]).count() == len({f["id"] for f in result["findings"]})
    listing = clients.viewer.get(f"/api/v1/models/{team_setup.model.pk}/assessments/").json()
    assert listing["results"][0]["id"] == run["id"] and "result" not in listing["results"][0]


def test_viewer_cannot_start_runs_and_outsider_cannot_see_them(
    clients: Any, team_setup: Any, engine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert clients.viewer.post(f"/api/v1/models/{team_setup.model.pk}/assessments/").status_code == 403
    assert clients.outsider.post(f"/api/v1/models/{team_setup.model.pk}/assessments/").status_code == 404
    run = start_run(clients.editor, team_setup.model, django_capture_on_commit_callbacks)
    assert clients.outsider.get(f"/api/v1/assessments/{run['id']}/").status_code == 404
    assert clients.outsider.get(f"/api/v1/models/{team_setup.model.pk}/assessments/").status_code == 404
    assert clients.viewer.get("/api/v1/assessments/999999/").status_code == 404


def test_task_is_idempotent_and_restarts_interrupted_runs(team_setup: Any, engine: Any) -> None:
    from assessments import tasks

    run = AssessmentRun.objects.create(model=team_setup.model, revision=1)
    tasks.run_assessment.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED and run.attempts == 1
    finished_at = run.finished_at
    tasks.run_assessment.apply(args=[run.pk])  # redelivered: nothing happens
    run.refresh_from_db()
    assert run.attempts == 1 and run.finished_at == finished_at
    # a run left "running" by a killed worker is restarted
    stuck = AssessmentRun.objects.create(model=team_setup.model, revision=1, status=JobStatus.RUNNING, attempts=1)
    tasks.run_assessment.apply(args=[stuck.pk])
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.SUCCEEDED and stuck.attempts == 2


def test_deterministic_failure_is_recorded_not_retried(team_setup: Any, monkeypatch: Any) -> None:
    import assessments.engine as engine_pkg
    from assessments import tasks

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("engine bug")

    monkeypatch.setattr(engine_pkg, "assess", broken, raising=False)
    run = AssessmentRun.objects.create(model=team_setup.model, revision=1)
    tasks.run_assessment.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED and "engine bug" in run.error and run.attempts == 1


def test_transient_failure_is_retried(team_setup: Any, engine: Any, monkeypatch: Any) -> None:
    from django.db import OperationalError

    from assessments import tasks
    from assessments.services import runs

    real = runs.engine_assess
    calls = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(runs, "engine_assess", flaky)
    monkeypatch.setattr(tasks, "_backoff", lambda retries: 0)
    run = AssessmentRun.objects.create(model=team_setup.model, revision=1)
    tasks.run_assessment.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED and run.attempts == 2 and len(calls) == 2


def test_findings_filters_and_triage(
    clients: Any, team_setup: Any, engine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    model = team_setup.model
    start_run(clients.editor, model, django_capture_on_commit_callbacks)
    base = f"/api/v1/models/{model.pk}/findings/"
    findings = clients.viewer.get(base + "?limit=1000").json()["results"]
    assert findings and all(f["status"] == "open" for f in findings)
    first = findings[0]
    for key in ("severity", "rule", "pillar", "principle"):
        subset = clients.viewer.get(base, {key: first[key], "limit": 1000}).json()["results"]
        assert subset and all(f[key] == first[key] for f in subset)
    element = first["elements"][0]
    subset = clients.viewer.get(base, {"element": element, "limit": 1000}).json()["results"]
    assert subset and all(element in f["elements"] for f in subset)

    fp = first["id"]
    assert clients.viewer.patch(f"{base}{fp}/", {"status": "mitigated"}, format="json").status_code == 403
    response = clients.editor.patch(f"{base}{fp}/", {"status": "accepted"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "justification"
    response = clients.editor.patch(f"{base}{fp}/", {"status": "false_positive"}, format="json")
    assert response.status_code == 400
    expiry = (timezone.now() + timedelta(days=30)).isoformat()
    response = clients.editor.patch(
        f"{base}{fp}/",
        {"status": "accepted", "justification": "compensated by WAF", "expires_at": expiry},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["triage"]["status"] == "accepted" and body["triage"]["decided_by"] == "editor"
    assert body["finding"]["id"] == fp
    accepted = clients.viewer.get(base, {"status": "accepted"}).json()["results"]
    assert [f["id"] for f in accepted] == [fp]
    assert fp not in [f["id"] for f in clients.viewer.get(base, {"status": "open", "limit": 1000}).json()["results"]]
    assert clients.outsider.get(f"{base}{fp}/").status_code == 404
    assert clients.outsider.patch(f"{base}{fp}/", {"status": "open"}, format="json").status_code == 404

    # expired acceptance -> open again
    FindingTriage.objects.filter(fingerprint=fp).update(expires_at=timezone.now() - timedelta(seconds=1))
    detail = clients.viewer.get(f"{base}{fp}/").json()
    assert detail["triage"]["status"] == "open" and detail["triage"]["expired"] is True
    assert fp in [f["id"] for f in clients.viewer.get(base, {"status": "open", "limit": 1000}).json()["results"]]


def test_triage_carries_to_later_revisions(
    clients: Any, team_setup: Any, engine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    model = team_setup.model
    start_run(clients.editor, model, django_capture_on_commit_callbacks)
    base = f"/api/v1/models/{model.pk}/findings/"
    fp = clients.viewer.get(base).json()["results"][0]["id"]
    clients.editor.patch(f"{base}{fp}/", {"status": "false_positive", "justification": "not reachable"}, format="json")
    component = clients.viewer.get(f"/api/v1/models/{model.pk}/components/").json()["results"][0]
    response = clients.editor.patch(
        f"/api/v1/models/{model.pk}/components/{component['id']}/",
        {"description": "touch", "base_revision": 1},
        format="json",
    )
    assert response.status_code == 200
    run = start_run(clients.editor, model, django_capture_on_commit_callbacks)
    assert run["revision"] == 2
    detail = clients.viewer.get(f"{base}{fp}/").json()
    assert detail["finding"]["run"] == run["id"] and detail["finding"]["status"] == "false_positive"


def test_scores_and_history(
    clients: Any, team_setup: Any, engine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    model = team_setup.model
    assert clients.viewer.get(f"/api/v1/models/{model.pk}/score/").status_code == 404
    first = start_run(clients.editor, model, django_capture_on_commit_callbacks)
    second = start_run(clients.editor, model, django_capture_on_commit_callbacks)
    score = clients.viewer.get(f"/api/v1/models/{model.pk}/score/").json()
    assert score["run"] == second["id"] and score["overall"] == second["overall_score"]
    assert score["principles"] and all({"key", "score", "stage"} <= set(p) for p in score["principles"])
    assert score["pillars"] and all(p["stage"] for p in score["pillars"])
    # the grade, the stage and the coverage the engine computed for that run, next to the number
    stored = AssessmentRun.objects.get(pk=second["id"]).result["scores"]
    assert score["grade"] == stored["grade"] and score["stage"] == stored["stage"]
    assert score["assessed"] is stored["assessed"] and score["verdict"] == stored["verdict"]
    assert score["coverage"]["ratio"] == stored["coverage"]["ratio"] and score["coverage"]["items"]
    assert all({"key", "hint", "covered", "total"} <= set(i) for i in score["coverage"]["items"])
    assert all(p["grade"] == e["grade"] for p, e in zip(score["pillars"], stored["pillars"], strict=True))
    history = clients.viewer.get(f"/api/v1/models/{model.pk}/score/history/").json()
    assert [p["run"] for p in history] == [first["id"], second["id"]]
    point = history[0]
    assert {"at", "revision", "overall", "grade", "coverage", "principles", "pillars"} <= set(point)
    assert isinstance(point["principles"], dict)
    later = clients.viewer.get(
        f"/api/v1/models/{model.pk}/score/history/", {"since": (timezone.now() + timedelta(hours=1)).isoformat()}
    ).json()
    assert later == []
    bad = clients.viewer.get(f"/api/v1/models/{model.pk}/score/history/?since=yesterday")
    assert bad.status_code == 400
    assert bad.json()["errors"] == [{"path": "since", "message": "an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z"}]
    assert clients.outsider.get(f"/api/v1/models/{model.pk}/score/").status_code == 404
    assert clients.outsider.get(f"/api/v1/models/{model.pk}/score/history/").status_code == 404


def test_live_assessment(clients: Any, team_setup: Any, engine: Any) -> None:
    # Its latency is a benchmark figure (bench_api), not a timed test.
    model = team_setup.model
    url = f"/api/v1/models/{model.pk}/live-assessment/"
    response = clients.viewer.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["revision"] == 1
    assert body["findings"] and all(f["status"] == "open" for f in body["findings"])
    assert not AssessmentRun.objects.exists()
    assert clients.outsider.get(url).status_code == 404


def test_metrics(team_setup: Any, engine: Any, clients: Any, django_capture_on_commit_callbacks: Any) -> None:
    from rest_framework.test import APIClient

    from threatmodel.services_tokens import api_token_create

    start_run(clients.editor, team_setup.model, django_capture_on_commit_callbacks)
    _, raw = api_token_create(user=team_setup.viewer, name="prom")
    client = APIClient()
    assert client.get("/metrics").status_code in (401, 403)
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    label = f'model="shop/{team_setup.model.name}"'
    for name in (
        "trustmap_posture_score",
        "trustmap_principle_score",
        "trustmap_pillar_score",
        "trustmap_open_findings",
        "trustmap_last_assessment_age_seconds",
        "trustmap_model_coverage",
        "trustmap_posture_assessed",
    ):
        assert any(line.startswith(name + "{") and label in line for line in text.splitlines()), name
    stored = AssessmentRun.objects.get(model=team_setup.model).result["scores"]
    [coverage] = [line for line in text.splitlines() if line.startswith("trustmap_model_coverage{") and label in line]
    assert abs(float(coverage.rsplit(" ", 1)[1]) - stored["coverage"]["ratio"]) < 1e-6
    if stored["grade"]:
        grade = f'grade="{stored["grade"]}"'
        assert any(line.startswith("trustmap_posture_grade{") and grade in line for line in text.splitlines())
    _, other = api_token_create(user=team_setup.outsider, name="prom")
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {other}").content.decode()
    assert "trustmap_posture_score{" not in text
