"""Reads of the findings page and the bulk triage: a run's findings filtered (``assessments.filtersets``, the same
GET parameters as ``GET /api/v1/models/{id}/findings/``), sorted and cut in pages, with each shown finding's
triage and triage history. The caller has checked access to the model (``threatmodel.selectors``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from assessments import selectors
from assessments.choices import TriageStatus
from assessments.engine.counts import bucket_of
from assessments.filtersets import FindingFilterSet, filter_params
from assessments.models import AssessmentRun, FindingTriage, RunFinding
from threatmodel import models as tm
from threatmodel.accounts import Account
from threatmodel.choices import AuditAction
from threatmodel.invariants import Issue, ModelValidationError

PAGE_SIZE = 50
#: How many findings one bulk decision may name (or match).
MAX_BULK = 20_000


class FilterInvalid(ValueError):
    """The filter's parameters do not validate; ``errors`` maps each parameter to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = dict(errors)


def findings_filtered(*, run: AssessmentRun, params: Any) -> QuerySet[RunFinding]:
    """The run's findings that match ``params`` (a query dict or a mapping), in the asked order.
    ``FilterInvalid`` when a parameter does not validate."""
    filterset = FindingFilterSet(_as_query(params), queryset=selectors.findings_of_run(run=run))
    if not filterset.is_valid():
        raise FilterInvalid({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


def fingerprints_matching(*, run: AssessmentRun, params: Any) -> list[str]:
    """Fingerprints of the run's findings that match the filter (at most ``MAX_BULK`` + 1, to detect excess)."""
    return list(findings_filtered(run=run, params=params).values_list("fingerprint", flat=True)[: MAX_BULK + 1])


def fingerprints_unknown(*, run: AssessmentRun, fingerprints: Iterable[str]) -> list[str]:
    """Those of ``fingerprints`` that are not findings of the run (in the given order)."""
    wanted = list(dict.fromkeys(fingerprints))
    known: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        known.update(RunFinding.objects.filter(run=run, fingerprint__in=chunk).values_list("fingerprint", flat=True))
    return [f for f in wanted if f not in known]


def fingerprints_to_triage(*, run: AssessmentRun, fingerprints: Iterable[str] | None, params: Any = None) -> list[str]:
    """What a bulk decision applies to: the named findings of the run, or (``fingerprints`` None) every finding
    matching the filter ``params``. ``ModelValidationError`` (one issue per problem) when a name is not a finding
    of the run, the filter is invalid or matches nothing, or there are more than ``MAX_BULK``."""
    if fingerprints is None:
        try:
            chosen = fingerprints_matching(run=run, params=params)
        except FilterInvalid as exc:
            raise ModelValidationError(Issue(f"filter.{k}", " ".join(v)) for k, v in exc.errors.items()) from None
        if not chosen:
            raise ModelValidationError([Issue("filter", "no finding matches the filter")])
    else:
        chosen = list(dict.fromkeys(fingerprints))
        unknown = fingerprints_unknown(run=run, fingerprints=chosen)
        if unknown:
            raise ModelValidationError(
                Issue("fingerprints", f"{f!r} is not a finding of this model's assessment") for f in unknown
            )
    if len(chosen) > MAX_BULK:
        raise ModelValidationError([Issue("fingerprints", f"at most {MAX_BULK} findings at once; narrow the filter")])
    return chosen


@dataclass
class ShownFinding:
    """One row of the page: the finding, where the counts count it (``bucket``), its triage decision (recorded and
    in force) and its history."""

    row: RunFinding
    status: str  # the triage status in force
    decision: FindingTriage | None
    expired: bool
    history: list[tm.AuditEvent] = field(default_factory=list)

    @property
    def bucket(self) -> str:
        return bucket_of(mitigated_by_control=bool(self.row.mitigated_by), status=self.status)

    @property
    def label(self) -> str:
        return str(TriageStatus(self.bucket).label)


@dataclass
class FindingsPage:
    page: Page[RunFinding]
    findings: list[ShownFinding]
    params: dict[str, Any]
    errors: dict[str, list[str]]
    options: dict[str, list[Any]]


def findings_page(
    *, model: tm.ThreatModel, run: AssessmentRun, params: Any, page_number: Any = 1, per_page: int = PAGE_SIZE
) -> FindingsPage:
    """A page of the run's findings matching the filter (an invalid filter shows every finding, with its errors)."""
    errors: dict[str, list[str]] = {}
    try:
        queryset = findings_filtered(run=run, params=params)
    except FilterInvalid as exc:
        errors = exc.errors
        queryset = selectors.findings_of_run(run=run)
    page = Paginator(queryset, per_page).get_page(page_number)
    rows = list(page.object_list)
    fingerprints = [r.fingerprint for r in rows]
    decisions = {
        t.fingerprint: t
        for t in FindingTriage.objects.filter(model_id=model.pk, fingerprint__in=fingerprints).select_related(
            "decided_by", "owner"
        )
    }
    history = triage_history(model=model, fingerprints=fingerprints)
    now = timezone.now()
    shown = []
    for row in rows:
        decision = decisions.get(row.fingerprint)
        status = selectors.effective_status(decision, now)
        shown.append(
            ShownFinding(
                row=row,
                status=status,
                decision=decision,
                expired=decision is not None and decision.status != status,
                history=history.get(row.fingerprint, []),
            )
        )
    return FindingsPage(
        page=page,
        findings=shown,
        params=filter_params(_as_query(params)),
        errors=errors,
        options=filter_options(model=model, run=run),
    )


def triage_history(*, model: tm.ThreatModel, fingerprints: Iterable[str]) -> dict[str, list[tm.AuditEvent]]:
    """The audit entries of the triage decisions on these findings of the model, newest first."""
    wanted = list(fingerprints)
    if not wanted:
        return {}
    events = tm.AuditEvent.objects.filter(
        team_id=model.team_id,
        action=AuditAction.TRIAGE_DECIDED,
        detail__model_id=model.pk,
        detail__fingerprint__in=wanted,
    ).order_by("-created_at", "-pk")
    out: dict[str, list[tm.AuditEvent]] = defaultdict(list)
    for event in events:
        out[str(event.detail.get("fingerprint"))].append(event)
    return dict(out)


def filter_options(*, model: tm.ThreatModel, run: AssessmentRun) -> dict[str, list[Any]]:
    """The values the page's filters offer: the run's rules, families, STRIDE categories and CWEs, the model's
    trust boundaries (id, name) and revisions."""
    rows = RunFinding.objects.filter(run=run).order_by()

    def distinct(column: str) -> list[str]:
        return sorted(v for v in rows.values_list(column, flat=True).distinct() if v)

    boundaries = list(tm.TrustBoundary.objects.filter(model_id=model.pk).order_by("key").values_list("key", "name"))
    return {
        "rules": distinct("rule"),
        "families": distinct("family"),
        "strides": distinct("stride"),
        "cwes": distinct("cwe"),
        "boundaries": boundaries,
        "statuses": [(s.value, s.label) for s in TriageStatus],
    }


def team_members(*, model: tm.ThreatModel) -> list[tuple[int, str]]:
    """The model's team members (id, user name), who may own a triage decision."""
    return list(
        tm.Membership.objects.filter(team_id=model.team_id)
        .order_by("user__username")
        .values_list("user_id", "user__username")
    )


def team_member(*, model: tm.ThreatModel, username: str | None = None, user_id: int | None = None) -> Account | None:
    """The member of the model's team with this user name or id (``None``: no such member)."""
    members = tm.Membership.objects.filter(team_id=model.team_id).select_related("user")
    if username is not None:
        members = members.filter(user__username=username)
    if user_id is not None:
        members = members.filter(user_id=user_id)
    membership = members.first() if username is not None or user_id is not None else None
    return membership.user if membership is not None else None


def triage_events(*, model: tm.ThreatModel, fingerprint: str) -> list[dict[str, Any]]:
    """A finding's triage history (``triage_history``) as plain values, newest first."""
    return [
        {
            "at": event.created_at,
            "actor": event.actor_name,
            "status": event.detail.get("status"),
            "previous_status": event.detail.get("previous_status"),
            "justification": event.detail.get("justification") or "",
            "owner": event.detail.get("owner"),
            "expires_at": event.detail.get("expires_at"),
        }
        for event in triage_history(model=model, fingerprints=[fingerprint]).get(fingerprint, [])
    ]


def _as_query(params: Any) -> QueryDict:
    """A query dict or a mapping of lists / values as a ``QueryDict`` (what a FilterSet takes) without the empty
    values (a form's "any" choices)."""
    query = QueryDict(mutable=True)
    if hasattr(params, "getlist"):
        for key in params:
            values = [v for v in params.getlist(key) if v != ""]
            if values:
                query.setlist(key, values)
        return query
    for key, value in (params or {}).items():
        values = list(value) if isinstance(value, list | tuple) else [] if value is None else [value]
        values = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
        if [v for v in values if v != ""]:
            query.setlist(key, [v for v in values if v != ""])
    return query
