"""Real PostgreSQL + redis-server + gunicorn + Celery worker processes: runs submitted through the API are
done by the worker; a worker killed mid-run (SIGKILL) is replaced and the run still completes; a worker splits
an analysis with a forked process and stores the same result as one that does not."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testkit import servers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("stack")
    with servers.postgres() as database_url, servers.redis() as redis_url:
        env = servers.django_env(database_url, redis_url)
        servers.manage(env, "migrate", "--noinput", "-v0")
        model_id, token = servers.seed(env)
        web, base = servers.start_gunicorn(env)
        try:
            yield {"env": env, "base": base, "token": token, "model": model_id, "tmp": tmp}
        finally:
            servers.stop(web)


def wait_for(stack: dict[str, Any], run_id: int, statuses: set[str], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        code, body, _ = servers.api(stack["base"], stack["token"], "GET", f"/api/v1/assessments/{run_id}/")
        assert code == 200
        if body["status"] in statuses:
            return body
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {body.get('status')} after {timeout} s: {body}")


def submit(stack: dict[str, Any]) -> dict[str, Any]:
    code, body, headers = servers.api(
        stack["base"], stack["token"], "POST", f"/api/v1/models/{stack['model']}/assessments/"
    )
    assert code == 202, body
    assert headers["Location"] == body["url"] and body["status"] == "queued"
    return body


def test_run_completes_in_worker_and_score_is_readable(stack: dict[str, Any]) -> None:
    worker = servers.start_worker(stack["env"], "w1", log=Path(stack["tmp"]) / "w1.log")
    try:
        run = submit(stack)
        done = wait_for(stack, run["id"], {"succeeded", "failed"}, 40)
        assert done["status"] == "succeeded", done["error"]
        assert done["result"]["findings"] and done["attempts"] == 1
        code, score, _ = servers.api(stack["base"], stack["token"], "GET", f"/api/v1/models/{stack['model']}/score/")
        assert code == 200 and score["run"] == run["id"] and score["overall"] == done["overall_score"]
        assert score["pillars"]
    finally:
        servers.stop(worker)


def _settle(stack: dict[str, Any]) -> None:
    """Every run the stack has queued so far (the seeded model's first one included) finished by a plain worker,
    so a test's own worker takes the test's run and nothing left over from the tests before it."""
    worker = servers.start_worker(stack["env"], "settle", log=Path(stack["tmp"]) / "settle.log")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            code, body, _ = servers.api(
                stack["base"], stack["token"], "GET", f"/api/v1/models/{stack['model']}/assessments/"
            )
            assert code == 200, body
            runs = body["results"] if isinstance(body, dict) else body
            if all(run["status"] not in ("queued", "running") for run in runs):
                return
            time.sleep(0.2)
        raise AssertionError(f"runs still unfinished after 60 s: {runs}")
    finally:
        servers.stop(worker)


def test_killed_worker_is_replaced_and_the_run_completes(stack: dict[str, Any]) -> None:
    """No short visibility timeout: the heartbeat goes silent, the sweeper (beat in the replacement) shows the
    run interrupted and re-queues it long before the broker would redeliver its message."""
    _settle(stack)
    fast = {"JOB_HEARTBEAT_INTERVAL": "1", "JOB_HEARTBEAT_TIMEOUT": "5", "JOB_SWEEP_INTERVAL": "1"}
    env = {**stack["env"], **fast}
    doomed = servers.start_worker(env, "doomed", engine_delay=60, log=Path(stack["tmp"]) / "doomed.log")
    replacement = None
    try:
        run = submit(stack)
        running = wait_for(stack, run["id"], {"running"}, 40)
        assert running["attempts"] == 1
        assert running["heartbeat_at"]
        time.sleep(0.5)
        servers.stop(doomed, signal.SIGKILL)  # the whole worker, mid-run, without a chance to clean up
        code, body, _ = servers.api(stack["base"], stack["token"], "GET", f"/api/v1/assessments/{run['id']}/")
        assert body["status"] == "running"
        replacement = servers.start_worker(env, "replacement", beat=True, log=Path(stack["tmp"]) / "replacement.log")
        done = wait_for(stack, run["id"], {"succeeded", "failed"}, 45)
        assert done["status"] == "succeeded", done["error"]
        assert done["attempts"] == 2
    finally:
        servers.stop(doomed, signal.SIGKILL)
        servers.stop(replacement)


def _result_of_run_in(stack: dict[str, Any], name: str, extra_env: dict[str, str]) -> tuple[dict[str, Any], str]:
    log = Path(stack["tmp"]) / f"{name}.log"
    worker = servers.start_worker({**stack["env"], **extra_env}, name, log=log, loglevel="INFO")
    try:
        run = submit(stack)
        done = wait_for(stack, run["id"], {"succeeded", "failed"}, 60)
        assert done["status"] == "succeeded", done["error"]
    finally:
        servers.stop(worker)
    return done["result"], log.read_text()


def test_worker_splits_the_analysis_and_stores_the_same_result(stack: dict[str, Any]) -> None:
    """The fork inside a Celery prefork pool process (with its database connection and broker channel open):
    the demo model forced over the size threshold uses two processes and gives the one-process result."""
    serial, serial_log = _result_of_run_in(stack, "serial", {"ENGINE_WORKERS": "1"})
    split, split_log = _result_of_run_in(stack, "split", {"ENGINE_WORKERS": "2", "ENGINE_PARALLEL_MIN_ELEMENTS": "1"})
    assert "1 process(es)" in serial_log
    assert "2 process(es)" in split_log, split_log[-3000:]
    assert split == serial


def test_the_worker_pool_runs_below_the_web_processes(stack: dict[str, Any]) -> None:
    """``WORKER_NICE`` (10 by default): the pool process that runs the tasks is niced 10 steps below the process
    that started the worker (itself perhaps niced, as a CI job may be), the worker's main process is not."""
    base = os.getpriority(os.PRIO_PROCESS, 0)
    worker = servers.start_worker(stack["env"], "nice", log=Path(stack["tmp"]) / "nice.log")
    try:
        deadline = time.monotonic() + 30
        children: list[int] = []
        while not children and time.monotonic() < deadline:
            time.sleep(0.2)
            children = [
                pid
                for pid, fields in servers.process_stats()
                if int(fields[1]) == worker.pid and os.getpriority(os.PRIO_PROCESS, pid) != base
            ]
        assert children and all(os.getpriority(os.PRIO_PROCESS, pid) == min(19, base + 10) for pid in children)
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == base
    finally:
        servers.stop(worker)
