"""Report generation services (Django side).

* :func:`report_request` creates the ``Report`` row and enqueues ``assessments.tasks.render_report`` after the
  transaction commits (it delegates to ``assessments.services.report_request``, which validates the format
  and that the run is a successful run of the model).
* :func:`report_render` is what the task runs (through ``assessments.services.report_execute``, which claims
  the row): it loads the run's snapshot at the run's revision, rebuilds the engine result from the run's stored
  JSON (so the report shows exactly what that run found), adds the model's triage decisions and score history,
  renders the requested format, and stores the file under ``MEDIA_ROOT`` with its size and SHA-256.
* :func:`render_bytes` renders any format from pure inputs; the ``assess`` command uses it without a database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from assessments.choices import JobStatus, ReportFormat
from assessments.engine.codec import result_from_json, to_json_dict
from assessments.engine.results import AssessmentResult
from assessments.models import AssessmentRun, FindingTriage, Report
from assessments.reporting import csv_writer, sarif, text
from assessments.reporting.model import HistoryPoint, ReportInputs, ReportModel, TriageDecision, build_report_model
from threatmodel.domain import Snapshot

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from threatmodel.models import ThreatModel

LOGGER = logging.getLogger(__name__)
Progress = Callable[[int, str], None]

#: Format -> (file extension, MIME type).
FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "html": ("html", "text/html; charset=utf-8"),
    "sarif": ("sarif", "application/sarif+json"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "json": ("json", "application/json"),
    "text": ("txt", "text/plain; charset=utf-8"),
}
HISTORY_LIMIT = 40
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


def report_request(*, model: ThreatModel, run: AssessmentRun, fmt: str, user: AbstractBaseUser | None) -> Report:
    """Create a queued ``Report`` of ``run`` and enqueue its rendering once the transaction commits."""
    from assessments import services

    return services.report_request(model=model, run=run, fmt=fmt, user=user)


def _user_label(user: Any) -> str:
    if user is None:
        return ""
    full = (getattr(user, "get_full_name", lambda: "")() or "").strip()
    return full or str(user.get_username())


def triage_decisions(model: ThreatModel) -> list[TriageDecision]:
    rows = FindingTriage.objects.filter(model=model).select_related("decided_by").order_by("fingerprint")
    return [
        TriageDecision(
            fingerprint=t.fingerprint,
            status=t.status,
            justification=t.justification,
            decided_by=_user_label(t.decided_by),
            decided_at=t.decided_at,
            expires_at=t.expires_at,
        )
        for t in rows
    ]


def score_history(model: ThreatModel, *, until: AssessmentRun | None = None) -> list[HistoryPoint]:
    """Overall score of the model's successful runs, oldest first (up to ``until`` included)."""
    runs = AssessmentRun.objects.filter(model=model, status=JobStatus.SUCCEEDED, overall_score__isnull=False)
    if until is not None and until.finished_at is not None:
        runs = runs.filter(finished_at__lte=until.finished_at)
    rows = list(runs.order_by("-finished_at", "-pk").values("revision", "overall_score", "finished_at")[:HISTORY_LIMIT])
    rows.reverse()
    return [HistoryPoint(revision=r["revision"], score=float(r["overall_score"]), when=r["finished_at"]) for r in rows]


def build_model(
    snapshot: Snapshot,
    result: AssessmentResult,
    *,
    triage: Iterable[TriageDecision] = (),
    history: Sequence[HistoryPoint] = (),
    author: str = "",
) -> ReportModel:
    return build_report_model(
        ReportInputs(snapshot, result, triage=triage, history=history, author=author, generated_at=timezone.now())
    )


def render_bytes(
    fmt: str,
    report: ReportModel,
    *,
    progress: Progress | None = None,
    source_uri: str = "",
    source_text: str = "",
    json_document: Mapping[str, Any] | None = None,
) -> bytes:
    """The report file in ``fmt`` (pdf, html, sarif, csv, json, text).

    JSON is the engine's documented document (``docs/assessment-json.md``): ``json_document`` when given (the
    stored result of a run, byte for byte what the run recorded), else the serialisation of ``report.result``.
    """
    if fmt == "pdf":
        from assessments.reporting.pdf import render_pdf

        return render_pdf(report, progress=progress)
    if fmt == "html":
        from assessments.reporting.html import render_html

        return render_html(report, progress=progress).encode("utf-8")
    if fmt == "sarif":
        return sarif.write_sarif(report, source_uri=source_uri, source_text=source_text).encode("utf-8")
    if fmt == "csv":
        return csv_writer.write_csv(report).encode("utf-8")
    if fmt == "json":
        document = json_document if json_document is not None else to_json_dict(report.result)
        return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "text":
        return text.write_text(report).encode("utf-8")
    raise ValueError(f"unknown report format {fmt!r}")


def _file_name(report: Report, revision: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", report.model.name.lower()).strip("-")[:60] or "model"
    return f"trustmap-{slug}-r{revision}-report{report.pk}.{FORMATS[report.format][0]}"


def _result_of(run: AssessmentRun, snapshot: Snapshot) -> AssessmentResult:
    if run.result:
        return result_from_json(run.result)
    from assessments import services  # no stored JSON (old run): re-run the engine on the same revision

    return result_from_json(services.engine_assess(snapshot, team_id=run.model.team_id))


def report_render(*, report_id: int, progress: Progress | None = None) -> None:
    """Render and store the file of report ``report_id``; the row ends ``succeeded`` (or ``failed`` + raise)."""
    from threatmodel.selectors import snapshot_of_model

    report = Report.objects.select_related("model", "run", "requested_by", "run__requested_by").get(pk=report_id)
    if report.format not in FORMATS or report.format not in ReportFormat.values:
        _fail(report, f"unknown report format {report.format!r}")
        raise ValueError(f"unknown report format {report.format!r}")

    def step(percent: int, message: str) -> None:
        if progress is not None:
            progress(percent, message)
        else:
            Report.objects.filter(pk=report_id).update(progress=percent, progress_message=message[:200])

    if report.status == JobStatus.QUEUED:
        Report.objects.filter(pk=report_id).update(status=JobStatus.RUNNING)
    try:
        step(5, "Loading the model")
        run = report.run
        snapshot = snapshot_of_model(model=report.model, revision=run.revision)
        result = _result_of(run, snapshot)
        step(15, "Collecting triage and history")
        author = _user_label(report.requested_by) or _user_label(run.requested_by)
        report_model = build_model(
            snapshot,
            result,
            triage=triage_decisions(report.model),
            history=score_history(report.model, until=run),
            author=author,
        )
        step(25, f"Rendering {report.format.upper()}")
        data = render_bytes(report.format, report_model, progress=step, json_document=run.result or None)
        step(90, "Storing the file")
        with transaction.atomic():
            locked = Report.objects.select_for_update().get(pk=report_id)
            if locked.file:
                locked.file.delete(save=False)
            locked.file.save(_file_name(report, run.revision), ContentFile(data), save=False)
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
    except TRANSIENT_ERRORS:
        raise  # database/broker hiccup: the task retries; the row stays running
    except Exception as exc:
        LOGGER.exception("report %s failed", report_id)
        _fail(report, f"{type(exc).__name__}: {exc}")
        raise


def _fail(report: Report, error: str) -> None:
    Report.objects.filter(pk=report.pk).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now(), progress_message="failed"
    )
