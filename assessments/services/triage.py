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
from threatmodel.accounts import Account, RequestUser
from threatmodel.choices import AuditAction
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.services_audit import Origin, audit_record_many

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


def _owner_issues(model: tm.ThreatModel, owner: Account | None) -> list[Issue]:
    if owner is not None and not tm.Membership.objects.filter(team_id=model.team_id, user_id=owner.pk).exists():
        return [Issue("owner", f"{owner.get_username()} is not a member of the model's team")]
    return []


@transaction.atomic
def finding_triage_set(
    *,
    model: tm.ThreatModel,
    fingerprint: str,
    status: str,
    user: RequestUser | None,
    justification: str = "",
    expires_at: datetime | None = None,
    owner: Account | None = None,
    origin: Origin | None = None,
) -> FindingTriage:
    """Record a triage decision for a fingerprint; it applies to this and every later run of the model."""
    justification = (justification or "").strip()
    issues = _triage_issues(fingerprint, status, justification, expires_at) + _owner_issues(model, owner)
    if issues:
        raise ModelValidationError(issues)
    lock_model_counts(model_id=model.pk)
    (triage,) = _triage_write(model, [fingerprint], status, user, justification, expires_at, owner, origin)
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
    owner: Account | None = None,
    origin: Origin | None = None,
) -> list[FindingTriage]:
    """The same decision for many fingerprints at once (all or none); the stored counts are refreshed once."""
    justification = (justification or "").strip()
    unique = list(dict.fromkeys(fingerprints))
    # one line per problem (the decision's problems once, not once per fingerprint)
    issues = list(dict.fromkeys(i for f in unique for i in _triage_issues(f, status, justification, expires_at)))
    issues += _owner_issues(model, owner)
    if not unique:
        issues.append(Issue("fingerprints", "no finding given"))
    if issues:
        raise ModelValidationError(issues)
    lock_model_counts(model_id=model.pk)
    decisions = _triage_write(model, unique, status, user, justification, expires_at, owner, origin)
    model_counts_refresh(model_id=model.pk)
    return decisions


def _triage_write(
    model: tm.ThreatModel,
    fingerprints: Sequence[str],
    status: str,
    user: RequestUser | None,
    justification: str,
    expires_at: datetime | None,
    owner: Account | None,
    origin: Origin | None,
) -> list[FindingTriage]:
    """The one write of triage decisions (single and bulk ones all pass here): the rows, in a few statements
    however many they are, and one audit entry per fingerprint."""
    existing: dict[str, FindingTriage] = {}
    for start in range(0, len(fingerprints), 500):
        chunk = fingerprints[start : start + 500]
        existing.update(
            (t.fingerprint, t)
            for t in FindingTriage.objects.select_for_update().filter(model=model, fingerprint__in=chunk)
        )
    previous = {f: existing[f].status if f in existing else TriageStatus.OPEN for f in fingerprints}
    decided_by = requester(user)
    now = timezone.now()
    values = {
        "status": status,
        "justification": justification,
        "expires_at": expires_at,
        "decided_by": decided_by,
        "owner": owner,
        "decided_at": now,
    }
    changed: list[FindingTriage] = []
    created: list[FindingTriage] = []
    for fingerprint in fingerprints:
        triage = existing.get(fingerprint) or FindingTriage(model=model, fingerprint=fingerprint)
        for name, value in values.items():
            setattr(triage, name, value)
        (changed if triage.pk else created).append(triage)
    for start in range(0, len(changed), 500):  # the same values for all: one UPDATE per 500 rows
        FindingTriage.objects.filter(pk__in=[t.pk for t in changed[start : start + 500]]).update(**values)
    if created:
        FindingTriage.objects.bulk_create(created, batch_size=500)
    audit_record_many(
        action=AuditAction.TRIAGE_DECIDED,
        actor=user,
        team=model.team,
        entries=[
            (
                f"finding {fingerprint} in model {model.pk}",
                {
                    "model_id": model.pk,
                    "fingerprint": fingerprint,
                    "status": status,
                    "previous_status": previous[fingerprint],
                    "justification": justification,
                    "expires_at": expires_at.isoformat() if expires_at else None,
                    "owner": owner.get_username() if owner is not None else None,
                },
            )
            for fingerprint in fingerprints
        ],
        origin=origin,
    )
    by_fingerprint = {t.fingerprint: t for t in (*changed, *created)}
    return [by_fingerprint[f] for f in fingerprints]
