"""Writes of the assessments app: assessment runs (jobs), triage decisions, report requests.

Runs and reports are database rows that double as background jobs: the services create the row and
enqueue the Celery task with ``transaction.on_commit``; the task (``assessments.tasks``) calls the
``*_execute`` service with the row id. Executing is idempotent: a finished row is left alone, a row left
``running`` by a killed worker is restarted from scratch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from assessments.choices import JobStatus, ReportFormat, TriageStatus
from assessments.models import AssessmentRun, FindingTriage, ModelWebhook, Report, RunFinding
from assessments.selectors_custom_rules import custom_rule_specs
from threatmodel import models as tm
from threatmodel.domain import Snapshot
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.selectors import snapshot_of_model

FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)
NEEDS_JUSTIFICATION = (TriageStatus.ACCEPTED, TriageStatus.FALSE_POSITIVE)
MAX_FINGERPRINT = 512


class TransientJobError(Exception):
    """A failure worth retrying (the database or the broker went away)."""


logger = logging.getLogger(__name__)


# -- the engine ---------------------------------------------------------------------------------


def engine_assess(snapshot: Snapshot, *, team_id: int) -> dict[str, Any]:
    """Run the pure engine with the team's enabled custom rules; the documented JSON result."""
    from assessments import engine
    from assessments.engine.codec import to_json_dict

    assess: Callable[..., Any] = engine.assess
    started = time.perf_counter()
    result = assess(
        snapshot,
        custom_rules=custom_rule_specs(team_id=team_id),
        workers=settings.ENGINE_WORKERS or None,
        min_parallel_elements=settings.ENGINE_PARALLEL_MIN_ELEMENTS,
    )
    stats = result.stats
    logger.info(
        "engine: model %r revision %s, %s elements, %s findings, %s process(es), %.3f s",
        result.model,
        result.revision,
        stats.get("elements_evaluated"),
        stats.get("findings"),
        stats.get("workers"),
        time.perf_counter() - started,
    )
    return to_json_dict(result)


def score_summary(result: dict[str, Any]) -> dict[str, Any]:
    """The compact score breakdown stored on the run (no deductions): overall, principles, pillars."""
    scores = result.get("scores") or {}

    def entries(items: Any) -> list[dict[str, Any]]:
        return [
            {
                "key": e.get("key"),
                "name": e.get("name", e.get("key")),
                "score": e.get("score"),
                "stage": e.get("stage", ""),
                "failed": e.get("failed", 0),
            }
            for e in items or []
        ]

    return {
        "overall": scores.get("overall"),
        "stage": scores.get("stage", ""),
        "principles": entries(scores.get("principles")),
        "pillars": entries(scores.get("pillars")),
    }


def live_assessment(*, model: tm.ThreatModel) -> dict[str, Any]:
    """Assess the current state without persisting anything."""
    snapshot = snapshot_of_model(model=model)
    result = engine_assess(snapshot, team_id=model.team_id)
    result["revision"] = snapshot.revision
    return result


# -- runs ----------------------------------------------------------------------------------------


def assessment_run_start(*, model: tm.ThreatModel, user: AbstractBaseUser | None) -> AssessmentRun:
    """Create a queued run of the model's current revision and enqueue it after commit."""
    with transaction.atomic():
        run = AssessmentRun.objects.create(
            model=model,
            revision=model.revision,
            status=JobStatus.QUEUED,
            requested_by=user if user is not None and user.is_authenticated else None,
            progress_message="queued",
        )
        run_id = run.pk
        transaction.on_commit(lambda: _enqueue_run(run_id))
    return run


def _enqueue_run(run_id: int) -> None:
    from assessments import tasks

    tasks.run_assessment.delay(run_id)


def _progress(model: type[AssessmentRun] | type[Report], pk: int, percent: int, message: str) -> None:
    model.objects.filter(pk=pk).update(progress=max(0, min(100, percent)), progress_message=message[:200])


def assessment_run_claim(*, run_id: int) -> AssessmentRun | None:
    """Mark the run running (attempts + 1); None when it is missing or already finished (redelivery)."""
    with transaction.atomic():
        run = AssessmentRun.objects.select_for_update().defer("result").filter(pk=run_id).first()
        if run is None or run.status in FINISHED:
            return None
        restarted = run.status == JobStatus.RUNNING
        run.status = JobStatus.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.progress = 5
        run.progress_message = "restarted after an interruption" if restarted else "started"
        run.error = ""
        run.save(update_fields=["status", "attempts", "started_at", "progress", "progress_message", "error"])
    return run


def assessment_run_execute(*, run_id: int, before_engine: Callable[[], None] | None = None) -> AssessmentRun | None:
    """Do the run: load the snapshot of its revision, assess, persist findings and scores.

    Deterministic failures (invalid model, engine error) mark the run failed; database/broker errors are
    raised as ``TransientJobError`` so the task retries.
    """
    run = assessment_run_claim(run_id=run_id)
    if run is None:
        return None
    started = time.perf_counter()
    try:
        model = tm.ThreatModel.objects.get(pk=run.model_id)
        _progress(AssessmentRun, run.pk, 15, "loading the model")
        snapshot = snapshot_of_model(model=model, revision=run.revision)
        if before_engine is not None:
            before_engine()
        _progress(AssessmentRun, run.pk, 40, "analysing")
        result = engine_assess(snapshot, team_id=model.team_id)
    except _transient_errors() as exc:
        raise TransientJobError(str(exc)) from exc
    except Exception as exc:  # deterministic: record it, do not retry
        assessment_run_fail(run_id=run.pk, error=f"{type(exc).__name__}: {exc}")
        return AssessmentRun.objects.defer("result").get(pk=run.pk)
    _progress(AssessmentRun, run.pk, 90, "saving findings")
    try:
        run = _persist_run(run, result, duration_ms=int((time.perf_counter() - started) * 1000))
    except _transient_errors() as exc:
        raise TransientJobError(str(exc)) from exc
    webhook_id = ModelWebhook.objects.filter(model_id=run.model_id).values_list("pk", flat=True).first()
    if webhook_id is not None:
        transaction.on_commit(lambda: _enqueue_webhook(webhook_id, run.pk))
    return run


def _enqueue_webhook(webhook_id: int, run_id: int) -> None:
    from assessments import tasks

    tasks.deliver_webhook.delay(webhook_id, run_id)


def _transient_errors() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError

    return (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@transaction.atomic
def _persist_run(run: AssessmentRun, result: dict[str, Any], *, duration_ms: int) -> AssessmentRun:
    RunFinding.objects.filter(run_id=run.pk).delete()  # a restarted run rewrites its rows
    seen: set[str] = set()
    rows = []
    for ordinal, item in enumerate(result.get("findings") or []):
        fingerprint = str(item.get("id", ""))[:MAX_FINGERPRINT]
        if not fingerprint or fingerprint in seen:
            continue
        seen.add(fingerprint)
        rows.append(
            RunFinding(
                run_id=run.pk,
                fingerprint=fingerprint,
                rule=str(item.get("rule", ""))[:128],
                title=str(item.get("title", ""))[:300],
                severity=item.get("severity", "info"),
                principle=str(item.get("principle", ""))[:64],
                pillar=str(item.get("pillar", ""))[:64],
                elements=list(item.get("elements") or []),
                mitigated_by=list(item.get("mitigated_by") or []),
                ordinal=ordinal,
            )
        )
    RunFinding.objects.bulk_create(rows, batch_size=2000)
    summary = score_summary(result)
    by_severity = (result.get("summary") or {}).get("by_severity") or {}
    run.status = JobStatus.SUCCEEDED
    run.progress = 100
    run.progress_message = "done"
    run.finished_at = timezone.now()
    run.duration_ms = duration_ms
    run.overall_score = summary["overall"]
    run.scores = summary
    run.counts = {
        "by_severity": by_severity,
        "findings": len(rows),
        "open": sum(1 for r in rows if not r.mitigated_by),
        "attack_paths": len(result.get("attack_paths") or []),
    }
    run.result = result
    run.save(
        update_fields=[
            "status",
            "progress",
            "progress_message",
            "finished_at",
            "duration_ms",
            "overall_score",
            "scores",
            "counts",
            "result",
        ]
    )
    return run


def assessment_run_fail(*, run_id: int, error: str) -> None:
    AssessmentRun.objects.filter(pk=run_id).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now(), progress_message="failed"
    )


# -- triage --------------------------------------------------------------------------------------


@transaction.atomic
def finding_triage_set(
    *,
    model: tm.ThreatModel,
    fingerprint: str,
    status: str,
    user: AbstractBaseUser | None,
    justification: str = "",
    expires_at: datetime | None = None,
) -> FindingTriage:
    """Record a triage decision for a fingerprint; it applies to this and every later run of the model."""
    issues = []
    if not fingerprint or len(fingerprint) > MAX_FINGERPRINT or any(c.isspace() for c in fingerprint):
        issues.append(Issue("fingerprint", "not a finding fingerprint"))
    if status not in TriageStatus.values:
        issues.append(Issue("status", f"{status!r} is not one of {', '.join(TriageStatus.values)}"))
    justification = (justification or "").strip()
    if status in NEEDS_JUSTIFICATION and not justification:
        issues.append(Issue("justification", f"a justification is required for {status}"))
    if expires_at is not None:
        if status != TriageStatus.ACCEPTED:
            issues.append(Issue("expires_at", "only an accepted risk can expire"))
        elif expires_at <= timezone.now():
            issues.append(Issue("expires_at", "must be in the future"))
    if issues:
        raise ModelValidationError(issues)
    triage, _ = FindingTriage.objects.select_for_update().get_or_create(model=model, fingerprint=fingerprint)
    triage.status = status
    triage.justification = justification
    triage.expires_at = expires_at
    triage.decided_by = user if user is not None and user.is_authenticated else None
    triage.save()
    return triage


# -- reports -------------------------------------------------------------------------------------


def report_request(*, model: tm.ThreatModel, run: AssessmentRun, fmt: str, user: AbstractBaseUser | None) -> Report:
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
            requested_by=user if user is not None and user.is_authenticated else None,
            progress_message="queued",
        )
        report_id = report.pk
        transaction.on_commit(lambda: _enqueue_report(report_id))
    return report


def _enqueue_report(report_id: int) -> None:
    from assessments import tasks

    tasks.render_report.delay(report_id)


def report_claim(*, report_id: int) -> Report | None:
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or report.status in FINISHED:
            return None
        report.status = JobStatus.RUNNING
        report.attempts += 1
        report.progress = 1
        report.progress_message = "started"
        report.error = ""
        report.save(update_fields=["status", "attempts", "progress", "progress_message", "error"])
    return report


def report_execute(*, report_id: int) -> Report | None:
    """Render the report file (``assessments.reporting.services.report_render``) and finish the row."""
    report = report_claim(report_id=report_id)
    if report is None:
        return None
    try:
        from assessments.reporting.services import report_render  # type: ignore[import-not-found]

        report_render(
            report_id=report.pk, progress=lambda percent, message: _progress(Report, report.pk, percent, message)
        )
    except _transient_errors() as exc:
        raise TransientJobError(str(exc)) from exc
    except Exception as exc:  # deterministic
        report_fail(report_id=report.pk, error=f"{type(exc).__name__}: {exc}")
        return Report.objects.get(pk=report.pk)
    report.refresh_from_db()
    if report.status != JobStatus.SUCCEEDED:
        if not report.file:
            report_fail(report_id=report.pk, error="the renderer produced no file")
            return Report.objects.get(pk=report.pk)
        report.status = JobStatus.SUCCEEDED
        report.progress = 100
        report.progress_message = "done"
        report.finished_at = report.finished_at or timezone.now()
        report.save(update_fields=["status", "progress", "progress_message", "finished_at"])
    return report


def report_fail(*, report_id: int, error: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now(), progress_message="failed"
    )
