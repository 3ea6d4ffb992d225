"""Report jobs: request one (a background job), execute it (the task), record its failure.

Executing claims the row, loads the run's snapshot at the run's revision, rebuilds the engine result from the
run's stored JSON (so the report shows exactly what that run found), adds the model's triage decisions and score
history, renders the requested format (``assessments.reporting.render``) and stores the file under
``MEDIA_ROOT`` with its size and SHA-256, the row's status changing in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from assessments.choices import JobStatus, ReportFormat
from assessments.engine.codec import result_from_json
from assessments.engine.results import AssessmentResult
from assessments.models import AssessmentRun, Report
from assessments.reporting.render import FORMATS, Progress, build_model, render_bytes
from assessments.selectors import report_score_history, report_triage_decisions, user_label
from assessments.services.jobs import (
    FINISHED,
    RENDER_REPORT,
    TRANSIENT_ERRORS,
    TransientJobError,
    enqueue_on_commit,
    heartbeat,
    is_alive,
    record_progress,
    release,
    requester,
)
from assessments.services.runs import engine_assess
from threatmodel import models as tm
from threatmodel import selectors_mesh
from threatmodel.accounts import RequestUser
from threatmodel.domain import Snapshot
from threatmodel.interchange.kubernetes import element_locations
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.selectors import snapshot_of_model

LOGGER = logging.getLogger(__name__)


def report_request(*, model: tm.ThreatModel, run: AssessmentRun, fmt: str, user: RequestUser | None) -> Report:
    """Create a queued report of a successful run of ``model``; its rendering is enqueued after commit."""
    if fmt not in ReportFormat.values:
        raise ModelValidationError([Issue("format", f"{fmt!r} is not one of {', '.join(ReportFormat.values)}")])
    if run.model_id != model.pk or run.status != JobStatus.SUCCEEDED:
        raise ModelValidationError([Issue("run", "the run must be a successful assessment of this model")])
    with transaction.atomic():
        report = Report.objects.create(
            model=model,
            run=run,
            format=fmt,
            status=JobStatus.QUEUED,
            requested_by=requester(user),
            progress_message="queued",
        )
        enqueue_on_commit(RENDER_REPORT, report.pk)
    return report


def report_claim(*, report_id: int) -> Report | None:
    """Mark the report running (attempts + 1, heartbeat now); None when it is missing, already finished, or
    running in a live worker (a duplicate message)."""
    now = timezone.now()
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status in FINISHED:
            return None
        restarted = report.status == JobStatus.RUNNING
        if restarted and is_alive(report.heartbeat_at, now):
            return None
        report.status = JobStatus.RUNNING
        report.attempts += 1
        report.heartbeat_at = now
        report.progress = 1
        report.progress_message = "restarted after an interruption" if restarted else "started"
        report.error = ""
        report.save(update_fields=["status", "attempts", "heartbeat_at", "progress", "progress_message", "error"])
    return report


def report_execute(*, report_id: int, progress: Progress | None = None) -> Report | None:
    """Render and store the report's file; the row ends ``succeeded`` or ``failed`` (None: nothing to do).

    Each step is recorded on the row, then passed to ``progress`` when given. Deterministic failures (a
    renderer's error, an unreadable stored result) mark the report failed; database/broker errors are raised
    as ``TransientJobError`` so the task retries.
    """
    try:
        claimed = report_claim(report_id=report_id)
    except TRANSIENT_ERRORS as exc:
        raise TransientJobError(str(exc)) from exc
    if claimed is None:
        return None

    def step(percent: int, message: str) -> None:
        record_progress(Report, report_id, percent, message)
        if progress is not None:
            progress(percent, message)

    try:
        report = Report.objects.select_related("model", "run", "requested_by", "run__requested_by").get(pk=report_id)
        with heartbeat(Report, report_id):
            data = _render(report, step)
        step(90, "Storing the file")
        _store(report_id, _file_name(report), data, attempt=claimed.attempts)
    except TRANSIENT_ERRORS as exc:
        release(Report, report_id, claimed.attempts, exc)
        raise TransientJobError(str(exc)) from exc
    except Exception as exc:  # deterministic: record it, do not retry
        LOGGER.exception("report %s failed", report_id)
        report_fail(report_id=report_id, error=f"{type(exc).__name__}: {exc}")
    return Report.objects.get(pk=report_id)


def _render(report: Report, step: Progress) -> bytes:
    if report.format not in FORMATS or report.format not in ReportFormat.values:
        raise ValueError(f"unknown report format {report.format!r}")
    step(5, "Loading the model")
    run = report.run
    snapshot = snapshot_of_model(model=report.model, revision=run.revision)
    result = _result_of(run, snapshot)
    step(15, "Collecting triage and history")
    report_model = build_model(
        snapshot,
        result,
        triage=report_triage_decisions(model=report.model),
        history=report_score_history(model=report.model, until=run),
        author=user_label(report.requested_by) or user_label(run.requested_by),
    )
    step(25, f"Rendering {report.format.upper()}")
    located = _manifest_locations(report.model, snapshot) if report.format == ReportFormat.SARIF else None
    return render_bytes(
        report.format, report_model, progress=step, json_document=run.result or None, manifest_locations=located
    )


def _manifest_locations(model: tm.ThreatModel, snapshot: Snapshot) -> dict[str, tuple[str, int]] | None:
    """Where the model's elements are in its latest attached manifests (file as attached, line), if any."""
    source = selectors_mesh.latest_mesh_source(model=model, kind=tm.MeshSource.Kind.MANIFESTS)
    if source is None:
        return None
    manifests = selectors_mesh.manifests_of_source(source)
    return {key: (loc.file, loc.line) for key, loc in element_locations(manifests, snapshot).items()}


def _result_of(run: AssessmentRun, snapshot: Snapshot) -> AssessmentResult:
    if run.result:
        return result_from_json(run.result)
    # no stored JSON (a run from before results were stored): re-run the engine on the same revision
    return result_from_json(engine_assess(snapshot, team_id=run.model.team_id))


def _file_name(report: Report) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", report.model.name.lower()).strip("-")[:60] or "model"
    return f"trustmap-{slug}-r{report.run.revision}-report{report.pk}.{FORMATS[report.format][0]}"


@transaction.atomic
def _store(report_id: int, name: str, data: bytes, *, attempt: int) -> None:
    """Save the file (replacing an earlier attempt's) and mark the report succeeded, unless another attempt took
    the report over (this worker was thought dead): then its file is the one kept."""
    locked = Report.objects.select_for_update().get(pk=report_id)
    if locked.status != JobStatus.RUNNING or locked.attempts != attempt:
        LOGGER.warning("report %s: attempt %s lost the report, its file is dropped", report_id, attempt)
        return
    if locked.file:
        locked.file.delete(save=False)
    locked.file.save(name, ContentFile(data), save=False)
    locked.size_bytes = len(data)
    locked.sha256 = hashlib.sha256(data).hexdigest()
    locked.status = JobStatus.SUCCEEDED
    locked.progress = 100
    locked.progress_message = "done"
    locked.error = ""
    locked.finished_at = timezone.now()
    locked.save(
        update_fields=[
            "file",
            "size_bytes",
            "sha256",
            "status",
            "progress",
            "progress_message",
            "error",
            "finished_at",
        ]
    )


def report_fail(*, report_id: int, error: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now(), progress_message="failed"
    )
