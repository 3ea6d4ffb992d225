"""Deployment you can copy (issue 19, item 6): ``deploy/`` (a compose file, its image, systemd units, a settings file
without secrets, the containers' healthcheck) runs the same commands as the Makefile's start targets, which never
install anything; the settings file passes ``check --deploy``; the first account and team come from one command.

Docker is not available to the suite: the compose file and the units are checked statically, against ``make -n``.
"""

from __future__ import annotations

import configparser
import importlib.metadata
import os
import secrets
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from testkit.commands import bare_env, env_file, manage_beside

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP_SERVICES = {"migrate", "web", "worker", "beat"}
START_TARGETS = ("web", "worker", "beat")


def compose() -> dict[str, Any]:
    document = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def make_command(spec: str) -> list[str]:
    """The command line ``make`` would run for ``spec`` ("make web VENV=... WEB_BIND=..."), from ``make -n``."""
    words = shlex.split(spec)
    assert words[0] == "make", spec
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", *words[1:]],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    venv = next(word.split("=", 1)[1] for word in words if word.startswith("VENV="))
    started = [line for line in done.stdout.splitlines() if line.startswith(f"{venv}/bin/")]
    assert len(started) == 1, done.stdout
    return shlex.split(started[0])


def console_script(executable: str) -> importlib.metadata.EntryPoint:
    found = importlib.metadata.entry_points(group="console_scripts", name=Path(executable).name)
    assert found, f"{executable} is no installed console script"
    return next(iter(found))


# -- docker compose ------------------------------------------------------------------------------------------


def test_the_compose_file_parses_and_names_the_services() -> None:
    document = compose()
    services = document["services"]
    assert set(services) == APP_SERVICES | {"db", "redis"}
    assert services["db"]["image"].startswith("postgres:") and services["redis"]["image"].startswith("redis:")
    assert "--appendonly" in services["redis"]["command"]  # queued messages survive a restart of Redis
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
        assert service["env_file"] == ["trustmap.env"], name
        assert service["depends_on"]["db"] == {"condition": "service_healthy"}, name
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0", name
        assert service["environment"]["DATABASE_URL"].startswith("postgres://trustmap:${POSTGRES_PASSWORD:?"), name
    for name in START_TARGETS:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    used = {mount.split(":")[0] for service in services.values() for mount in service.get("volumes", [])}
    assert used == set(document["volumes"]) == {"media", "pgdata", "redisdata"}
    assert (DEPLOY / "Dockerfile").read_text().count("make install-prod VENV=/opt/trustmap/venv") == 1


def test_every_long_running_service_has_a_healthcheck_on_readyz_or_its_equivalent() -> None:
    services = compose()["services"]
    assert services["web"]["healthcheck"]["test"] == [
        "CMD", "python", "deploy/healthcheck.py", "http://127.0.0.1:8000/readyz",
    ]  # fmt: skip
    assert services["beat"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py", "--checks"]
    assert "inspect ping --destination celery@$$HOSTNAME" in services["worker"]["healthcheck"]["test"][1]
    assert services["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    for name in ("web", "worker", "beat", "db", "redis"):
        assert services[name]["restart"] == "unless-stopped", name
    assert "migrate" not in {n for n, s in services.items() if "healthcheck" in s}


def test_the_app_services_run_the_makefile_commands() -> None:
    services = compose()["services"]
    for name in START_TARGETS:
        spec = services[name]["x-same-as"]
        assert spec.startswith(f"make {name} VENV=/opt/trustmap/venv"), name
        assert services[name]["command"] == make_command(spec), name
        console_script(services[name]["command"][0])
    assert services["migrate"]["command"] == shlex.split(services["migrate"]["x-same-as"])
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]  # the TLS proxy is in front, on the host


# -- systemd ---------------------------------------------------------------------------------------------------


def test_the_systemd_units_run_the_makefile_commands_of_console_scripts() -> None:
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert [unit.name for unit in units] == ["trustmap-beat.service", "trustmap-web.service", "trustmap-worker.service"]
    for unit in units:
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(unit.read_text())
        service = parser["Service"]
        target = unit.stem.removeprefix("trustmap-")
        spec = next(
            line.split("The same command as:", 1)[1].strip()
            for line in unit.read_text().splitlines()
            if "The same command as:" in line
        )
        assert spec.startswith(f"make {target} VENV=/opt/trustmap/venv"), unit.name
        command = shlex.split(service["ExecStart"])
        assert command == make_command(spec), unit.name
        entry = console_script(command[0])
        assert entry.value.split(":")[0].split(".")[0] in {"gunicorn", "celery"}, entry
        assert (Path(sys.executable).parent / entry.name).exists()  # installed by this project's install too
        assert service["User"] == "trustmap" and service["WorkingDirectory"] == "/opt/trustmap/app"
        assert service["EnvironmentFile"] == "/etc/trustmap/trustmap.env"
        assert service["Environment"] == "PYTHONPATH=/opt/trustmap/app"
        assert service["StateDirectory"] == "trustmap" and service["Restart"] == "on-failure"
        assert parser["Install"]["WantedBy"] == "multi-user.target"


# -- the Makefile: install once, start without installing ----------------------------------------------------


def test_the_start_targets_never_install_even_when_the_project_file_is_newer() -> None:
    for target in START_TARGETS:
        done = subprocess.run(
            ["make", "-n", "--no-print-directory", "-W", "pyproject.toml", "-W", "package.json", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        for installing in ("pip", "npm", "-m venv", "apt-get", "ensure-system-packages"):
            assert installing not in done.stdout, (target, done.stdout)


def test_the_production_install_has_no_dev_extras_and_is_not_editable() -> None:
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "install-prod", "VENV=/opt/trustmap/venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    installs = [shlex.split(line) for line in done.stdout.splitlines() if " pip install " in line]
    assert installs[-1][0] == "/opt/trustmap/venv/bin/python" and installs[-1][-1] == "."
    assert "-e" not in installs[-1] and not any("[dev]" in word for command in installs for word in command)


def test_a_start_target_without_an_install_stops_with_a_message(tmp_path: Path) -> None:
    for target in START_TARGETS:
        done = subprocess.run(
            ["make", "--no-print-directory", target, f"VENV={tmp_path / 'none'}", "REDIS_URL=redis://127.0.0.1:1/0"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and "run make install-prod" in done.stdout, (target, done.stdout, done.stderr)
        assert not (tmp_path / "none").exists()


# -- the settings file: no secrets in it, check --deploy clean with it -----------------------------------------


def test_the_settings_example_holds_no_secret_and_passes_check_deploy(tmp_path: Path) -> None:
    example = env_file(DEPLOY / "trustmap.env.example")
    for secret in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEY"):
        assert example[secret] == "", secret
    database = urlsplit(example["DATABASE_URL"])
    assert database.username == "trustmap" and database.password is None
    assert env_file(DEPLOY / "compose.env.example") == {"POSTGRES_PASSWORD": ""}
    assert example["DJANGO_DEBUG"] == "0" and example["SECURE_COOKIES"] == "1"
    env = bare_env(**example)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(50),
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # the one silenced check is HSTS preloading (security.W021), the operator's call: HSTS_PRELOAD=1
    assert done.stdout.strip() == "System check identified no issues (1 silenced)."
    # and without the secret key filled in, it refuses to start at all, in one line (from a copy of manage.py
    # beside an empty var/: a development checkout's var/secret_key is not a deployment's)
    env["DJANGO_SECRET_KEY"] = ""
    refused = manage_beside(tmp_path, "check", "--deploy", env=env)
    assert refused.returncode == 1 and "DJANGO_SECRET_KEY" in refused.stderr and "Traceback" not in refused.stderr


# -- the containers' healthcheck -------------------------------------------------------------------------------


def healthcheck(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = bare_env(**extra)
    return subprocess.run(
        [sys.executable, str(DEPLOY / "healthcheck.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_the_http_healthcheck_passes_on_200_and_fails_otherwise(live_server: Any, settings: Any) -> None:
    url = f"{live_server.url}/readyz"
    assert healthcheck(url, DJANGO_ALLOWED_HOSTS="localhost,trustmap.example.com").returncode == 0
    unknown_host = healthcheck(url, DJANGO_ALLOWED_HOSTS="not-served.example")
    assert unknown_host.returncode == 1 and "answered 400" in unknown_host.stderr  # the Host header is sent
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    queue_down = healthcheck(url, DJANGO_ALLOWED_HOSTS="localhost")
    assert queue_down.returncode == 1 and "answered 503" in queue_down.stderr
    assert "job queue (Redis) unreachable" in queue_down.stderr
    nobody = healthcheck(f"http://127.0.0.1:{closed_port()}/readyz")
    assert nobody.returncode == 1 and "unreachable" in nobody.stderr
    assert healthcheck("readyz").returncode == 2


def test_the_in_process_healthcheck_runs_the_readyz_checks(tmp_path: Path) -> None:
    base = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }
    assert healthcheck("--checks", **base).returncode == 0
    down = healthcheck("--checks", **base, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    assert down.returncode == 1 and down.stderr.startswith("job queue (Redis) unreachable"), down.stderr


# -- the first account and team ----------------------------------------------------------------------------------


def manage(tmp_path: Path, *args: str, stdin: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
    env = bare_env(
        DJANGO_SECRET_KEY="k" * 10 + secrets.token_urlsafe(40),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        LOG_LEVEL="WARNING",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_first_account_and_team_from_one_command_and_refusals_in_one_line(tmp_path: Path) -> None:
    assert manage(tmp_path, "migrate", "--noinput", "-v0").returncode == 0
    created = manage(
        tmp_path,
        "create_team", "Platform security", "--owner", "alice", "--email", "alice@example.com", "--password-stdin",
        stdin="an-operator-passphrase-9\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines() == [
        "created account 'alice'",
        "team 'Platform security' (id 1, slug platform-security) owned by 'alice'",
    ]
    refusals = {
        "a taken name": (
            ("Platform security", "--owner", "alice"),
            "",
            "a team named 'Platform security' already exists",
        ),
        "a bad username": (("Ops", "--owner", "no spaces!", "--password-stdin"), "x" * 20 + "\n", "account refused: "),
        "a weak password": (("Ops", "--owner", "bob", "--password-stdin"), "123\n", "password refused: "),
        "no password at all": (("Ops", "--owner", "bob"), "", "set TRUSTMAP_OWNER_PASSWORD or run this at a terminal"),
        "a bad name": (("Ops\u202e", "--owner", "bob"), "", ""),
    }
    for case, (args, stdin, message) in refusals.items():
        refused = manage(tmp_path, "create_team", *args, stdin=stdin)
        assert refused.returncode == 1, case
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("CommandError: ") and message in lines[0], (case, lines)
        assert "Traceback" not in refused.stderr, case
    # nothing half-made by the refusals; the account logs in with the password read from standard input
    check = manage(
        tmp_path,
        "shell",
        "-v0",
        "-c",
        "from django.contrib.auth.models import User; from threatmodel.models import Team;"
        "print(sorted(Team.objects.values_list('name', flat=True)), "
        "User.objects.get(username='alice').check_password('an-operator-passphrase-9'), User.objects.count())",
    )
    assert check.stdout.strip() == "['Platform security'] True 1", check.stderr
