"""The Celery application. Tasks live in each app's ``tasks.py``."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("trustmap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def lower_cpu_priority(**_: Any) -> None:
    """A pool process runs its tasks (assessments, one per burst of edits) ``WORKER_NICE`` steps below the web
    processes: where both share the cores, a request no longer waits for an assessment, and an idle host runs the
    tasks as fast as before (measured in benchmarks/NOTES.md, "The load's reads, 2026-12-04")."""
    from django.conf import settings

    if settings.WORKER_NICE > 0:
        os.nice(settings.WORKER_NICE)
