"""A SQLite database locked by another process (issue 19, observation 2), on the real server (gunicorn): reads
keep working (the token's ``last_used_at`` is best effort), writes answer 503 with Retry-After within the
configured ``DATABASE_TIMEOUT`` instead of a 500 after 20 s, and work again once the lock is gone."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest

from testkit import servers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sqlite_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    path = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    env = servers.django_env(f"sqlite:///{path}", "", DATABASE_TIMEOUT="1.5")
    servers.manage(env, "migrate", "--noinput", "-v0")
    model_id, token = servers.seed(env)
    web, base = servers.start_gunicorn(env)
    try:
        yield {"base": base, "token": token, "model": model_id, "path": path}
    finally:
        servers.stop(web)


def change(stack: dict[str, Any], base_revision: int) -> tuple[int, Any, dict[str, str]]:
    body = {
        "base_revision": base_revision,
        "changes": [{"op": "update", "kind": "model", "data": {"name": f"Renamed {time.monotonic()}"}}],
    }
    return servers.api(stack["base"], stack["token"], "POST", f"/api/v1/models/{stack['model']}/changesets/", body)


def test_locked_database_reads_work_writes_answer_503_quickly(sqlite_stack: dict[str, Any]) -> None:
    lock = sqlite3.connect(sqlite_stack["path"], isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        code, body, _ = servers.api(
            sqlite_stack["base"], sqlite_stack["token"], "GET", f"/api/v1/models/{sqlite_stack['model']}/"
        )
        assert code == 200, body  # first use of the token: last_used_at cannot be written, the read works
        revision = body["revision"]
        started = time.monotonic()
        code, body, headers = change(sqlite_stack, revision)
        elapsed = time.monotonic() - started
        assert code == 503, body
        assert "database" in body["detail"]
        assert int(headers["Retry-After"]) > 0
        assert elapsed < 10, elapsed  # DATABASE_TIMEOUT=1.5 s, not the former 20 s
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    code, body, _ = change(sqlite_stack, revision)
    assert code == 201, body
