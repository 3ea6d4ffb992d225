"""Helpers shared by the benchmark modules: every figure is printed as `BENCH <name> <value> <unit>`."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from testkit.servers import process_stats


def report(name: str, value: float, unit: str) -> None:
    print(f"BENCH {name} {value:.4g} {unit}", flush=True)


def median_time(fn: Callable[[], Any], runs: int) -> float:
    """Median wall-clock seconds of ``runs`` calls."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_child(module: str, quick: bool, extra_env: dict[str, str] | None = None, timeout: float = 1800) -> None:
    """Run ``benchmarks.<module>.child(quick)`` in a fresh interpreter with its own SQLite database,
    so each benchmark configures Django (and its database) independently. Its output is passed through."""
    import os
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="trustmap-bench-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            **(extra_env or {}),
        }
        code = f"import benchmarks.{module} as bench; bench.child({quick!r})"
        completed = subprocess.run([sys.executable, "-c", code], env=env, timeout=timeout, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"benchmarks.{module} exited with {completed.returncode}")


def django_ready() -> None:
    """Set up Django and create the (throwaway) database schema."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


# -- HTTP load (bench_api, bench_load) ----------------------------------------------------------------------


def response_head(head: bytes) -> tuple[int, int, bool]:
    """(status, content length, whether the server closes the connection) of an HTTP/1.1 response head."""
    status = int(head.split(b" ", 2)[1])
    length = 0
    close = False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
        elif name.lower() == b"connection" and value.strip().lower() == b"close":
            close = True
    return status, length, close


def server_cpu(master: int) -> float:
    """User + system CPU seconds used so far by the gunicorn master and its workers (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(
        (int(fields[11]) + int(fields[12])) / ticks
        for pid, fields in process_stats()
        if pid == master or int(fields[1]) == master
    )
