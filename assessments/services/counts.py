"""Stored triage-aware counts of runs (``AssessmentRun.triage_counts``): computed by the one counts function,
``selectors.run_counts_recomputed``, when a run succeeds and whenever its model's triage changes, so that the
pages and the API read them instead of recounting finding rows and triage on every request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from assessments import selectors
from assessments.choices import JobStatus
from assessments.models import AssessmentRun
from threatmodel import models as tm


def lock_model_counts(*, model_id: int) -> None:
    """Serialise the writers of a model's stored counts (a run being saved, a triage change) on the model row, so
    that counts computed in one transaction see the other's triage (call inside ``transaction.atomic``)."""
    list(tm.ThreatModel.objects.select_for_update().filter(pk=model_id).values_list("pk", flat=True))


def run_counts_store(*, run_id: int, model_id: int) -> tuple[dict[str, Any], datetime | None]:
    """Compute the run's counts with the triage in force now and store them on the run; returns them and until
    when they hold."""
    now = timezone.now()
    counts = selectors.run_counts_recomputed(run_id=run_id, model_id=model_id)
    until = selectors.triage_counts_valid_until(model_id=model_id, now=now)
    AssessmentRun.objects.filter(pk=run_id).update(triage_counts=counts, triage_counts_until=until)
    return counts, until


def model_counts_refresh(*, model_id: int) -> None:
    """After a triage change: the latest successful run's stored counts are recomputed; the other runs' are
    cleared (an older run is rarely read: it is recounted on read until the next store)."""
    latest = selectors.latest_successful_run(model_id=model_id)
    stale = AssessmentRun.objects.filter(model_id=model_id, status=JobStatus.SUCCEEDED, triage_counts__isnull=False)
    if latest is not None:
        stale = stale.exclude(pk=latest.pk)
    stale.update(triage_counts=None, triage_counts_until=None)
    if latest is not None:
        run_counts_store(run_id=latest.pk, model_id=model_id)


def expired_counts_refresh(*, limit: int = 200) -> int:
    """Re-store the counts of succeeded runs whose counted acceptance has expired since (the sweeper calls it);
    returns how many runs were refreshed."""
    rows = list(
        AssessmentRun.objects.filter(status=JobStatus.SUCCEEDED, triage_counts_until__lte=timezone.now())
        .order_by("triage_counts_until")
        .values_list("pk", "model_id")[:limit]
    )
    for run_id, model_id in rows:
        run_counts_store(run_id=run_id, model_id=model_id)
    return len(rows)
