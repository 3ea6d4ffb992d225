"""Issue 14 acceptance: a model edited only through the change-set API (no assessment POST) has ``/score/`` of that
revision and its place in ``/metrics`` within 10 s, and a burst of 50 edits gives far fewer runs than edits and
ends with the last revision assessed. Run against both deployments, started by the test:

* the embedded default: SQLite file, gunicorn, no Redis (the in-process runner's threads do the jobs);
* PostgreSQL + Redis + gunicorn + a real Celery worker (with beat).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testkit import editing, servers

pytestmark = pytest.mark.integration

LABEL = "integration/Boutique online shop"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("embedded")
    env = servers.django_env(f"sqlite:///{tmp}/db.sqlite3", "", JOB_RUNNER="thread", MEDIA_ROOT=str(tmp / "media"))
    servers.manage(env, "migrate", "--noinput", "-v0")
    model_id, token = servers.seed(env)
    # The seeding command queued the demo's first assessment on its own runner: it finished it before exiting
    # (a run it had claimed and abandoned would hold back every run of the model for a heartbeat timeout).
    runs = servers.manage(env, "shell", "-v0", "-c", RUN_STATES).split()
    assert runs == ["1:succeeded"], runs
    web, base = servers.start_gunicorn(env)
    try:
        yield {"base": base, "token": token, "model": model_id}
    finally:
        servers.stop(web)


RUN_STATES = """
from assessments.models import AssessmentRun
for run in AssessmentRun.objects.order_by("pk"):
    print(f"{run.revision}:{run.status}")
"""


@pytest.fixture(scope="module")
def celery_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("celery")
    with servers.postgres() as database_url, servers.redis() as redis_url:
        env = servers.django_env(database_url, redis_url, MEDIA_ROOT=str(tmp / "media"))
        servers.manage(env, "migrate", "--noinput", "-v0")
        model_id, token = servers.seed(env)
        web, base = servers.start_gunicorn(env)
        worker = servers.start_worker(env, "stored", beat=True, log=Path(tmp) / "worker.log")
        try:
            yield {"base": base, "token": token, "model": model_id}
        finally:
            servers.stop(worker)
            servers.stop(web)


def edit_then_score_and_metrics(stack: dict[str, Any]) -> None:
    base, token, model_id = stack["base"], stack["token"], stack["model"]
    revision = editing.edit(base, token, model_id, 1)
    started = time.monotonic()
    score = editing.wait_for_score(base, token, model_id, revision, timeout=10)
    assert score["revision"] == revision and score["overall"] is not None and score["counts"]["findings"] > 0
    while editing.assessed_revision_in_metrics(editing.metrics(base, token), LABEL) != revision:
        assert time.monotonic() - started < 10, "the model is not in /metrics at its new revision after 10 s"
        time.sleep(0.1)
    history = servers.api(base, token, "GET", f"/api/v1/models/{model_id}/score/history/")[1]
    assert history[-1]["revision"] == revision
    runs = editing.runs_of(base, token, model_id)
    assert any(r["revision"] == revision and r["trigger"] == "revision" for r in runs)
    # the stored run is what the editor shows live for the same revision
    live = servers.api(base, token, "GET", f"/api/v1/models/{model_id}/live-assessment/")[1]
    assert live["revision"] == revision and live["scores"]["overall"] == score["overall"]


def burst(stack: dict[str, Any]) -> None:
    base, token, model_id = stack["base"], stack["token"], stack["model"]
    before = len(editing.runs_of(base, token, model_id))
    revision = None
    for n in range(50):
        revision = editing.edit(base, token, model_id, 100 + n, revision=revision)
    assert revision is not None
    score = editing.wait_for_score(base, token, model_id, revision, timeout=30)
    assert score["revision"] == revision
    runs = editing.runs_of(base, token, model_id)[: len(editing.runs_of(base, token, model_id)) - before]
    assert 1 <= len(runs) <= 20, [(r["revision"], r["status"]) for r in runs]
    assert all(r["status"] == "succeeded" for r in runs), [(r["revision"], r["status"]) for r in runs]
    assert max(r["revision"] for r in runs) == revision


def test_embedded_edit_is_assessed_and_visible_within_10_s(embedded: dict[str, Any]) -> None:
    edit_then_score_and_metrics(embedded)


def test_embedded_burst_of_50_edits_is_coalesced(embedded: dict[str, Any]) -> None:
    burst(embedded)


def test_celery_edit_is_assessed_and_visible_within_10_s(celery_stack: dict[str, Any]) -> None:
    edit_then_score_and_metrics(celery_stack)


def test_celery_burst_of_50_edits_is_coalesced(celery_stack: dict[str, Any]) -> None:
    burst(celery_stack)
