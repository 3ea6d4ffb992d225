"""The README's multi-user deployment, followed as an operator would (issue 19, item 6): real PostgreSQL and Redis,
the production settings of ``deploy/trustmap.env.example`` with its blanks filled in, ``migrate``,
``collectstatic``, ``check --deploy`` and ``create_team --password-stdin``, then ``make web``, ``make worker`` and
``make beat`` themselves. Through the public name behind a TLS proxy (the ``Host`` and ``X-Forwarded-*`` headers a
proxy sends): log in, create an API token, import the demo model file, run one assessment and one PDF report in the
worker, download the PDF, and read the model in ``/metrics``; beat's sweeper runs in the worker meanwhile."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pypdf import PdfReader

from testkit import servers
from testkit.commands import bare_env, env_file

pytestmark = pytest.mark.integration

ROOT = servers.ROOT
#: The venv the suite runs in, which is what ``make venv`` (or ``make install-prod``) installed into ``VENV``.
VENV = Path(sys.executable).parent.parent
PUBLIC_HOST = "trustmap.example.com"
DEMO_FILE = ROOT / "threatmodel" / "demo" / "online-shop.yaml"
MODEL_NAME = "Boutique online shop"
PASSWORD = "an-operator-passphrase-9"
BUDGET_SECONDS = 90.0


def production_env(tmp: Path) -> dict[str, str]:
    """The settings file of ``deploy/``, its blanks filled in as its comments say, and the state directories in
    ``tmp``; nothing else of the suite's environment (no DJANGO_SETTINGS_MODULE: the production settings)."""
    env = bare_env(**env_file(ROOT / "deploy" / "trustmap.env.example"))
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(50),
        MEDIA_ROOT=str(tmp / "media"),
        STATIC_ROOT=str(tmp / "static"),
        JOB_SWEEP_INTERVAL="1",  # beat's sweeper is seen to run within the test
    )
    assert env["DJANGO_DEBUG"] == "0" and env["SECURE_COOKIES"] == "1" and env["DJANGO_ALLOWED_HOSTS"] == PUBLIC_HOST
    assert all(env.values()), [key for key, value in env.items() if not value]
    return env


def manage(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.Popen[str]:
    """``.venv/bin/python manage.py ...`` as the README runs it (started; ``finish`` waits)."""
    return subprocess.Popen(
        [str(VENV / "bin" / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[str], stdin: str = "", timeout: float = 60) -> str:
    timeout = max(timeout, 1.0)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    finally:
        servers.stop(proc)
    assert proc.returncode == 0, f"{proc.args!r} exited {proc.returncode}:\n{out}\n{err}"
    return out


def make_args(target: str, **variables: str) -> list[str]:
    return ["make", "--no-print-directory", target, f"VENV={VENV}", *(f"{k}={v}" for k, v in variables.items())]


@dataclass
class Stack:
    """The started processes and their logs; stopped (process group by process group) at the end either way."""

    tmp: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[Any]] = field(default_factory=dict)

    def make(self, target: str, **variables: str) -> None:
        log = open(self.tmp / f"{target}.log", "wb")  # noqa: SIM115 (the process writes it; closed at the end)
        self.procs[target] = subprocess.Popen(
            make_args(target, **variables), cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        log.close()

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def alive(self) -> None:
        for name, proc in self.procs.items():
            assert proc.poll() is None, f"make {name} exited {proc.returncode}:\n{self.log(name)[-3000:]}"

    def logs(self) -> str:
        return "\n".join(f"--- make {name} ---\n{self.log(name)[-3000:]}" for name in self.procs)

    def stop(self) -> None:
        for proc in self.procs.values():
            servers.stop(proc, timeout=15)


@contextlib.contextmanager
def stack_of(tmp: Path, env: dict[str, str]) -> Iterator[Stack]:
    stack = Stack(tmp, env)
    try:
        yield stack
    except BaseException:
        print(stack.logs())  # shown by pytest with the failure
        raise
    finally:
        stack.stop()


class Proxy:
    """What the TLS reverse proxy in front sends to the web processes: the public ``Host``, ``X-Forwarded-Proto:
    https`` and ``X-Forwarded-For`` (PROXY_HOPS=1), plus a browser's cookie jar (its cookies are ``Secure``)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        https: bool = True,
    ) -> tuple[int, dict[str, str], bytes]:
        sent = {"Host": PUBLIC_HOST, "X-Forwarded-For": "203.0.113.7", **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    assert morsel["secure"], header  # SECURE_COOKIES=1
                    self.cookies[name] = morsel.value
            return response.status, dict(response.headers), data
        finally:
            connection.close()

    def api(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        code, _, data = self.request(
            method,
            path,
            json.dumps(body).encode() if body is not None else None,
            {"Authorization": f"Bearer {token}", **({"Content-Type": "application/json"} if body is not None else {})},
        )
        return code, json.loads(data) if data else None


def wait_until(what: str, deadline: float, probe: Any, stack: Stack) -> Any:
    while time.monotonic() < deadline:
        stack.alive()
        found = probe()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within the test's time budget")


def finished(proxy: Proxy, token: str, path: str) -> Any:
    code, body = proxy.api("GET", path, token)
    assert code == 200, body
    if body["status"] in {"queued", "running"}:
        return None
    assert body["status"] == "succeeded", body
    return body


def log_in(proxy: Proxy, username: str) -> None:
    """The login page as a browser behind the proxy uses it (CSRF cookie, form, ``Origin``)."""
    code, _, _ = proxy.request("GET", "/login/")
    assert code == 200 and "csrftoken" in proxy.cookies
    form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": proxy.cookies["csrftoken"]})
    code, headers, body = proxy.request(
        "POST",
        "/login/",
        form.encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://{PUBLIC_HOST}"},
    )
    assert code == 302 and "sessionid" in proxy.cookies, (code, headers, body[:500].decode(errors="replace"))


@pytest.fixture
def background() -> Iterator[list[subprocess.Popen[str]]]:
    """Commands started ahead (collectstatic, check --deploy): stopped at the end even when a step before their
    ``finish`` failed."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        servers.stop(proc)


def test_the_readme_deployment_runs_an_assessment_and_a_report(
    tmp_path: Path, background: list[subprocess.Popen[str]]
) -> None:
    started = time.monotonic()
    deadline = started + BUDGET_SECONDS
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.monotonic() - started, 1)

    # the README's commands in its order, except that collectstatic (compressing every file twice: about half the
    # test's time on a loaded machine) and check --deploy need no database and run while the servers start
    static_env = production_env(tmp_path)  # the example's DATABASE_URL and REDIS_URL, not contacted
    collect = manage(static_env, "collectstatic", "--noinput", "-v0")
    check = manage(static_env, "check", "--deploy", "--fail-level", "WARNING")
    background += [collect, check]
    with servers.postgres() as database_url, servers.redis() as redis_url:
        env = {**static_env, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
        phase("servers")
        finish(manage(env, "migrate", "--noinput", "-v0"), timeout=deadline - time.monotonic())
        phase("migrate")
        created = finish(
            manage(env, "create_team", "Platform security", "--owner", "alice", "--email", "alice@example.com",
                   "--password-stdin"),
            stdin=PASSWORD + "\n",
            timeout=deadline - time.monotonic(),
        )  # fmt: skip
        team_id = int(re.search(r"\(id (\d+),", created).group(1))  # type: ignore[union-attr]
        phase("create_team")
        assert "no issues (1 silenced)" in finish(check, timeout=deadline - time.monotonic())

        port = servers.free_port()
        with stack_of(tmp_path, env) as stack:
            stack.make("worker", WORKER_CONCURRENCY="1")
            stack.make("beat", BEAT_SCHEDULE=str(tmp_path / "celerybeat-schedule"))
            finish(collect, timeout=deadline - time.monotonic())  # the web processes serve what it wrote
            phase("collectstatic")
            stack.make("web", WEB_BIND=f"127.0.0.1:{port}", WEB_WORKERS="1")
            proxy = Proxy(port)

            def ready() -> bool:
                with contextlib.suppress(OSError):
                    code, _, body = proxy.request("GET", "/readyz", https=False)
                    assert code in {200, 503}, (code, body)
                    return code == 200 and json.loads(body)["checks"] == {"database": "ok", "queue": "ok"}
                return False

            wait_until("/readyz answers 200", deadline, ready, stack)
            phase("readyz")
            assert proxy.request("GET", "/healthz", https=False)[0] == 200
            code, headers, _ = proxy.request("GET", "/login/", https=False)  # plain HTTP is sent to HTTPS
            assert code == 301 and headers["Location"] == f"https://{PUBLIC_HOST}/login/"

            log_in(proxy, "alice")
            code, _, body = proxy.request(
                "POST",
                "/api/v1/tokens/",
                json.dumps({"name": "deploy test", "scope": "write"}).encode(),
                {
                    "Content-Type": "application/json",
                    "X-CSRFToken": proxy.cookies["csrftoken"],
                    "Origin": f"https://{PUBLIC_HOST}",
                },
            )
            assert code == 201, body
            token = json.loads(body)["token"]
            proxy.cookies.clear()  # from here on, the token alone

            code, _, body = proxy.request(
                "POST",
                f"/api/v1/teams/{team_id}/models/import/",
                DEMO_FILE.read_bytes(),
                {"Authorization": f"Bearer {token}", "Content-Type": "application/yaml"},
            )
            assert code == 201, body
            model_id = json.loads(body)["id"]

            code, run = proxy.api("POST", f"/api/v1/models/{model_id}/assessments/", token)
            assert code == 202 and run["status"] == "queued", run
            done = wait_until(
                "the assessment succeeds",
                deadline,
                lambda: finished(proxy, token, f"/api/v1/assessments/{run['id']}/"),
                stack,
            )
            phase("assessment")
            assert done["result"]["findings"] and done["overall_score"] is not None and done["attempts"] == 1

            pdf_request = {"format": "pdf", "run": run["id"]}
            code, report = proxy.api("POST", f"/api/v1/models/{model_id}/reports/", token, pdf_request)
            assert code == 202 and report["run"] == run["id"], report
            rendered = wait_until(
                "the PDF report succeeds",
                deadline,
                lambda: finished(proxy, token, f"/api/v1/reports/{report['id']}/"),
                stack,
            )
            phase("report")
            bearer = {"Authorization": f"Bearer {token}"}
            code, headers, pdf = proxy.request("GET", f"/api/v1/reports/{report['id']}/download/", None, bearer)
            assert code == 200 and headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")
            assert len(pdf) == rendered["size_bytes"]
            text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
            assert MODEL_NAME in text

            code, _, metrics = proxy.request("GET", "/metrics", None, bearer)
            label = f'model="platform-security/{MODEL_NAME}"'
            assert code == 200 and f'trustmap_posture_score{{{label},team="platform-security"}}' in metrics.decode()
            assert f"trustmap_assessed_revision{{{label}}}" in metrics.decode()

            # the worker did the jobs (the web processes only enqueue), and beat's sweeper ran in it
            swept = re.compile(r"Task assessments\.tasks\.sweep_jobs\[[^\]]+\] succeeded")
            wait_until("beat's sweeper runs in the worker", deadline, lambda: swept.search(stack.log("worker")), stack)
            assert "Sending due task sweep-jobs" in stack.log("beat")
            worker_log = stack.log("worker")
            for task in ("run_assessment", "render_report"):
                assert re.search(rf"Task assessments\.tasks\.{task}\[[^\]]+\] succeeded", worker_log), task
            assert "weasyprint" not in worker_log.lower()  # quiet logs at INFO: no renderer chatter
            # the access log: one line per request, with the address the proxy forwarded; no control socket
            downloaded = f'203.0.113.7 "GET /api/v1/reports/{report["id"]}/download/ HTTP/1.1" 200 '
            assert downloaded in stack.log("web"), stack.log("web")[-3000:]
            assert "Control socket" not in stack.log("web")
            for name in stack.procs:
                assert not re.search(r"Traceback|\bERROR\b|CRITICAL", stack.log(name)), stack.log(name)[-3000:]
            phase("checked")
        phase("stopped")
    elapsed = time.monotonic() - started
    print(f"deployment path: {elapsed:.1f} s, phases (s since start) {phases}")
    assert elapsed < BUDGET_SECONDS
