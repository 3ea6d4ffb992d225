"""Redis stopped and started again under traffic (issue 19, item 7), on the real components: PostgreSQL, a
redis-server without persistence, gunicorn and a Celery worker running beat (the job sweeper).

A client keeps reading (the model, its score) and writing (change sets, assessment requests) while Redis is up,
down, and back. Reads answer 200 throughout (the throttle counters fall back to local ones); change sets are
accepted; an assessment request answers 202 with the run visibly queued behind an unavailable queue (or a 503
naming the job queue) - never a 500. The restarted Redis holds none of the messages sent before: the sweeper
sends every queued run again, and each one completes within the threshold.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assessments.services.jobs import QUEUE_DOWN
from testkit import editing, servers
from testkit.traffic import Traffic, unusual

pytestmark = pytest.mark.integration

#: Fast sweeper for the test: queued jobs older than 2 s are sent again, sweeps every second, a running job
#: silent for 5 s has lost its worker.
FAST_JOBS = {"JOB_REQUEUE_AFTER": "2", "JOB_SWEEP_INTERVAL": "1", "JOB_HEARTBEAT_INTERVAL": "1"}
FAST_JOBS["JOB_HEARTBEAT_TIMEOUT"] = "5"
#: After Redis is back, every queued run completes within this many seconds.
THRESHOLD = 30.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("redis-restart")
    with servers.postgres() as database_url, servers.redis_server() as redis:
        env = servers.django_env(database_url, redis.url, MEDIA_ROOT=str(tmp / "media"), **FAST_JOBS)
        servers.manage(env, "migrate", "--noinput", "-v0")
        model_id, token = servers.seed(env)
        web, base = servers.start_gunicorn(env)
        # each assessment takes a second in this worker: Redis goes away while it holds a job it has not
        # acknowledged yet (late acknowledgement), the case that used to end the worker (config/broker.py)
        worker = servers.start_worker(env, "faults", beat=True, engine_delay=1, log=Path(tmp) / "worker.log")
        try:
            yield {"base": base, "token": token, "model": model_id, "redis": redis, "log": Path(tmp) / "worker.log"}
        finally:
            servers.stop(worker)
            servers.stop(web)


def test_redis_stopped_and_restarted_under_traffic(stack: dict[str, Any]) -> None:
    base, token, model_id, redis = stack["base"], stack["token"], stack["model"], stack["redis"]
    editing.wait_for_score(base, token, model_id, 1, timeout=30)  # the worker is up and took the seed's run
    traffic = Traffic(base, token, model_id, assess_every=8).start()
    try:
        time.sleep(2)
        wait_for_a_running_job(base, token, model_id)
        traffic.phase = "down"
        redis.stop()
        time.sleep(6)
        redis.start()
        traffic.phase = "back"
        time.sleep(4)
    finally:
        answers = traffic.stop()
    restarted = time.monotonic()

    by_phase = {phase: [a for a in answers if a.phase == phase] for phase in ("up", "down", "back")}
    assert all(by_phase.values()), {p: len(a) for p, a in by_phase.items()}
    assert not [a for a in answers if a.status >= 500 and a.status != 503], unusual(answers)
    reads = [a for a in answers if a.method == "GET"]
    assert {a.status for a in reads} == {200}, unusual(reads)
    changes = [a for a in answers if a.path.endswith("/changesets/")]
    assert {a.status for a in changes} == {201}, unusual(changes)
    requests = [a for a in answers if a.path.endswith("/assessments/")]
    for answer in requests:
        if answer.status == 503:  # refused before anything was saved: says which dependency, and when to retry
            assert "queue" in answer.body["detail"] and int(answer.headers["Retry-After"]) > 0, answer
        else:
            assert answer.status == 202 and answer.body["status"] == "queued", answer
    down = [a for a in requests if a.phase == "down"]
    assert down, "no assessment was requested while Redis was down"
    assert any(a.status == 503 or a.body["progress_message"] == QUEUE_DOWN for a in down), unusual(down)

    # every run the API accepted - requested or scheduled after a revision - completes after the restart
    run_ids = {a.body["id"] for a in requests if a.status == 202}
    last_revision = max(a.body["revision"] for a in changes)
    while True:
        runs = {run["id"]: run for run in editing.runs_of(base, token, model_id)}
        assert run_ids <= set(runs)
        pending = [run for run in runs.values() if run["status"] in ("queued", "running")]
        if not pending:
            break
        assert time.monotonic() - restarted < THRESHOLD, (pending, stack["log"].read_text()[-3000:])
        time.sleep(0.5)
    assert {runs[i]["status"] for i in run_ids} == {"succeeded"}, [runs[i] for i in run_ids]
    score = editing.wait_for_score(base, token, model_id, last_revision, timeout=5)
    assert score["revision"] == last_revision


def wait_for_a_running_job(base: str, token: str, model_id: int) -> None:
    code, run, _ = servers.api(base, token, "POST", f"/api/v1/models/{model_id}/assessments/")
    assert code == 202, run
    deadline = time.monotonic() + 20
    while servers.api(base, token, "GET", run["url"])[1]["status"] != "running":
        assert time.monotonic() < deadline, "the worker did not start the run"
        time.sleep(0.05)
    time.sleep(0.2)
