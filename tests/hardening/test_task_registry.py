"""Every task the in-process runner of the embedded default runs by name is registered in a process that is
not a Celery worker (a web process, a management command): the sweep and the due live mesh pulls."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from assessments.runner import PULL_TASK, SWEEP_TASK

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
from celery import current_app
print(" ".join(sorted(name for name in current_app.tasks if not name.startswith("celery."))))
"""


def test_runner_tasks_are_registered_outside_a_worker() -> None:
    """A fresh interpreter as gunicorn has one: only ``django.setup()``, no worker start-up autodiscovery."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings_test", "PATH": "/usr/bin:/bin", "REDIS_URL": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert SWEEP_TASK in out
    assert PULL_TASK in out
