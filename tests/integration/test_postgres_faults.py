"""PostgreSQL connections dropped and the server restarted under traffic (issue 19, item 7), on gunicorn with a
real PostgreSQL cluster (the in-process job runner, no Redis).

* Every connection terminated by the server (``pg_terminate_backend``) a few times while a client reads and
  writes: the web processes notice the dead connection (``CONN_HEALTH_CHECKS``) and open a new one; an answer
  is a success or a 503 naming the database, never a 500.
* The server stopped for a few seconds: requests during the outage answer 503 JSON naming the database, with
  ``Retry-After``, without hanging; once it is back, requests succeed again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from testkit import servers
from testkit.traffic import Answer, Traffic, unusual

pytestmark = pytest.mark.integration

#: How long a request may take while the database is unreachable (DATABASE_TIMEOUT=1 bounds the connect).
OUTAGE_ANSWER_SECONDS = 5.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("pg-faults")
    with servers.postgres_cluster() as cluster:
        env = servers.django_env(
            cluster.url, "", JOB_RUNNER="thread", DATABASE_TIMEOUT="1", MEDIA_ROOT=str(tmp / "media")
        )
        servers.manage(env, "migrate", "--noinput", "-v0")
        model_id, token = servers.seed(env)
        web, base = servers.start_gunicorn(env, workers=2)
        for _ in range(6):  # both web processes have loaded the application and hold a connection
            assert servers.api(base, token, "GET", f"/api/v1/models/{model_id}/")[0] == 200
        try:
            yield {"base": base, "token": token, "model": model_id, "cluster": cluster}
        finally:
            servers.stop(web)


def assert_success_or_database_503(answers: list[Answer]) -> None:
    for answer in answers:
        if answer.status == 503:
            assert "database" in answer.body["detail"], answer
            assert int(answer.headers["Retry-After"]) > 0, answer
        else:
            expected = 201 if answer.path.endswith("/changesets/") else 200
            assert answer.status == expected, unusual([answer])


def test_terminated_connections_are_replaced(stack: dict[str, Any]) -> None:
    traffic = Traffic(stack["base"], stack["token"], stack["model"]).start()
    terminated = 0
    try:
        time.sleep(1.5)
        for _ in range(4):
            terminated += stack["cluster"].terminate_connections()
            time.sleep(1)
        traffic.phase = "after"
        time.sleep(1.5)
    finally:
        answers = traffic.stop()
    assert terminated >= 2, (terminated, unusual(answers), len(answers))  # the web processes held connections
    assert_success_or_database_503(answers)
    failed = [a for a in answers if a.status == 503]
    assert len(failed) <= len(answers) // 4, unusual(answers)  # only requests caught mid-query fail
    after = [a for a in answers if a.phase == "after"]
    assert after and {a.status for a in after} <= {200, 201}, unusual(after)


def test_restarted_server_gives_503_then_recovers(stack: dict[str, Any]) -> None:
    cluster = stack["cluster"]
    traffic = Traffic(stack["base"], stack["token"], stack["model"]).start()
    try:
        time.sleep(1.5)
        traffic.phase = "down"
        cluster.stop()
        time.sleep(4)
        traffic.phase = "restarting"
        cluster.start()
        time.sleep(1)
        traffic.phase = "back"
        time.sleep(2)
    finally:
        answers = traffic.stop()
    assert_success_or_database_503(answers)
    down = [a for a in answers if a.phase == "down"]
    assert len(down) >= 3, len(down)
    assert {a.status for a in down if a.sent > down[0].sent + 1} == {503}, unusual(down)
    gaps = [b.sent - a.sent for a, b in zip(down, down[1:], strict=False)]
    assert max(gaps) < OUTAGE_ANSWER_SECONDS, gaps  # each 503 came quickly, not after a long hang
    back = [a for a in answers if a.phase == "back"]
    assert back and {a.status for a in back} <= {200, 201}, unusual(back)
    code, doc, _ = servers.api(stack["base"], stack["token"], "GET", f"/api/v1/models/{stack['model']}/")
    assert code == 200 and doc["revision"] >= max(a.body["revision"] for a in answers if a.status == 201)
