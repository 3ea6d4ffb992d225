"""Latest-score endpoint latency at a fixed request rate against a real gunicorn on loopback.

Server: gunicorn as deployed, with ``config/gunicorn.py`` (gthread, 4 threads per worker, the application's
objects frozen out of the garbage collector's reach) and 2 workers, one per core of the 2-core box the target
was set on. The endpoint is CPU-bound (about 1 ms of CPU per request in Django); more processes than cores
only add context switches, and more threads per process only add GIL contention (a thread that wants the GIL
may wait a whole switch interval), while 4 threads keep a worker serving when one waits on SQLite or the
network.

Open-loop load: requests are scheduled every 1/RATE s whatever the server does, sent over keep-alive
connections by asyncio tasks, and each latency is measured from the *scheduled* send time (so a slow server
shows up as queueing delay instead of silently lowering the rate). Besides p50/p99 the benchmark reports the
server's CPU time per request (user + system time of the gunicorn processes from ``/proc``, divided by the
requests served), a figure that other work on the machine hardly disturbs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import report, response_head, server_cpu
from testkit.servers import start_gunicorn, stop

ROOT = Path(__file__).resolve().parents[1]
RATE = 200  # requests per second
SENDERS = 16
WORKERS = 2  # threads per worker and keep-alive: config/gunicorn.py

SEED = """
from django.contrib.auth import get_user_model
from assessments.models import AssessmentRun
from assessments.services.runs import assessment_run_execute
from testkit.demo import demo_model
from threatmodel import services
from threatmodel.services_tokens import api_token_create
user = get_user_model().objects.create_user("bench", password="x")
team = services.team_create(name="Bench", owner=user)
model = demo_model(team=team, user=user)
run = AssessmentRun.objects.create(model=model, revision=model.revision, requested_by=user)
assessment_run_execute(run_id=run.pk)
assert AssessmentRun.objects.get(pk=run.pk).status == "succeeded"
_, raw = api_token_create(user=user, name="bench", scope="read")
print(model.pk, raw)
"""


async def _load_async(port: int, path: str, token: str, seconds: float) -> tuple[list[float], int, float]:
    """Open-loop load over keep-alive HTTP/1.1 connections driven by asyncio (light on the client's CPU)."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    jobs: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", port)

    async def sender() -> None:
        nonlocal errors
        reader, writer = await connect()
        while True:
            scheduled = await jobs.get()
            if scheduled is None:
                writer.close()
                return
            try:
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                status, length, close = response_head(head)
                await asyncio.wait_for(reader.readexactly(length), 10)
                if status == 200:
                    latencies.append(time.perf_counter() - scheduled)
                else:
                    errors += 1
                if close:
                    writer.close()
                    reader, writer = await connect()
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
                errors += 1
                writer.close()
                reader, writer = await connect()

    tasks = [asyncio.create_task(sender()) for _ in range(SENDERS)]
    total = int(RATE * seconds)
    start = time.perf_counter()
    for i in range(total):  # open loop: the schedule does not wait for answers
        scheduled = start + i / RATE
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        jobs.put_nowait(scheduled)
    for _ in tasks:
        jobs.put_nowait(None)
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    return latencies, errors, time.perf_counter() - start


def _load(port: int, path: str, token: str, seconds: float) -> tuple[list[float], int, float]:
    """Send RATE req/s for ``seconds``; latencies (s) from the scheduled time, error count, wall time."""
    return asyncio.run(_load_async(port, path, token, seconds))


#: A bystander process that sleeps 5 ms in a loop and records how late it wakes up: when other work on the
#: machine delays every process (the load generator included), it shows up here rather than being blamed on
#: the server. It prints the worst delay (ms) and how many wake-ups were more than 20 ms late.
STALL_PROBE = """
import sys, time
worst, late = 0.0, 0
end = time.perf_counter() + float(sys.argv[1])
while time.perf_counter() < end:
    start = time.perf_counter()
    time.sleep(0.005)
    delay = time.perf_counter() - start - 0.005
    worst, late = max(worst, delay), late + (delay > 0.02)
print(worst * 1000, late)
"""


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(quick: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="trustmap-bench-api-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_TOKEN": "10000000/minute",
        "MEDIA_ROOT": str(tmp / "media"),
    }
    env["DATABASE_URL"] = "sqlite:///" + str(tmp / "bench.sqlite3")  # absolute: sqlite:////tmp/...
    python = sys.executable
    proc = None
    try:
        subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
        seeded = subprocess.run(
            [python, "manage.py", "shell", "-c", SEED],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout.split()
        model_id, token = int(seeded[-2]), seeded[-1]
        proc, base = start_gunicorn(env, workers=WORKERS)
        port = int(base.rpartition(":")[2])
        path = f"/api/v1/models/{model_id}/score/"
        _load(port, path, token, 1.0)  # warm-up: imports, connections
        load_before = os.getloadavg()[0]
        seconds = 5.0 if quick else 10.0
        probe = subprocess.Popen([python, "-c", STALL_PROBE, str(seconds)], stdout=subprocess.PIPE, text=True)
        cpu_before = server_cpu(proc.pid)
        latencies, errors, wall = _load(port, path, token, seconds)
        cpu = server_cpu(proc.pid) - cpu_before
        stall_ms, late = (float(v) for v in probe.communicate(timeout=60)[0].split())
        if not latencies:
            raise RuntimeError(f"no successful request ({errors} errors)")
        report("api_score_p50", statistics.median(latencies) * 1000, "ms")
        report("api_score_p99", _percentile(latencies, 0.99) * 1000, "ms")
        report("api_score_rate", len(latencies) / wall, "rps")
        if cpu > 0:
            report("api_score_server_cpu", cpu / (len(latencies) + errors) * 1000, "ms/request")
        if errors:
            report("api_score_errors", errors, "requests")
        # the machine's 1-minute load average before the run and the worst wake-up delay of a bystander
        # process during it: on a shared 2-core box, other work shows up here
        report("api_score_loadavg", load_before, "load")
        report("api_score_machine_stall_max", stall_ms, "ms")
        if late:
            report("api_score_machine_stalls_over_20ms", late, "wakeups")
    finally:
        stop(proc, timeout=15)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run("--quick" in sys.argv)
