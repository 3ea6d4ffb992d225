"""Assessment runs: start one (a background job), schedule one for an accepted revision (coalesced), execute
it (the task), record its failure; the live assessment that persists nothing. The stored run and the live
assessment are one engine call (``engine_assess``).

``assessment_run_execute`` is idempotent: a finished run is left alone, a run whose worker is alive (fresh
heartbeat) is left to it, a run left ``running`` by a dead worker is restarted from scratch (its findings are
rewritten), and only the attempt that holds the run stores a result.

Coalescing (``assessment_run_schedule``): a model has at most one scheduled run waiting; a newer revision moves
that waiting run to itself, so when edits come faster than runs finish the revisions in between are skipped
and the newest is assessed next. At most one run of a model is in flight: a worker that claims a run while
another of the same model is running sends it back to the queue for later (``RunBusy``).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assessments import engine
from assessments.choices import JobStatus, RunTrigger
from assessments.engine.codec import to_json_dict
from assessments.engine.counts import count_findings
from assessments.engine.manual import TRIAGE_OF_STATUS
from assessments.engine.threagile.pack import with_threagile_pack
from assessments.models import AssessmentRun, FindingTriage, ModelWebhook, RunFinding
from assessments.selectors import custom_rule_specs
from assessments.services.counts import lock_model_counts, run_counts_store
from assessments.services.finding_rows import finding_rows
from assessments.services.jobs import (
    DELIVER_WEBHOOK,
    FINISHED,
    RUN_ASSESSMENT,
    TRANSIENT_ERRORS,
    TransientJobError,
    enqueue_on_commit,
    heartbeat_cutoff,
    is_alive,
    record_progress,
    release,
    requester,
)
from threatmodel import models as tm
from threatmodel.accounts import RequestUser
from threatmodel.domain import Snapshot
from threatmodel.selectors import snapshot_of_model
from threatmodel.vocabulary import MANUAL_THREAT_RULE

logger = logging.getLogger(__name__)


class RunBusy(Exception):
    """Another run of the same model is in flight: try this one again later."""


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
                "grade": e.get("grade"),
                "failed": e.get("failed", 0),
            }
            for e in items or []
        ]

    return {
        "overall": scores.get("overall"),
        "stage": scores.get("stage", ""),
        "grade": scores.get("grade"),
        "assessed": scores.get("assessed", True),
        "verdict": scores.get("verdict", ""),
        "coverage": compact_coverage(scores.get("coverage")),
        "principles": entries(scores.get("principles")),
        "pillars": entries(scores.get("pillars")),
    }


def compact_coverage(coverage: Any) -> dict[str, Any] | None:
    """The engine's coverage without the lists of missing element ids (what runs store and the API returns)."""
    if not coverage:
        return None
    return {
        "ratio": coverage.get("ratio"),
        "threshold": coverage.get("threshold"),
        "covered": coverage.get("covered"),
        "total": coverage.get("total"),
        "items": [
            {k: item.get(k) for k in ("key", "name", "covered", "total", "hint")} for item in coverage.get("items", [])
        ],
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
            trigger=RunTrigger.REQUEST,
        )
        enqueue_on_commit(RUN_ASSESSMENT, run.pk)
    return run


def assessment_run_schedule(*, model_id: int, revision: int | None = None) -> AssessmentRun | None:
    """Make sure the model's current revision gets assessed: reuse the model's waiting scheduled run (moved to
    this revision) or queue a new one. None when nothing is needed (the model is gone, or its current revision
    already has a run waiting, running or done).

    ``revision`` (the hook after a commit): the revision just accepted. During a burst of edits the model's run
    is usually waiting already, and moving it is one conditional update that takes no lock on the model row
    (which the next change set of the burst holds); only a schedule that may queue a new run locks the model.
    None then too when the waiting run was moved (nothing more to do)."""
    if revision is not None:
        moved = AssessmentRun.objects.filter(
            model_id=model_id, status=JobStatus.QUEUED, trigger=RunTrigger.REVISION, revision__lt=revision
        ).update(revision=revision, progress_message=f"queued (revision {revision})")
        if moved:  # its message is already on its way (a claim that comes later reads the moved revision)
            return None
    with transaction.atomic():
        # ordered by pk, not by the default (team, name): that join would lock the team row too
        model = tm.ThreatModel.objects.select_for_update().filter(pk=model_id).order_by("pk").first()
        if model is None:
            return None
        waiting = (
            AssessmentRun.objects.filter(model_id=model_id, status=JobStatus.QUEUED, trigger=RunTrigger.REVISION)
            .defer("result")
            .order_by("pk")
            .first()
        )
        if waiting is not None:
            if waiting.revision >= model.revision:
                return waiting
            moved = AssessmentRun.objects.filter(pk=waiting.pk, status=JobStatus.QUEUED).update(
                revision=model.revision, progress_message=f"queued (revision {model.revision})"
            )
            if moved:  # its message is already on its way: no second one
                waiting.revision = model.revision
                return waiting
        if (
            AssessmentRun.objects.filter(model_id=model_id, revision=model.revision)
            .exclude(status=JobStatus.FAILED)
            .exists()
        ):
            return None
        now = timezone.now()
        window = timedelta(seconds=settings.JOB_COALESCE_SECONDS)
        busy = AssessmentRun.objects.filter(
            model_id=model_id, trigger=RunTrigger.REVISION, created_at__gt=now - 2 * window
        ).exists()
        run = AssessmentRun.objects.create(
            model=model,
            revision=model.revision,
            status=JobStatus.QUEUED,
            progress_message=f"queued (revision {model.revision})",
            trigger=RunTrigger.REVISION,
        )
        # A first edit after a quiet spell is assessed at once; during a burst the run waits a moment, so that
        # the edits that follow move it instead of each queuing a run of its own.
        inline = settings.JOB_RUNNER == "inline" and settings.CELERY_TASK_ALWAYS_EAGER  # the unit tests' runner
        enqueue_on_commit(RUN_ASSESSMENT, run.pk, countdown=window.total_seconds() if busy and not inline else 0)
    return run


def schedule_after_revision(model_id: int, revision: int) -> None:
    """The listener of ``threatmodel.hooks``: an accepted revision is assessed (coalesced) in the background."""
    assessment_run_schedule(model_id=model_id, revision=revision)


def assessment_run_claim(*, run_id: int) -> AssessmentRun | None:
    """Mark the run running (attempts + 1, heartbeat now); None when it is missing, already finished, or running
    in a live worker (a duplicate message). ``RunBusy`` when another run of the model is in flight."""
    now = timezone.now()
    with transaction.atomic():
        run = AssessmentRun.objects.select_for_update().defer("result").filter(pk=run_id).first()
        if run is None or run.status in FINISHED:
            return None
        restarted = run.status == JobStatus.RUNNING
        if restarted and is_alive(run.heartbeat_at, now):
            return None
        in_flight = AssessmentRun.objects.filter(
            model_id=run.model_id, status=JobStatus.RUNNING, heartbeat_at__gt=heartbeat_cutoff(now)
        )
        if in_flight.exclude(pk=run.pk).exists():
            raise RunBusy(f"model {run.model_id} has a run in flight")
        run.status = JobStatus.RUNNING
        run.attempts += 1
        run.started_at = now
        run.heartbeat_at = now
        run.progress = 5
        run.progress_message = "restarted after an interruption" if restarted else "started"
        run.error = ""
        run.save(
            update_fields=["status", "attempts", "started_at", "heartbeat_at", "progress", "progress_message", "error"]
        )
    return run


def assessment_run_execute(*, run_id: int) -> AssessmentRun | None:
    """Do the run: load the snapshot of its revision, assess, persist findings and scores.

    Deterministic failures (invalid model, engine error) mark the run failed; database/broker errors are
    raised as ``TransientJobError`` so the task retries.
    """
    try:
        run = assessment_run_claim(run_id=run_id)
    except TRANSIENT_ERRORS as exc:
        raise TransientJobError(str(exc)) from exc
    if run is None:
        return None
    started = time.perf_counter()
    try:
        # Each step beats (record_progress); no beating thread: the engine forks only from a single-threaded
        # process, and one analysis lasts seconds even at 10k elements, far inside JOB_HEARTBEAT_TIMEOUT.
        model = tm.ThreatModel.objects.get(pk=run.model_id)
        record_progress(AssessmentRun, run.pk, 15, "loading the model")
        snapshot = snapshot_of_model(model=model, revision=run.revision)
        record_progress(AssessmentRun, run.pk, 40, "analysing")
        result = engine_assess(snapshot, team_id=model.team_id)
    except TRANSIENT_ERRORS as exc:
        release(AssessmentRun, run.pk, run.attempts, exc)
        raise TransientJobError(str(exc)) from exc
    except Exception as exc:  # deterministic: record it, do not retry
        assessment_run_fail(run_id=run.pk, error=f"{type(exc).__name__}: {exc}")
        return AssessmentRun.objects.defer("result").get(pk=run.pk)
    record_progress(AssessmentRun, run.pk, 90, "saving findings")
    try:
        webhook_id = ModelWebhook.objects.filter(model_id=run.model_id).values_list("pk", flat=True).first()
        with transaction.atomic():
            held = (
                AssessmentRun.objects.select_for_update()
                .filter(pk=run.pk, status=JobStatus.RUNNING, attempts=run.attempts)
                .values_list("pk", flat=True)
                .first()
            )
            if held is None:  # another attempt took the run over (this worker was thought dead): its result wins
                logger.warning("run %s: attempt %s lost the run, its result is dropped", run.pk, run.attempts)
                return None
            run = _persist_run(run, result, snapshot=snapshot, duration_ms=int((time.perf_counter() - started) * 1000))
            if webhook_id is not None:
                enqueue_on_commit(DELIVER_WEBHOOK, webhook_id, run.pk)
    except TRANSIENT_ERRORS as exc:
        release(AssessmentRun, run.pk, run.attempts, exc)
        raise TransientJobError(str(exc)) from exc
    return run


#: Justification of a triage decision that a manual threat's status made (so the status can also undo it).
THREAT_TRIAGE_NOTE = "Set by the manual threat's status in the model."


def _sync_threat_triage(model_id: int, findings: list[dict[str, Any]]) -> None:
    """A manual threat's status is its finding's triage: ``accepted`` records an accepted risk (unless a person
    already decided on that finding); a threat no longer accepted takes back the decision it made."""
    wanted = {
        str(item.get("id")): TRIAGE_OF_STATUS[status]
        for item in findings
        if item.get("rule") == MANUAL_THREAT_RULE
        and (status := str((item.get("evidence") or {}).get("status", ""))) in TRIAGE_OF_STATUS
    }
    existing = {
        t.fingerprint: t
        for t in FindingTriage.objects.filter(model_id=model_id, fingerprint__startswith=f"{MANUAL_THREAT_RULE}@")
    }
    for fingerprint, decision in existing.items():
        if decision.justification == THREAT_TRIAGE_NOTE and wanted.get(fingerprint) != decision.status:
            decision.delete()
    for fingerprint, status in wanted.items():
        current = existing.get(fingerprint)
        if current is None or (current.justification == THREAT_TRIAGE_NOTE and current.status != status):
            FindingTriage.objects.update_or_create(
                model_id=model_id,
                fingerprint=fingerprint,
                defaults={"status": status, "justification": THREAT_TRIAGE_NOTE},
            )


def _persist_run(
    run: AssessmentRun, result: dict[str, Any], *, snapshot: Snapshot | None, duration_ms: int
) -> AssessmentRun:
    RunFinding.objects.filter(run_id=run.pk).delete()  # a restarted run rewrites its rows
    rows = finding_rows(run=run, findings=list(result.get("findings") or []), snapshot=snapshot)
    RunFinding.objects.bulk_create(rows, batch_size=2000)
    _sync_threat_triage(run.model_id, list(result.get("findings") or []))
    summary = score_summary(result)
    run.status = JobStatus.SUCCEEDED
    run.progress = 100
    run.progress_message = "done"
    run.finished_at = timezone.now()
    run.duration_ms = duration_ms
    run.overall_score = summary["overall"]
    run.scores = summary
    # as found, before triage (the pages read ``selectors.run_counts``, which applies the triage in force)
    run.counts = {
        **count_findings((r.severity, bool(r.mitigated_by), "open") for r in rows),
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
    # Counted with the triage in force when the run is stored. The model row is locked only now, for the count:
    # the change sets of a model under edit wait for that lock, so it is not held while the rows are written.
    # (A triage change that commits before this lock is counted here; one that waits for it sees this run.)
    lock_model_counts(model_id=run.model_id)
    run.triage_counts, run.triage_counts_until = run_counts_store(run_id=run.pk, model_id=run.model_id)
    return run


def assessment_run_fail(*, run_id: int, error: str) -> None:
    AssessmentRun.objects.filter(pk=run_id).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now(), progress_message="failed"
    )
