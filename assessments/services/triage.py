"""Triage decisions on findings, by fingerprint: they apply to the run they were made on and every later run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from assessments.choices import TriageStatus
from assessments.models import FindingTriage
from assessments.services.counts import lock_model_counts, model_counts_refresh
from assessments.services.finding_rows import MAX_FINGERPRINT
from assessments.services.jobs import requester
from threatmodel import models as tm
from threatmodel.accounts import RequestUser
from threatmodel.choices import AuditAction
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.services_audit import Origin, audit_record

NEEDS_JUSTIFICATION = (TriageStatus.ACCEPTED, TriageStatus.FALSE_POSITIVE)


def _triage_issues(fingerprint: str, status: str, justification: str, expires_at: datetime | None) -> list[Issue]:
    issues = []
    if not fingerprint or len(fingerprint) > MAX_FINGERPRINT or any(c.isspace() for c in fingerprint):
        issues.append(Issue("fingerprint", "not a finding fingerprint"))
    if status not in TriageStatus.values:
        issues.append(Issue("status", f"{status!r} is not one of {', '.join(TriageStatus.values)}"))
    if status in NEEDS_JUSTIFICATION and not justification:
        issues.append(Issue("justification", f"a justification is required for {status}"))
    if expires_at is not None:
        if status != TriageStatus.ACCEPTED:
            issues.append(Issue("expires_at", "only an accepted risk can expire"))
        elif expires_at <= timezone.now():
            issues.append(Issue("expires_at", "must be in the future"))
    return issues


@transaction.atomic
def finding_triage_set(
    *,
    model: tm.ThreatModel,
    fingerprint: str,
    status: str,
    user: RequestUser | None,
    justification: str = "",
    expires_at: datetime | None = None,
    origin: Origin | None = None,
) -> FindingTriage:
    """Record a triage decision for a fingerprint; it applies to this and every later run of the model."""
    justification = (justification or "").strip()
    issues = _triage_issues(fingerprint, status, justification, expires_at)
    if issues:
        raise ModelValidationError(issues)
    lock_model_counts(model_id=model.pk)
    triage = _triage_write(model, fingerprint, status, user, justification, expires_at, origin)
    model_counts_refresh(model_id=model.pk)
    return triage


@transaction.atomic
def finding_triage_set_many(
    *,
    model: tm.ThreatModel,
    fingerprints: Sequence[str],
    status: str,
    user: RequestUser | None,
    justification: str = "",
    expires_at: datetime | None = None,
    origin: Origin | None = None,
) -> list[FindingTriage]:
    """The same decision for many fingerprints at once (all or none); the stored counts are refreshed once."""
    justification = (justification or "").strip()
    unique = list(dict.fromkeys(fingerprints))
    # one line per problem (the decision's problems once, not once per fingerprint)
    issues = list(dict.fromkeys(i for f in unique for i in _triage_issues(f, status, justification, expires_at)))
    if not unique:
        issues.append(Issue("fingerprints", "no finding given"))
    if issues:
        raise ModelValidationError(issues)
    lock_model_counts(model_id=model.pk)
    decisions = [_triage_write(model, f, status, user, justification, expires_at, origin) for f in unique]
    model_counts_refresh(model_id=model.pk)
    return decisions


def _triage_write(
    model: tm.ThreatModel,
    fingerprint: str,
    status: str,
    user: RequestUser | None,
    justification: str,
    expires_at: datetime | None,
    origin: Origin | None,
) -> FindingTriage:
    triage, _ = FindingTriage.objects.select_for_update().get_or_create(model=model, fingerprint=fingerprint)
    previous = triage.status
    triage.status = status
    triage.justification = justification
    triage.expires_at = expires_at
    triage.decided_by = requester(user)
    triage.save()
    audit_record(  # the one write of a triage decision: single and bulk decisions all pass here
        action=AuditAction.TRIAGE_DECIDED,
        actor=user,
        team=model.team,
        target=f"finding {fingerprint} in model {model.pk}",
        detail={
            "model_id": model.pk,
            "fingerprint": fingerprint,
            "status": status,
            "previous_status": previous,
            "justification": justification,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        origin=origin,
    )
    return triage
