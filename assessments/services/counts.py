"""Stored triage-aware counts of runs (``AssessmentRun.triage_counts``): computed by the one counts function,
``selectors.run_counts_recomputed``, when a run succeeds and whenever its model's triage changes, so that the
pages and the API read them instead of recounting finding rows and triage on every request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from assessments import selectors
from assessments.choices import JobStatus
from assessments.models import AssessmentRun
from threatmodel import models as tm

#: The first key of the PostgreSQL advisory locks of ``lock_model_counts`` (the second is the model's id).
COUNTS_LOCK_SPACE = 0x54_4D_43  # "TMC"


def lock_model_counts(*, model_id: int) -> None:
    """Serialise the writers of a model's stored counts (a run being saved, a triage change) per model, so that
    counts computed in one transaction see the other's triage (call inside ``transaction.atomic``).

    On PostgreSQL a transaction-scoped advisory lock of the model, not its row: every change set of the model
    holds the row lock, so a run being stored would queue behind the edits of a model under constant edit (and
    they behind it), though counts and element rows never meet. Elsewhere (SQLite serialises its writers
    anyway) the model row, without the default ordering's join (which would lock the team row too)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [COUNTS_LOCK_SPACE, model_id])
        return
    list(tm.ThreatModel.objects.select_for_update().filter(pk=model_id).order_by().values_list("pk", flat=True))


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
