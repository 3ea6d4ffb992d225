"""The job sweeper: what makes background jobs durable. Run by Celery beat (``assessments.tasks.sweep_jobs``)
when Redis is up, by the in-process runner otherwise, and at the start of either.

* A job still ``queued`` after ``JOB_REQUEUE_AFTER`` seconds (its enqueue failed, or its message was lost with
  a restarted broker) is sent again. A duplicate message is harmless: only one claim of a row succeeds.
* A ``running`` job whose heartbeat is older than ``JOB_HEARTBEAT_TIMEOUT`` lost its worker: it is shown as
  interrupted, put back to ``queued`` and sent again (the attempt that resumes it restarts from scratch; if the
  old worker was only slow, the result of whichever attempt holds the row at the end is the one stored).
* A model whose current revision has no run at all (the hook after a commit did not get to schedule one, or
  the model predates the scheduling) gets one scheduled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Max, Q
from django.utils import timezone

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, Report
from assessments.services.counts import expired_counts_refresh
from assessments.services.jobs import RENDER_REPORT, RUN_ASSESSMENT, enqueue, heartbeat_cutoff
from assessments.services.runs import assessment_run_schedule
from threatmodel import models as tm

LOGGER = logging.getLogger(__name__)

#: Models scheduled by one sweep at most (a fresh install with thousands of unassessed models catches up over
#: several sweeps instead of flooding the queue at once).
SCHEDULE_LIMIT = 50


@dataclass
class SweepReport:
    requeued: list[tuple[str, int]] = field(default_factory=list)
    interrupted: list[tuple[str, int]] = field(default_factory=list)
    scheduled: list[int] = field(default_factory=list)
    counts_refreshed: int = 0


def jobs_sweep(*, schedule_models: bool = True, at_start: bool = False) -> SweepReport:
    """One sweep. ``at_start``: a runner or worker that just started re-sends every queued job whatever its age
    (the in-process queue of a process that ended is gone; a duplicate in a broker is harmless)."""
    now = timezone.now()
    report = SweepReport()
    stale = now if at_start else now - timedelta(seconds=settings.JOB_REQUEUE_AFTER)
    dead = heartbeat_cutoff(now)
    for task_name, row in ((RUN_ASSESSMENT, AssessmentRun), (RENDER_REPORT, Report)):
        lost = row.objects.filter(status=JobStatus.RUNNING).filter(
            Q(heartbeat_at__lt=dead) | Q(heartbeat_at__isnull=True)
        )
        for pk, beat in list(lost.values_list("pk", "heartbeat_at")[:500]):
            since = f" since {timezone.localtime(beat):%H:%M:%S}" if beat else ""
            interrupted = row.objects.filter(pk=pk, status=JobStatus.RUNNING, heartbeat_at=beat).update(
                status=JobStatus.QUEUED,
                progress=0,
                progress_message=f"interrupted: its worker stopped (no heartbeat{since}); queued again",
            )
            if interrupted:
                report.interrupted.append((task_name, pk))
                enqueue(task_name, pk)
        waiting = row.objects.filter(status=JobStatus.QUEUED).filter(
            Q(enqueued_at__lte=stale) | Q(enqueued_at__isnull=True, created_at__lte=stale)
        )
        for pk in list(waiting.values_list("pk", flat=True)[:500]):
            if (task_name, pk) not in report.interrupted:
                report.requeued.append((task_name, pk))
                enqueue(task_name, pk)
    if schedule_models:
        behind = (
            tm.ThreatModel.objects.annotate(assessed=Max("assessment_runs__revision"))
            .filter(Q(assessed__lt=F("revision")) | Q(assessed__isnull=True), revision__gt=0)
            .values_list("pk", flat=True)
            .order_by("pk")[:SCHEDULE_LIMIT]
        )
        for model_id in list(behind):
            if assessment_run_schedule(model_id=model_id) is not None:
                report.scheduled.append(model_id)
    report.counts_refreshed = expired_counts_refresh()  # an acceptance expired: its runs' stored counts too
    if report.requeued or report.interrupted or report.scheduled:
        LOGGER.info(
            "job sweep: %s re-sent, %s interrupted and re-queued, %s model(s) scheduled",
            len(report.requeued),
            len(report.interrupted),
            len(report.scheduled),
        )
    return report
