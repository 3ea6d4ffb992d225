"""Mixed read/write load against the production path on loopback (issue 19, acceptance): gunicorn (2 workers,
``config/gunicorn.py``) + PostgreSQL + Redis + a Celery worker with beat, all started by ``testkit.servers``.

Open-loop load at ``RATE`` requests/s for ``SECONDS`` s (each latency from the request's *scheduled* send time,
as in ``bench_api``): 90% reads (``GET .../score/`` and ``GET /api/v1/models/{id}/`` in turn), 10% change sets
built on the latest revision any answer reported (a stale one is refused with 409, a correct answer counted
apart as ``load_conflicts``). Printed:

* ``load_read_p50_ms``, ``load_read_p99_ms``, ``load_write_p50_ms``, ``load_rps`` (answers per second),
  ``load_cpu_ms_per_request`` (user + system CPU of the gunicorn processes per answer, the figure other work on a
  shared machine hardly disturbs), ``load_client_cpu_ms_per_request`` (the load generator's own CPU per answer)
  and ``load_worker_cpu_s`` (the Celery worker's CPU during the load: the assessments the change sets cause),
  ``load_errors`` (anything else: 5xx, unexpected statuses, broken connections,
  requests still unanswered ``DRAIN_SECONDS`` after the last send; target 0) and ``load_conflicts``;
* the same load again with Redis stopped halfway through: ``load_redis_down_500s`` (answers 500 or another 5xx
  that is not a 503; must be 0), ``load_redis_down_errors``, ``load_redis_down_read_p99_ms``.

Targets (the 2-core box): 0 errors and read p99 <= 100 ms at 200 requests/s. About 80 s in all, so it is not
part of ``--quick``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import report, response_head, server_cpu
from testkit import servers

RATE = 200  # requests per second
SECONDS = 20.0
SENDERS = 24
WRITE_EVERY = 10  # one request in ten is a change set
DRAIN_SECONDS = 10.0  # after the last scheduled send, answers are awaited this long (the rest count as errors)


@dataclass
class Tally:
    reads: list[float] = field(default_factory=list)
    writes: list[float] = field(default_factory=list)
    conflicts: int = 0
    errors: int = 0
    server_errors: int = 0  # 5xx other than 503
    unavailable: int = 0  # 503 (a dependency that is down, said so)
    answers: int = 0
    broken: int = 0  # connections that broke or timed out
    unanswered: int = 0  # still waiting when the drain time was up
    wall: float = 0.0
    cpu: float = 0.0  # CPU seconds of the gunicorn processes during the load
    client_cpu: float = 0.0  # CPU seconds of this process (the load generator) during the load
    worker_cpu: float = 0.0  # CPU seconds of the Celery worker (its pool and embedded beat) during the load


@dataclass
class Load:
    port: int
    token: str
    model_id: int
    tally: Tally = field(default_factory=Tally)
    revision: int = 0

    def request(self, n: int) -> tuple[bytes, bool]:
        """Request ``n`` of the mix (bytes, whether it is a write)."""
        auth = f"Host: 127.0.0.1:{self.port}\r\nAuthorization: Bearer {self.token}\r\nConnection: keep-alive\r\n"
        if n % WRITE_EVERY == WRITE_EVERY - 1:
            change = {"op": "update", "kind": "component", "id": "redis-cart", "data": {"description": f"n{n}"}}
            body = json.dumps(
                {"base_revision": self.revision, "coalesce": False, "message": f"load {n}", "changes": [change]}
            ).encode()
            head = (
                f"POST /api/v1/models/{self.model_id}/changesets/ HTTP/1.1\r\n{auth}"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            return head.encode() + body, True
        path = f"/api/v1/models/{self.model_id}/score/" if n % 2 else f"/api/v1/models/{self.model_id}/"
        return f"GET {path} HTTP/1.1\r\n{auth}\r\n".encode(), False

    def count(self, status: int, body: bytes, write: bool, latency: float) -> None:
        tally = self.tally
        tally.answers += 1
        if write and status in (201, 409):
            out = json.loads(body)
            if status == 201:
                tally.writes.append(latency)
                self.revision = max(self.revision, int(out["revision"]))
            else:
                tally.conflicts += 1
                self.revision = max(self.revision, int(out["current_revision"]))
        elif not write and status == 200:
            tally.reads.append(latency)
        else:
            tally.errors += 1
            tally.server_errors += status >= 500 and status != 503
            tally.unavailable += status == 503

    async def sender(self, jobs: asyncio.Queue[tuple[float, int] | None]) -> None:
        loop = asyncio.get_running_loop()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        while (job := await jobs.get()) is not None:
            scheduled, n = job
            data, write = self.request(n)
            try:
                writer.write(data)
                status, length, close = response_head(await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 15))
                body = await asyncio.wait_for(reader.readexactly(length), 15)
                self.count(status, body, write, loop.time() - scheduled)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
                self.tally.errors += 1
                self.tally.broken += 1
                close = True
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.close()

    async def run(self, seconds: float) -> Tally:
        loop = asyncio.get_running_loop()
        jobs: asyncio.Queue[tuple[float, int] | None] = asyncio.Queue()
        tasks = [asyncio.create_task(self.sender(jobs)) for _ in range(SENDERS)]
        start = loop.time()
        for n in range(int(RATE * seconds)):  # open loop: the schedule does not wait for answers
            scheduled = start + n / RATE
            if (delay := scheduled - loop.time()) > 0:
                await asyncio.sleep(delay)
            jobs.put_nowait((scheduled, n))
        for _ in tasks:
            jobs.put_nowait(None)
        _, pending = await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
        for task in pending:
            task.cancel()
        self.tally.wall = loop.time() - start
        self.tally.unanswered = int(RATE * seconds) - self.tally.answers - self.tally.broken
        self.tally.errors += self.tally.unanswered
        return self.tally


def _current_revision(base: str, token: str, model_id: int) -> int:
    code, doc, _ = servers.api(base, token, "GET", f"/api/v1/models/{model_id}/")
    assert code == 200, doc
    return int(doc["revision"])


def _ms_percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _run_load(base: str, token: str, model_id: int, web: subprocess.Popen[Any], worker: subprocess.Popen[Any]) -> Tally:
    load = Load(int(base.rsplit(":", 1)[1]), token, model_id, revision=_current_revision(base, token, model_id))
    cpu, client, worker_cpu = server_cpu(web.pid), time.process_time(), server_cpu(worker.pid)
    tally = asyncio.run(load.run(SECONDS))
    tally.cpu = server_cpu(web.pid) - cpu
    tally.client_cpu = time.process_time() - client
    tally.worker_cpu = server_cpu(worker.pid) - worker_cpu
    return tally


def run(quick: bool) -> None:
    if quick:  # servers plus two 20 s loads: well over the quick set's budget
        return
    with (
        tempfile.TemporaryDirectory(prefix="trustmap-bench-load-") as tmp,
        servers.postgres() as database_url,
        servers.redis_server() as redis,
    ):
        env = servers.django_env(database_url, redis.url, MEDIA_ROOT=f"{tmp}/media")
        servers.manage(env, "migrate", "--noinput", "-v0")
        model_id, token = servers.seed(env)
        web, base = servers.start_gunicorn(env, workers=2)
        worker = servers.start_worker(env, "bench", beat=True, log=Path(tmp) / "worker.log")
        try:
            for _ in range(10):  # both web processes have loaded the application
                _current_revision(base, token, model_id)
            first = _run_load(base, token, model_id, web, worker)
            report("load_read_p50_ms", _ms_percentile(first.reads, 0.5), "ms")
            report("load_read_p99_ms", _ms_percentile(first.reads, 0.99), "ms")
            report("load_write_p50_ms", _ms_percentile(first.writes, 0.5), "ms")
            report("load_rps", first.answers / first.wall, "req/s")
            report("load_cpu_ms_per_request", 1000 * first.cpu / max(1, first.answers), "ms")
            # the rest of the 2 cores: the load generator itself (this process) and the Celery worker
            report("load_client_cpu_ms_per_request", 1000 * first.client_cpu / max(1, first.answers), "ms")
            report("load_worker_cpu_s", first.worker_cpu, "s")
            report("load_errors", first.errors, "responses")
            report("load_conflicts", first.conflicts, "responses")
            stopper = threading.Timer(SECONDS / 2, redis.stop)
            stopper.start()
            second = _run_load(base, token, model_id, web, worker)
            stopper.join()
            report("load_redis_down_500s", second.server_errors, "responses")
            report("load_redis_down_errors", second.errors, "responses")
            report("load_redis_down_503s", second.unavailable, "responses")
            report("load_redis_down_read_p99_ms", _ms_percentile(second.reads, 0.99), "ms")
            report("load_redis_down_rps", second.answers / second.wall, "req/s")
        finally:
            servers.stop(worker)
            servers.stop(web)
