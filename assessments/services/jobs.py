"""What the background jobs (assessment runs, report renders, webhook deliveries) share.

Services enqueue a task by its registered name (``enqueue_on_commit``) instead of importing
``assessments.tasks``: the tasks call the services, so the dependency runs one way. The task names are
declared here and used by the ``@shared_task`` decorators; ``AssessmentsConfig.ready`` imports the tasks
module, so every process (web, worker, management command) has them registered before a service looks one up.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.utils import timezone

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, Report
from assessments.runner import RUNNER
from threatmodel.accounts import Account, RequestUser

RUN_ASSESSMENT = "assessments.tasks.run_assessment"
RENDER_REPORT = "assessments.tasks.render_report"
DELIVER_WEBHOOK = "assessments.tasks.deliver_webhook"
SWEEP_JOBS = "assessments.tasks.sweep_jobs"

#: The row each kind of job keeps its state in (webhook deliveries keep theirs on the webhook).
JOB_ROWS: dict[str, type[AssessmentRun] | type[Report]] = {RUN_ASSESSMENT: AssessmentRun, RENDER_REPORT: Report}
QUEUE_DOWN = "queued; the job queue is unavailable, the job will be sent again"

LOGGER = logging.getLogger(__name__)

FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)

#: Failures worth retrying: the database or the broker went away, a connection timed out.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


class TransientJobError(Exception):
    """A failure worth retrying (the database or the broker went away)."""


def uses_celery() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER


def enqueue_on_commit(task_name: str, *args: int, countdown: float = 0) -> None:
    """Send the task once the current transaction commits (a worker never sees a row that is not there yet)."""
    if task_name not in current_app.tasks:
        raise KeyError(f"no task is registered as {task_name!r}")  # a bug, not a runtime condition
    transaction.on_commit(lambda: enqueue(task_name, *args, countdown=countdown))


def enqueue(task_name: str, *args: int, countdown: float = 0) -> bool:
    """Send the task: to the broker (Celery), to the in-process runner's threads, or run it now ("inline").

    A broker that cannot take the message is not an error for the caller: the job's row stays ``queued``, says
    that the queue is unavailable, and the sweeper sends it again. False when the message could not be sent.
    """
    row = JOB_ROWS.get(task_name)
    if row is not None and args:
        row.objects.filter(pk=args[0], status=JobStatus.QUEUED).update(enqueued_at=timezone.now())
    if not uses_celery():
        if settings.JOB_RUNNER == "inline" and not countdown:
            current_app.tasks[task_name].apply(args=args)
        elif countdown:
            RUNNER.submit_later(countdown, task_name, *args)
        else:
            RUNNER.submit(task_name, *args)
        return True
    try:
        task = current_app.tasks[task_name]
        if countdown:
            task.apply_async(args=args, countdown=countdown)
        else:
            task.apply_async(args=args)
    except Exception as exc:  # kombu/redis raise their own OperationalError and socket errors
        LOGGER.warning("could not enqueue %s%r (the sweeper will retry): %s", task_name, args, exc)
        if row is not None and args:
            row.objects.filter(pk=args[0], status=JobStatus.QUEUED).update(progress_message=QUEUE_DOWN)
        return False
    if row is not None and args:
        row.objects.filter(pk=args[0], status=JobStatus.QUEUED, progress_message=QUEUE_DOWN).update(
            progress_message="queued"
        )
    return True


def record_progress(model: type[AssessmentRun] | type[Report], pk: int, percent: int, message: str) -> None:
    model.objects.filter(pk=pk).update(
        progress=max(0, min(100, percent)), progress_message=message[:200], heartbeat_at=timezone.now()
    )


def heartbeat_cutoff(now: datetime | None = None) -> datetime:
    """A running job whose heartbeat is older than this has lost its worker."""
    return (now or timezone.now()) - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)


def is_alive(heartbeat_at: datetime | None, now: datetime | None = None) -> bool:
    return heartbeat_at is not None and heartbeat_at > heartbeat_cutoff(now)


@contextlib.contextmanager
def heartbeat(model: type[AssessmentRun] | type[Report], pk: int) -> Iterator[None]:
    """Beat for the running job every ``JOB_HEARTBEAT_INTERVAL`` seconds while the body runs (the engine and
    the renderers are long calls that cannot beat themselves)."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(max(0.2, settings.JOB_HEARTBEAT_INTERVAL)):
                try:
                    model.objects.filter(pk=pk, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
                except Exception as exc:  # a missed beat is not a failure; a lasting silence is what counts
                    LOGGER.debug("heartbeat of %s %s missed: %s", model.__name__, pk, exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def release(model: type[AssessmentRun] | type[Report], pk: int, attempt: int, error: BaseException) -> None:
    """Give a running job back to the queue after a transient failure, so that its retry can claim it. When the
    database itself is what failed, the row stays ``running`` and its heartbeat goes stale: the sweeper
    re-queues it then."""
    with contextlib.suppress(*TRANSIENT_ERRORS):
        model.objects.filter(pk=pk, status=JobStatus.RUNNING, attempts=attempt).update(
            status=JobStatus.QUEUED, heartbeat_at=None, progress_message=f"retrying: {error}"[:200]
        )


def defer(task: Any, *args: int, delay: float = 2.0) -> None:
    """Send the task again later without spending one of its retries (the model has a run in flight)."""
    enqueue(task.name, *args, countdown=delay)


def requester(user: RequestUser | None) -> Account | None:
    """The account to record as the requester of a job: nobody for an anonymous or missing user."""
    return user if isinstance(user, Account) and user.is_authenticated else None
