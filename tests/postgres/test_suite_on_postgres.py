"""The domain's database layer on a real PostgreSQL: the foundation tests (change sets, stale
writes, replay, diffs, isolation, commands) run again in a subprocess against a fresh cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.servers import postgres

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_foundation_suite_passes_on_postgresql() -> None:
    with postgres() as database_url:
        env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
        vendor = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.db import connection; "
                "connection.ensure_connection(); print(connection.vendor)",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout.strip()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/foundation",
                "-p",
                "no:cacheprovider",
                "-q",
                "-x",
                "-o",
                "addopts=",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert vendor == "postgresql"
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
