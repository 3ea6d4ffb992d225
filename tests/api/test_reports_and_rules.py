"""Report jobs and downloads; a team's custom rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, Report

pytestmark = pytest.mark.django_db


def succeeded_run(model: Any) -> AssessmentRun:
    return AssessmentRun.objects.create(
        model=model,
        revision=model.revision,
        status=JobStatus.SUCCEEDED,
        overall_score=80.0,
        scores={"overall": 80.0, "principles": [], "pillars": []},
    )


def test_report_request_list_status_and_access(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    base = f"/api/v1/models/{model.pk}/reports/"
    response = clients.editor.post(base, {"format": "csv"}, format="json")
    assert response.status_code == 400 and "no successful assessment" in response.json()["detail"]
    run = succeeded_run(model)
    assert clients.viewer.post(base, {"format": "csv"}, format="json").status_code == 403
    assert clients.editor.post(base, {"format": "doc"}, format="json").status_code == 400
    assert clients.editor.post(base, {"format": "csv", "run": 999999}, format="json").status_code == 400
    response = clients.editor.post(base, {"format": "csv"}, format="json")
    assert response.status_code == 202, response.json()
    report = response.json()
    assert report["run"] == run.pk and report["status"] == "queued" and response["Location"] == report["url"]
    assert clients.viewer.get(base).json()["results"][0]["id"] == report["id"]
    assert clients.viewer.get(report["url"]).json()["status"] == "queued"
    assert clients.viewer.get(f"/api/v1/reports/{report['id']}/download/").status_code == 409
    for path in (report["url"], f"/api/v1/reports/{report['id']}/download/", base):
        assert clients.outsider.get(path).status_code == 404, path
    assert clients.outsider.post(base, {"format": "csv"}, format="json").status_code == 404


def test_download_streams_with_safe_filename(clients: Any, team_setup: Any) -> None:
    model = team_setup.model
    model.name = 'Evil "name"\r\n; filename=x.exe'
    model.save()
    run = succeeded_run(model)
    report = Report.objects.create(model=model, run=run, format="csv", status=JobStatus.SUCCEEDED)
    report.file.save("r.csv", ContentFile(b"a,b\n1,2\n"))
    response = clients.viewer.get(f"/api/v1/reports/{report.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"a,b\n1,2\n"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert '"' not in disposition.split("filename=", 1)[1].strip('"')
    assert response["Content-Type"] == "text/csv"


def test_report_task_records_deterministic_failure(team_setup: Any) -> None:
    from assessments import tasks

    run = succeeded_run(team_setup.model)
    run.result = {"findings": [{"no": "id"}]}  # a stored result the report cannot be built from
    run.save()
    report = Report.objects.create(model=team_setup.model, run=run, format="html")
    tasks.render_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.status == JobStatus.FAILED and "KeyError" in report.error and report.attempts == 1
    assert report.progress_message == "failed" and not report.file


def test_report_task_renders_stores_and_ignores_redelivery(team_setup: Any, engine: Any) -> None:
    from assessments import tasks

    report = Report.objects.create(model=team_setup.model, run=succeeded_run(team_setup.model), format="json")
    tasks.render_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.status == JobStatus.SUCCEEDED and report.progress == 100 and report.file, report.error
    assert report.attempts == 1 and report.size_bytes == report.file.size
    tasks.render_report.apply(args=[report.pk])  # redelivery: nothing happens
    report.refresh_from_db()
    assert report.attempts == 1


@pytest.mark.parametrize("fmt", ["html", "sarif", "csv", "json"])
def test_real_report_rendering_through_the_api(
    clients: Any, team_setup: Any, engine: Any, fmt: str, django_capture_on_commit_callbacks: Any
) -> None:
    model = team_setup.model
    with django_capture_on_commit_callbacks(execute=True):
        clients.editor.post(f"/api/v1/models/{model.pk}/assessments/")
    with django_capture_on_commit_callbacks(execute=True):
        response = clients.editor.post(f"/api/v1/models/{model.pk}/reports/", {"format": fmt}, format="json")
    report = clients.viewer.get(response["Location"]).json()
    assert report["status"] == "succeeded", report["error"]
    download = clients.viewer.get(report["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content)


RULE = {
    "rule_id": "no-plain-http",
    "title": "No plain HTTP",
    "element_kind": "flow",
    "expression": 'protocol == "http"',
    "severity": "high",
    "remediation": "Use TLS.",
}


def test_custom_rules_crud_and_validation(clients: Any, team_setup: Any) -> None:
    base = f"/api/v1/teams/{team_setup.team.pk}/custom-rules/"
    assert clients.viewer.post(base, RULE, format="json").status_code == 403
    assert clients.outsider.post(base, RULE, format="json").status_code == 404
    assert clients.outsider.get(base).status_code == 404
    response = clients.editor.post(base, RULE, format="json")
    assert response.status_code == 201, response.json()
    rule_id = response.json()["id"]
    assert clients.editor.post(base, RULE, format="json").status_code == 400  # duplicate rule_id
    bad = clients.editor.post(base, {**RULE, "rule_id": "bad", "expression": "protocol == "}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "expression"
    python = clients.editor.post(
        base, {**RULE, "rule_id": "py", "expression": "__import__('os').system('id')"}, format="json"
    )
    assert python.status_code == 400
    assert clients.viewer.get(f"{base}{rule_id}/").json()["rule_id"] == "no-plain-http"
    assert clients.outsider.get(f"{base}{rule_id}/").status_code == 404
    response = clients.editor.patch(f"{base}{rule_id}/", {"expression": 'encryption == "none"'}, format="json")
    assert response.status_code == 200 and response.json()["expression"] == 'encryption == "none"'
    assert clients.editor.patch(f"{base}{rule_id}/", {"expression": "port =="}, format="json").status_code == 400
    assert clients.viewer.delete(f"{base}{rule_id}/").status_code == 403
    assert clients.editor.delete(f"{base}{rule_id}/").status_code == 204


def test_custom_rule_fires_in_live_assessment(clients: Any, team_setup: Any, engine: Any) -> None:
    base = f"/api/v1/teams/{team_setup.team.pk}/custom-rules/"
    rule = {**RULE, "rule_id": "every-flow", "expression": "true"}
    assert clients.editor.post(base, rule, format="json").status_code == 201
    body = clients.viewer.get(f"/api/v1/models/{team_setup.model.pk}/live-assessment/").json()
    assert any("every-flow" in f["rule"] for f in body["findings"])


def test_custom_rules_list_without_engine(clients: Any, team_setup: Any) -> None:
    base = f"/api/v1/teams/{team_setup.team.pk}/custom-rules/"
    assert clients.viewer.get(base).json()["results"] == []
    assert clients.outsider.get(f"{base}1/").status_code == 404
