"""Celery tasks: thin wrappers taking row ids; state, progress and attempts live in the rows, written by the
services (``assessments.services``), which enqueue these tasks by the names declared in
``assessments.services.jobs``.

Late acknowledgement plus ``reject_on_worker_lost``: a task whose worker dies is delivered again, and the
service restarts a run left ``running``; a redelivered task for a finished row does nothing. Transient
errors (database/broker) are retried with exponential backoff; deterministic failures are recorded on the
row and not retried. Time limits come from settings (``CELERY_TASK_TIME_LIMIT`` / ``..._SOFT_TIME_LIMIT``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from celery import current_app, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings

from assessments.services import jobs, reports, runs, sweeper, webhooks


def _backoff(retries: int) -> int:
    return int(min(60, 2 ** (retries + 1)))


def _retry(task: Any, exc: Exception, give_up: Callable[[str], None]) -> None:
    """Retry with exponential backoff, or record the failure once the retries are used up."""
    retries = task.request.retries
    if retries >= task.max_retries:
        give_up(f"gave up after {retries + 1} attempts: {exc}")
        return
    if task.request.is_eager:  # in-process mode has no broker to come back through: retry in place
        time.sleep(min(_backoff(retries), 2))
        task.apply(args=task.request.args, retries=retries + 1)
        return
    raise task.retry(exc=exc, countdown=_backoff(retries))


@shared_task(
    name=jobs.RUN_ASSESSMENT,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=settings.CELERY_TASK_MAX_RETRIES,
)
def run_assessment(self: Any, run_id: int) -> None:
    try:
        runs.assessment_run_execute(run_id=run_id)
    except runs.RunBusy:
        jobs.defer(self, run_id)
    except jobs.TransientJobError as exc:
        _retry(self, exc, lambda error: runs.assessment_run_fail(run_id=run_id, error=error))
    except SoftTimeLimitExceeded:
        runs.assessment_run_fail(run_id=run_id, error="the assessment exceeded its time limit")


@shared_task(
    name=jobs.RENDER_REPORT,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=settings.CELERY_TASK_MAX_RETRIES,
)
def render_report(self: Any, report_id: int) -> None:
    try:
        reports.report_execute(report_id=report_id)
    except jobs.TransientJobError as exc:
        _retry(self, exc, lambda error: reports.report_fail(report_id=report_id, error=error))
    except SoftTimeLimitExceeded:
        reports.report_fail(report_id=report_id, error="rendering exceeded its time limit")


@shared_task(
    name=jobs.DELIVER_WEBHOOK,
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=settings.CELERY_TASK_MAX_RETRIES,
    time_limit=settings.WEBHOOK_TIMEOUT * 3 + 10,
    soft_time_limit=settings.WEBHOOK_TIMEOUT * 2 + 5,
)
def deliver_webhook(self: Any, webhook_id: int, run_id: int) -> None:
    """POST a succeeded run to its model's webhook; network errors, 429 and 5xx are retried with backoff."""
    try:
        webhooks.webhook_deliver(webhook_id=webhook_id, run_id=run_id)
    except webhooks.WebhookTransientError as exc:
        _retry(self, exc, lambda error: webhooks.webhook_delivery_failed(webhook_id=webhook_id, error=error))
    except webhooks.WebhookError:
        pass  # final (refused URL, 4xx): recorded on the webhook row


@shared_task(name=jobs.SWEEP_JOBS, ignore_result=True, time_limit=120, soft_time_limit=100)
def sweep_jobs(at_start: bool = False) -> None:
    """Re-send lost jobs, re-queue interrupted ones, schedule unassessed revisions (Celery beat, the runner)."""
    sweeper.jobs_sweep(at_start=at_start)


@worker_ready.connect
def _sweep_at_start(**_: Any) -> None:
    """A worker that starts picks up what the last one left (queued or interrupted jobs)."""
    current_app.tasks[jobs.SWEEP_JOBS].apply_async(kwargs={"at_start": True})
