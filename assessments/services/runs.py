"""Assessment runs: start one (a background job), execute it (the task), record its failure; the live
assessment that persists nothing.

``assessment_run_execute`` is idempotent: a finished run is left alone, a run left ``running`` by a killed
worker is restarted from scratch (its findings are rewritten).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessments import engine
from assessments.choices import JobStatus
from assessments.engine.codec import to_json_dict
from assessments.engine.threagile.pack import with_threagile_pack
from assessments.models import AssessmentRun, ModelWebhook, RunFinding
from assessments.selectors import custom_rule_specs
from assessments.services.jobs import (
    DELIVER_WEBHOOK,
    FINISHED,
    RUN_ASSESSMENT,
    TRANSIENT_ERRORS,
    TransientJobError,
    enqueue_on_commit,
    record_progress,
    requester,
)
from threatmodel import models as tm
from threatmodel.accounts import RequestUser
from threatmodel.domain import Snapshot
from threatmodel.selectors import snapshot_of_model

MAX_FINGERPRINT = 512

logger = logging.getLogger(__name__)


# -- the engine ---------------------------------------------------------------------------------


def engine_assess(snapshot: Snapshot, *, team_id: int) -> dict[str, Any]:
    """Run the pure engine with the team's enabled custom rules; the documented JSON result."""
    started = time.perf_counter()
    result = engine.assess(
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
    return with_threagile_pack(snapshot, to_json_dict(result))


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


def assessment_run_start(*, model: tm.ThreatModel, user: RequestUser | None) -> AssessmentRun:
    """Create a queued run of the model's current revision and enqueue it after commit."""
    with transaction.atomic():
        run = AssessmentRun.objects.create(
            model=model,
            revision=model.revision,
            status=JobStatus.QUEUED,
            requested_by=requester(user),
            progress_message="queued",
        )
        enqueue_on_commit(RUN_ASSESSMENT, run.pk)
    return run


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


def assessment_run_execute(*, run_id: int) -> AssessmentRun | None:
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
        record_progress(AssessmentRun, run.pk, 15, "loading the model")
        snapshot = snapshot_of_model(model=model, revision=run.revision)
        record_progress(AssessmentRun, run.pk, 40, "analysing")
        result = engine_assess(snapshot, team_id=model.team_id)
    except TRANSIENT_ERRORS as exc:
        raise TransientJobError(str(exc)) from exc
    except Exception as exc:  # deterministic: record it, do not retry
        assessment_run_fail(run_id=run.pk, error=f"{type(exc).__name__}: {exc}")
        return AssessmentRun.objects.defer("result").get(pk=run.pk)
    record_progress(AssessmentRun, run.pk, 90, "saving findings")
    try:
        with transaction.atomic():
            run = _persist_run(run, result, duration_ms=int((time.perf_counter() - started) * 1000))
            webhook_id = ModelWebhook.objects.filter(model_id=run.model_id).values_list("pk", flat=True).first()
            if webhook_id is not None:
                enqueue_on_commit(DELIVER_WEBHOOK, webhook_id, run.pk)
    except TRANSIENT_ERRORS as exc:
        raise TransientJobError(str(exc)) from exc
    return run


def _finding_rows(run_id: int, findings: list[dict[str, Any]]) -> list[RunFinding]:
    """One row per distinct fingerprint, in the result's order."""
    seen: set[str] = set()
    rows = []
    for ordinal, item in enumerate(findings):
        fingerprint = str(item.get("id", ""))[:MAX_FINGERPRINT]
        if not fingerprint or fingerprint in seen:
            continue
        seen.add(fingerprint)
        rows.append(
            RunFinding(
                run_id=run_id,
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
    return rows


def _persist_run(run: AssessmentRun, result: dict[str, Any], *, duration_ms: int) -> AssessmentRun:
    RunFinding.objects.filter(run_id=run.pk).delete()  # a restarted run rewrites its rows
    rows = _finding_rows(run.pk, list(result.get("findings") or []))
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
