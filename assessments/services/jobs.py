"""What the background jobs (assessment runs, report renders, webhook deliveries) share.

Services enqueue a task by its registered name (``enqueue_on_commit``) instead of importing
``assessments.tasks``: the tasks call the services, so the dependency runs one way. The task names are
declared here and used by the ``@shared_task`` decorators; ``AssessmentsConfig.ready`` imports the tasks
module, so every process (web, worker, management command) has them registered before a service looks one up.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import InterfaceError, OperationalError, transaction

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, Report
from threatmodel.accounts import Account, RequestUser

log = logging.getLogger("trustmap.jobs")

RUN_ASSESSMENT = "assessments.tasks.run_assessment"
RENDER_REPORT = "assessments.tasks.render_report"
DELIVER_WEBHOOK = "assessments.tasks.deliver_webhook"

FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)

#: Failures worth retrying: the database or the broker went away, a connection timed out.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


class TransientJobError(Exception):
    """A failure worth retrying (the database or the broker went away)."""


def enqueue_on_commit(task_name: str, *args: int) -> None:
    """Send the task once the current transaction commits (a worker never sees a row that is not there yet)."""
    task = current_app.tasks[task_name]  # KeyError: a task name that nothing registered, a bug

    def send() -> None:
        # The row is committed: a broker that is down must not turn the answer into a 500 (the job stays
        # visibly queued for a later enqueue).
        try:
            task.delay(*args)
        except Exception:
            log.exception("could not enqueue %s%r; the job stays queued", task_name, args)

    transaction.on_commit(send)


def record_progress(model: type[AssessmentRun] | type[Report], pk: int, percent: int, message: str) -> None:
    model.objects.filter(pk=pk).update(progress=max(0, min(100, percent)), progress_message=message[:200])


def requester(user: RequestUser | None) -> Account | None:
    """The account to record as the requester of a job: nobody for an anonymous or missing user."""
    return user if isinstance(user, Account) and user.is_authenticated else None
