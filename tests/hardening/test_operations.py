"""Operating the service (issue 19, observation 10): health endpoints, the first user and team from a documented
command, compressed and hashed static files with a long cache, quiet renderer logs."""

from __future__ import annotations

import gzip
import json
import logging
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import brotli
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from testkit import servers
from testkit.commands import bare_env
from threatmodel import models as m
from threatmodel.choices import Role

ROOT = Path(__file__).resolve().parent.parent.parent


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
def test_healthz_and_readyz_embedded() -> None:
    assert Client().get("/healthz").json() == {"status": "ok"}
    ready = Client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "queue": "ok"}


@pytest.mark.django_db
def test_readyz_names_the_queue_when_redis_is_unreachable(settings: Any) -> None:
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    ready = Client().get("/readyz")
    assert ready.status_code == 503 and ready["Retry-After"]
    body = ready.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["queue"].startswith("job queue (Redis) unreachable")


@pytest.mark.integration
@pytest.mark.django_db
def test_readyz_with_a_real_redis(settings: Any) -> None:
    with servers.redis() as url:
        settings.CELERY_BROKER_URL = url
        assert Client().get("/readyz").status_code == 200


@pytest.mark.django_db
def test_create_team_makes_the_first_owner_and_team(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("TRUSTMAP_OWNER_PASSWORD", "a-long-operator-password-1")
    call_command("create_team", "Platform security", "--owner", "alice", "--email", "alice@example.com")
    team = m.Team.objects.get(name="Platform security")
    membership = m.Membership.objects.get(team=team)
    assert membership.user.username == "alice" and membership.role == Role.OWNER
    assert membership.user.check_password("a-long-operator-password-1")
    assert "owned by 'alice'" in capsys.readouterr().out
    call_command("create_team", "Second team", "--owner", "alice")  # an existing account owns another team
    assert m.Membership.objects.filter(user__username="alice").count() == 2
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_team", "Platform security", "--owner", "alice")
    monkeypatch.setenv("TRUSTMAP_OWNER_PASSWORD", "123")
    with pytest.raises(CommandError, match="password refused"):
        call_command("create_team", "Third", "--owner", "bob")
    assert not m.Team.objects.filter(name="Third").exists()


def test_weasyprint_is_quiet_at_info() -> None:
    assert not logging.getLogger("weasyprint").isEnabledFor(logging.INFO)
    assert logging.getLogger("weasyprint").isEnabledFor(logging.WARNING)


@pytest.mark.integration
def test_production_static_files_are_hashed_compressed_and_cached_for_long(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "s" * 50,
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    hashed = sorted((tmp_path / "static" / "css").glob("*.*.css"))
    assert hashed, "collectstatic made no hashed copies"
    assert Path(f"{hashed[0]}.gz").exists()
    # each content is compressed once and copied to its twin (config/storage.py): every copy is the right one
    static = tmp_path / "static"
    compressed = [path for path in static.rglob("*") if path.suffix in {".gz", ".br"}]
    assert len(compressed) > 100
    for path in compressed:
        unpack = gzip.decompress if path.suffix == ".gz" else brotli.decompress
        assert unpack(path.read_bytes()) == path.with_suffix("").read_bytes(), path
    manifest = json.loads((static / "staticfiles.json").read_text())["paths"]
    for original, hashed_name in manifest.items():
        if (static / original).read_bytes() == (static / hashed_name).read_bytes():
            for suffix in (".gz", ".br"):
                assert (static / f"{original}{suffix}").exists() == (static / f"{hashed_name}{suffix}").exists()
    web, base = servers.start_gunicorn(env)
    try:
        request = urllib.request.Request(
            f"{base}/static/css/{hashed[0].name}", headers={"Accept-Encoding": "gzip", "Host": "localhost"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert "max-age=315360000" in response.headers["Cache-Control"]
            assert "immutable" in response.headers["Cache-Control"]
    finally:
        servers.stop(web)


_LOG_PROBE = (
    "import django, logging; django.setup(); "
    "logging.getLogger('trustmap.probe').warning('probe %s', 'ü'); "
    "print(logging.getLevelName(logging.getLogger('celery.app.trace').getEffectiveLevel()))"
)


def _log_probe(**env: str) -> subprocess.CompletedProcess[str]:
    base = bare_env(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1", PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-c", _LOG_PROBE], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )


def test_json_logs_are_one_object_per_line_and_the_embedded_runner_keeps_quiet() -> None:
    done = _log_probe(LOG_FORMAT="json")
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stderr.splitlines() if "trustmap.probe" in line]
    record = json.loads(line)
    assert record["level"] == "WARNING" and record["logger"] == "trustmap.probe" and record["message"] == "probe ü"
    assert record["time"]
    # without REDIS_URL every sweep of the in-process runner would log a "Task ... succeeded" line
    assert done.stdout.strip() == "WARNING"
    plain = _log_probe(REDIS_URL="redis://127.0.0.1:1/0")
    assert plain.returncode == 0, plain.stderr
    assert " WARNING trustmap.probe probe ü" in plain.stderr and "{" not in plain.stderr
    assert plain.stdout.strip() == "INFO"
