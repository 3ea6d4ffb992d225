"""Real servers for the integration tests and the benchmarks: PostgreSQL (initdb in a temp dir), redis-server,
gunicorn and Celery workers, each on a free loopback port and always stopped by the fixture that started it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited early with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(proc: subprocess.Popen[Any] | None, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Stop a process started in its own session (its whole process group)."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL 15 cluster in a fresh temp dir; yields its DATABASE_URL."""
    with postgres_cluster() as cluster:
        yield cluster.url


@contextlib.contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL 15 cluster that a fault test can stop, start again (same port and data) and whose
    connections it can terminate; always stopped and removed at the end."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError("PostgreSQL 15 binaries not found (apt-get install postgresql-15)")
    tmp = Path(tempfile.mkdtemp(prefix="trustmap-pg-"))
    cluster = PostgresCluster(tmp)
    try:
        cluster.init()
        cluster.start()
        cluster.createdb()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


class PostgresCluster:
    def __init__(self, tmp: Path) -> None:
        self.data, self.sockets = tmp / "pgdata", tmp / "pgsock"
        self.data.mkdir()
        self.sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(tmp, "postgres")
            for path in (self.data, self.sockets):
                shutil.chown(path, "postgres")
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/trustmap"
        self.proc: subprocess.Popen[Any] | None = None

    def init(self) -> None:
        subprocess.run(
            _as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
                + ["--no-sync"]
            ),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        settings = ("listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off", "full_page_writes=off")
        command = [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.sockets)]
        for setting in settings:
            command += ["-c", setting]
        self.proc = subprocess.Popen(
            _as_postgres(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        wait_port(self.port, 30, self.proc)
        for _ in range(100):
            ready = subprocess.run(
                [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError(f"PostgreSQL on port {self.port} not ready")

    def stop(self, sig: int = signal.SIGINT) -> None:
        """SIGINT: fast shutdown (open connections are cut, the server is down until ``start``)."""
        stop(self.proc, sig, timeout=20)

    def createdb(self) -> None:
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "trustmap"],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def sql(self, query: str) -> str:
        done = subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
            + ["-d", "postgres", "-At", "-c", query],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return done.stdout

    def terminate_connections(self) -> int:
        """Cut every client connection to the application's database (``pg_terminate_backend``); how many."""
        out = self.sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = 'trustmap' AND pid <> pg_backend_pid()"
        )
        return int(out.strip() or 0)


@contextlib.contextmanager
def redis() -> Iterator[str]:
    with redis_server() as server:
        yield server.url


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A redis-server without persistence that a fault test can stop and start again on the same port (what it
    held is then gone, as with a restarted broker that kept nothing)."""
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


class RedisServer:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found (apt-get install redis-server)")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[Any] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--protected-mode", "yes"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_port(self.port, 20, self.proc)

    def stop(self) -> None:
        stop(self.proc)


def django_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PYTHONDONTWRITEBYTECODE": "1",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_TOKEN": "100000/minute",
    }
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


WORKER_BOOT = """
import sys
from config.celery import app
visibility, engine_delay = float(sys.argv[1]), float(sys.argv[4])
if engine_delay > 0:  # every assessment of this worker waits first, so that a test can kill it mid-run
    import time
    import django
    django.setup()
    from assessments.services import runs
    engine_assess = runs.engine_assess
    def slow_engine_assess(*args, **kwargs):
        time.sleep(engine_delay)
        return engine_assess(*args, **kwargs)
    runs.engine_assess = slow_engine_assess
if visibility > 0:
    app.conf.broker_transport_options = {**(app.conf.broker_transport_options or {}), "visibility_timeout": visibility,
                                         "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
beat = ["--beat", "--schedule", sys.argv[6]] if sys.argv[5] == "1" else []  # the job sweeper, embedded in the worker
app.worker_main(["worker", f"--loglevel={sys.argv[3]}", "--concurrency=1", "--pool=prefork", "--without-heartbeat",
                 "--without-mingle", "--without-gossip", "-n", sys.argv[2], *beat])
"""


def start_worker(
    env: dict[str, str],
    name: str,
    *,
    visibility_timeout: float = 0,
    engine_delay: float = 0,
    log: Path | None = None,
    loglevel: str = "WARNING",
    beat: bool = False,
) -> subprocess.Popen[Any]:
    """A real Celery worker process (``celery -A config worker``), optionally with a short visibility timeout,
    optionally waiting ``engine_delay`` seconds before each assessment's engine run, optionally running beat
    (the job sweeper's schedule) in the same process."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (closed with the process)
    schedule = Path(tempfile.mkdtemp(prefix="trustmap-beat-")) / "schedule"
    return subprocess.Popen(
        [
            PYTHON,
            "-c",
            WORKER_BOOT,
            str(visibility_timeout),
            f"{name}@%h",
            loglevel,
            str(engine_delay),
            "1" if beat else "0",
            str(schedule),
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=out,
        start_new_session=True,
    )


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """``(pid, fields)`` of every running process (Linux ``/proc``): the fields of its ``stat`` after the command
    name (state, ppid, ..., utime at 11, stime at 12); a process that ends meanwhile is skipped."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            yield int(entry.name), (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue


def start_gunicorn(env: dict[str, str], workers: int = 1, timeout: float = 30.0) -> tuple[subprocess.Popen[Any], str]:
    """gunicorn as deployed (``config/gunicorn.py``: gthread workers, the application frozen out of the garbage
    collector's reach) on a free loopback port, in its own session (``stop`` ends it); returns it and its URL."""
    port = free_port()
    gunicorn = str(Path(PYTHON).with_name("gunicorn"))
    proc = subprocess.Popen(
        [
            gunicorn,
            "-c",
            str(ROOT / "config" / "gunicorn.py"),
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_port(port, timeout, proc)
    return proc, f"http://127.0.0.1:{port}"


def api(base: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None, dict(response.headers)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None, dict(exc.headers)


SEED = """
from django.contrib.auth import get_user_model
from testkit.demo import demo_model
from threatmodel import services
from threatmodel.services_tokens import api_token_create
user = get_user_model().objects.create_user("integration", password="x")
team = services.team_create(name="Integration", owner=user)
model = demo_model(team=team, user=user)
_, raw = api_token_create(user=user, name="it", scope="write")
print(model.pk, raw)
"""


def seed(env: dict[str, str]) -> tuple[int, str]:
    out = manage(env, "shell", "-c", SEED).split()
    return int(out[-2]), out[-1]
