"""Reads of the assessments app: runs, findings with their triage, scores, reports.

Access goes through ``threatmodel.selectors`` (``model_for_user`` / ``require_role``): an object of
another team is reported as not found, exactly like a missing one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Case, CharField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.choices import JobStatus, Severity, TriageStatus
from assessments.engine.counts import count_findings, ordered_counts
from assessments.engine.custom import CustomRuleSpec
from assessments.models import AssessmentRun, CustomRule, FindingTriage, ModelWebhook, Report, RunFinding
from assessments.reporting.model import HistoryPoint, TriageDecision
from threatmodel import hot_reads
from threatmodel import models as tm
from threatmodel.choices import Role
from threatmodel.selectors import NotFound, User, reader_id, require_role, require_role_found

#: Columns of a run that are cheap to load (the full engine result is deferred).
HEAVY_RUN_FIELDS = ("result",)
#: "The latest run" describes the newest revision assessed (a run of an older revision that finished later, e.g.
#: one requested before a burst of edits, does not replace it), then the latest finished.
LATEST_FIRST = ("-revision", "-finished_at", "-pk")


def run_for_user(*, user: User, run_id: int, role: str = Role.VIEWER, with_result: bool = False) -> AssessmentRun:
    queryset = AssessmentRun.objects.select_related("model", "requested_by")
    if not with_result:
        queryset = queryset.defer(*HEAVY_RUN_FIELDS)
    run = queryset.filter(pk=run_id).first()
    if run is None:
        raise NotFound("assessment run not found")
    require_role(user=user, team_id=run.model.team_id, role=role)
    return run


def runs_of_model(*, model: tm.ThreatModel) -> QuerySet[AssessmentRun]:
    return (
        AssessmentRun.objects.filter(model=model)
        .defer(*HEAVY_RUN_FIELDS)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")
    )


def latest_successful_run(*, model_id: int, with_result: bool = False) -> AssessmentRun | None:
    queryset = AssessmentRun.objects.filter(model_id=model_id, status=JobStatus.SUCCEEDED)
    if not with_result:
        queryset = queryset.defer(*HEAVY_RUN_FIELDS)
    return queryset.order_by(*LATEST_FIRST).first()


def _latest_successful_runs(*, model_ids: Sequence[int]) -> dict[int, AssessmentRun]:
    """``latest_successful_run`` of each model, in one query (a dashboard of many models is not N+1)."""
    if not model_ids:
        return {}
    newest = (
        AssessmentRun.objects.filter(model_id=OuterRef("model_id"), status=JobStatus.SUCCEEDED)
        .order_by(*LATEST_FIRST)
        .values("pk")[:1]
    )
    runs = (
        AssessmentRun.objects.filter(model_id__in=model_ids, status=JobStatus.SUCCEEDED)
        .defer(*HEAVY_RUN_FIELDS)
        .filter(pk=Subquery(newest))
    )
    return {run.model_id: run for run in runs}


def run_of_model(*, model: tm.ThreatModel, run_id: int | None) -> AssessmentRun:
    """A successful run of the model: ``run_id``, or the latest one."""
    if run_id is None:
        run = latest_successful_run(model_id=model.pk)
        if run is None:
            raise NotFound("this model has no successful assessment yet; start one with POST .../assessments/")
        return run
    run = AssessmentRun.objects.defer(*HEAVY_RUN_FIELDS).filter(model=model, pk=run_id).first()
    if run is None:
        raise NotFound("assessment run not found")
    return run


SCORE_COLUMNS = (
    "pk",
    "revision",
    "finished_at",
    "overall_score",
    "scores",
    "counts",
    "triage_counts",
    "triage_counts_until",
)


_SCORE = hot_reads.Columns(AssessmentRun, "r", SCORE_COLUMNS)
_READER_ROLE = hot_reads.role_join('tm."team_id"')
LATEST_SCORE_SQL = (
    f'SELECT {_SCORE.sql}, tm."team_id", mb."role" FROM {_SCORE.table} r '  # noqa: S608 - identifiers from models
    f'INNER JOIN "{tm.ThreatModel._meta.db_table}" tm ON tm."id" = r."model_id" {_READER_ROLE} '
    f'WHERE r."model_id" = %s AND r."status" = %s {_SCORE.order_by(LATEST_FIRST)} LIMIT 1'
)


def latest_score_for_user(*, user: User, model_id: int) -> dict[str, Any]:
    """The latest successful run's score columns (a hot path: dashboards poll it; no ORM instances).

    One query finds the run with its model's team and the reader's role there; the access check is still
    ``require_role`` (on that role).
    """
    found = hot_reads.fetch_one(LATEST_SCORE_SQL, [reader_id(user), int(model_id), JobStatus.SUCCEEDED])  # no queryset
    if found is not None:
        row = dict(zip(SCORE_COLUMNS, _SCORE.values(found), strict=True))
        row["model__team_id"] = found[_SCORE.width]
        role = found[_SCORE.width + 1]
        require_role_found(None if role is None else str(role), role=Role.VIEWER)
        return row
    team_id = tm.ThreatModel.objects.filter(pk=model_id).order_by().values_list("team_id", flat=True).first()
    if team_id is None:
        raise NotFound("model not found")
    require_role(user=user, team_id=team_id, role=Role.VIEWER)
    raise NotFound("this model has no successful assessment yet")


def scored_runs_of_model(*, model: tm.ThreatModel) -> QuerySet[AssessmentRun]:
    """The model's finished successful runs: the points of its score history."""
    return AssessmentRun.objects.filter(model=model, status=JobStatus.SUCCEEDED, finished_at__isnull=False)


def score_points(*, runs: QuerySet[AssessmentRun], limit: int = 1000) -> list[dict[str, Any]]:
    """The latest ``limit`` of ``runs`` (see ``scored_runs_of_model``) as score points, oldest first:
    ``[{"at", "run", "revision", "overall", "stage", "principles": {key: score}, "pillars"}]``."""
    rows = list(
        runs.order_by("-finished_at", "-pk").values("pk", "finished_at", "revision", "overall_score", "scores")[:limit]
    )
    points = []
    for row in reversed(rows):
        scores = row["scores"] or {}
        points.append(
            {
                "at": row["finished_at"],
                "run": row["pk"],
                "revision": row["revision"],
                "overall": row["overall_score"],
                "stage": scores.get("stage", ""),
                "grade": scores.get("grade"),
                "coverage": (scores.get("coverage") or {}).get("ratio"),
                "principles": {e["key"]: e["score"] for e in scores.get("principles", [])},
                "pillars": {e["key"]: e["score"] for e in scores.get("pillars", [])},
            }
        )
    return points


# -- triage ------------------------------------------------------------------------------------


def effective_status(triage: FindingTriage | None, now: datetime | None = None) -> str:
    """The triage status in force: an acceptance past its expiry is open again."""
    if triage is None:
        return TriageStatus.OPEN
    if (
        triage.status == TriageStatus.ACCEPTED
        and triage.expires_at is not None
        and triage.expires_at <= (now or timezone.now())
    ):
        return TriageStatus.OPEN
    return triage.status


def triage_of_model(*, model_id: int) -> dict[str, FindingTriage]:
    return {
        t.fingerprint: t for t in FindingTriage.objects.filter(model_id=model_id).select_related("decided_by", "owner")
    }


def triage_payload(triage: FindingTriage | None, now: datetime | None = None) -> dict[str, Any]:
    status = effective_status(triage, now)
    if triage is None:
        return {
            "status": status,
            "recorded_status": None,
            "justification": "",
            "expires_at": None,
            "expired": False,
            "decided_by": None,
            "decided_at": None,
            "owner": None,
        }
    return {
        "status": status,
        "recorded_status": triage.status,
        "justification": triage.justification,
        "expires_at": triage.expires_at,
        "expired": status != triage.status,
        "decided_by": triage.decided_by.get_username() if triage.decided_by else None,
        "decided_at": triage.decided_at,
        "owner": triage.owner.get_username() if triage.owner else None,
    }


def findings_of_run(*, run: AssessmentRun) -> QuerySet[RunFinding]:
    """The run's findings annotated with ``triage_status`` (expired acceptances count as open), ``severity_rank``
    (0 = critical), ``primary_element`` (the first element id) and ``bucket`` (where the counts count it:
    ``assessments.engine.counts.bucket_of``), in the result's order."""
    rank = Case(
        *(When(severity=severity, then=Value(n)) for n, severity in enumerate(Severity.values)),
        default=Value(len(Severity.values)),
        output_field=IntegerField(),
    )
    bucket = Case(  # assessments.engine.counts.bucket_of, in SQL
        When(Q(triage_status=TriageStatus.MITIGATED) | ~Q(mitigated_by=[]), then=Value(TriageStatus.MITIGATED)),
        When(triage_status=TriageStatus.FALSE_POSITIVE, then=Value(TriageStatus.FALSE_POSITIVE)),
        When(triage_status=TriageStatus.ACCEPTED, then=Value(TriageStatus.ACCEPTED)),
        default=Value(TriageStatus.OPEN),
        output_field=CharField(),
    )
    return (
        _findings_with_triage(run_id=run.pk, model_id=run.model_id)
        .annotate(severity_rank=rank, primary_element=KeyTextTransform("0", "elements"))
        .annotate(bucket=bucket)
        .order_by("ordinal", "pk")
    )


def _findings_with_triage(*, run_id: int, model_id: int) -> QuerySet[RunFinding]:
    now = timezone.now()
    in_force = (
        FindingTriage.objects.filter(model_id=model_id, fingerprint=OuterRef("fingerprint"))
        .annotate(
            effective=Case(
                When(
                    Q(status=TriageStatus.ACCEPTED, expires_at__isnull=False, expires_at__lte=now),
                    then=Value(TriageStatus.OPEN),
                ),
                default="status",
                output_field=CharField(),
            )
        )
        .values("effective")[:1]
    )
    return RunFinding.objects.filter(run_id=run_id).annotate(
        triage_status=Coalesce(
            Subquery(in_force, output_field=CharField()), Value(TriageStatus.OPEN), output_field=CharField()
        )
    )


def run_counts_recomputed(*, run_id: int, model_id: int) -> dict[str, Any]:
    """The run's counts with the triage in force (``assessments.engine.counts``), from its finding rows and the
    model's triage (one query; the triage is a subquery). The one computation: ``run_counts`` serves what the
    services stored from it (``assessments.services.counts``)."""
    rows = _findings_with_triage(run_id=run_id, model_id=model_id).values_list(  # type: ignore[misc]
        "severity",
        "mitigated_by",
        "triage_status",  # (an annotation the stubs cannot see through the helper)
    )
    return count_findings((severity, bool(mitigated), status) for severity, mitigated, status in rows)


def triage_counts_valid_until(*, model_id: int, now: datetime | None = None) -> datetime | None:
    """Until when counts computed now stay true: the first expiry of an acceptance in force (``None``: no end)."""
    return (
        FindingTriage.objects.filter(
            model_id=model_id, status=TriageStatus.ACCEPTED, expires_at__gt=now or timezone.now()
        )
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )


def stored_counts_in_force(
    counts: Mapping[str, Any] | None, until: datetime | None, now: datetime | None = None
) -> dict[str, Any] | None:
    """Stored triage-aware counts if they still hold (none stored, or an acceptance they count expired: ``None``)."""
    if counts is None or (until is not None and until <= (now or timezone.now())):
        return None
    return ordered_counts(counts)


def run_counts(*, run: AssessmentRun | None = None, run_id: int = 0, model_id: int = 0) -> dict[str, Any]:
    """The run's counts with the triage in force: what the dashboard, the findings page, the API, the reports and
    ``/metrics`` show. The counts stored on the run when they still hold, else ``run_counts_recomputed``."""
    if run is not None:
        stored = stored_counts_in_force(run.triage_counts, run.triage_counts_until)
        if stored is not None:
            return stored
        run_id, model_id = run.pk, run.model_id
    else:
        row = AssessmentRun.objects.filter(pk=run_id).values("triage_counts", "triage_counts_until").first()
        stored = stored_counts_in_force(row["triage_counts"], row["triage_counts_until"]) if row else None
        if stored is not None:
            return stored
    return run_counts_recomputed(run_id=run_id, model_id=model_id)


def run_counts_of_row(row: Mapping[str, Any], *, model_id: int) -> dict[str, Any]:
    """``run_counts`` of a ``latest_score_for_user`` row (its stored columns are in the row: no extra query)."""
    stored = stored_counts_in_force(row["triage_counts"], row["triage_counts_until"])
    return stored if stored is not None else run_counts_recomputed(run_id=row["pk"], model_id=model_id)


def live_counts(*, model_id: int, findings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The same counts over a live assessment's findings (the editor's numbers)."""
    triage = _statuses_in_force(model_id=model_id)
    return count_findings(
        (str(f.get("severity")), bool(f.get("mitigated")), triage.get(str(f.get("id")), "open")) for f in findings
    )


def _statuses_in_force(*, model_id: int | None) -> dict[str, str]:
    now = timezone.now()
    return {
        t.fingerprint: effective_status(t, now)
        for t in FindingTriage.objects.filter(model_id=model_id).only("fingerprint", "status", "expires_at")
    }


def finding_of_model(*, model: tm.ThreatModel, fingerprint: str) -> RunFinding | None:
    run = latest_successful_run(model_id=model.pk)
    if run is None:
        return None
    return findings_of_run(run=run).filter(fingerprint=fingerprint).first()


# -- reports ------------------------------------------------------------------------------------


def report_for_user(*, user: User, report_id: int) -> Report:
    report = Report.objects.select_related("model", "run").filter(pk=report_id).first()
    if report is None:
        raise NotFound("report not found")
    require_role(user=user, team_id=report.model.team_id, role=Role.VIEWER)
    return report


def reports_of_model(*, model: tm.ThreatModel) -> QuerySet[Report]:
    return Report.objects.filter(model=model).order_by("-created_at", "-pk")


#: Points of the score trend drawn in a report.
REPORT_HISTORY_LIMIT = 40


def user_label(user: Any) -> str:
    """A user as a report names them: the full name, else the user name ("" for nobody)."""
    if user is None:
        return ""
    full = (getattr(user, "get_full_name", lambda: "")() or "").strip()
    return full or str(user.get_username())


def report_triage_decisions(*, model: tm.ThreatModel) -> list[TriageDecision]:
    """The model's triage decisions as the report model takes them, by fingerprint."""
    rows = FindingTriage.objects.filter(model=model).select_related("decided_by").order_by("fingerprint")
    return [
        TriageDecision(
            fingerprint=t.fingerprint,
            status=t.status,
            justification=t.justification,
            decided_by=user_label(t.decided_by),
            decided_at=t.decided_at,
            expires_at=t.expires_at,
        )
        for t in rows
    ]


def report_score_history(*, model: tm.ThreatModel, until: AssessmentRun | None = None) -> list[HistoryPoint]:
    """Overall score of the model's successful runs, oldest first (up to ``until`` included)."""
    runs = AssessmentRun.objects.filter(model=model, status=JobStatus.SUCCEEDED, overall_score__isnull=False)
    if until is not None and until.finished_at is not None:
        runs = runs.filter(finished_at__lte=until.finished_at)
    rows = list(
        runs.order_by("-finished_at", "-pk").values("revision", "overall_score", "finished_at")[:REPORT_HISTORY_LIMIT]
    )
    rows.reverse()
    return [
        HistoryPoint(revision=r["revision"], score=float(r["overall_score"]), when=r["finished_at"])
        for r in rows
        if r["overall_score"] is not None  # excluded by the query: says so to the type checker
    ]


def webhook_of_model(*, model: tm.ThreatModel) -> ModelWebhook | None:
    """The model's webhook (the caller has checked access to the model)."""
    return ModelWebhook.objects.filter(model=model).first()


# -- dashboard ---------------------------------------------------------------------------------

SEVERITY_ORDER = [s.value for s in Severity]
#: Points of the score trend on the dashboard.
TREND_POINTS = 12


def dashboard_rows(*, models: Sequence[tm.ThreatModel]) -> dict[int, dict[str, Any]]:
    """Per model (the caller has checked access to them): the latest successful run's score, assessed revision
    and open findings by severity, and the score trend (``scores``, oldest first; ``trend``: last minus first)."""
    history: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    runs = (
        AssessmentRun.objects.filter(model__in=models, status=JobStatus.SUCCEEDED, overall_score__isnull=False)
        .order_by("model_id", "-finished_at", "-pk")
        .values("model_id", "overall_score", "revision")
    )
    for run in runs:
        if len(history[run["model_id"]]) < TREND_POINTS:
            history[run["model_id"]].append(run)
    latest_runs = _latest_successful_runs(model_ids=[m.pk for m in models if history.get(m.pk)])
    rows: dict[int, dict[str, Any]] = {}
    for model in models:
        series = list(reversed(history.get(model.pk, [])))
        latest_run = latest_runs.get(model.pk)
        latest = {"overall_score": latest_run.overall_score, "revision": latest_run.revision} if latest_run else None
        counts = run_counts(run=latest_run) if latest_run else count_findings(())
        scores = (latest_run.scores if latest_run else None) or {}
        rows[model.pk] = {
            "model": model,
            "score": latest["overall_score"] if latest else None,
            "grade": scores.get("grade"),
            "assessed": scores.get("assessed", True),
            "verdict": scores.get("verdict", ""),
            "coverage": (scores.get("coverage") or {}).get("ratio"),
            "assessed_revision": latest["revision"] if latest else None,
            "counts": counts,
            "severity_counts": [(s, counts["open"][s]) for s in SEVERITY_ORDER],
            "open_total": counts["totals"]["open"],
            "scores": [r["overall_score"] for r in series],
            "trend": (series[-1]["overall_score"] - series[0]["overall_score"]) if len(series) > 1 else None,
        }
    return rows


def posture_feed(*, user: User) -> list[dict[str, Any]]:
    """Per model of the user's teams: the latest successful run and its counts (``run_counts``)."""
    if not user.is_authenticated:
        return []
    models = list(
        tm.ThreatModel.objects.filter(team__memberships__user_id=user.pk)
        .select_related("team")
        .order_by("team__slug", "name", "pk")
        .distinct()
    )
    latest_runs = _latest_successful_runs(model_ids=[m.pk for m in models])
    out = []
    for model in models:
        run = latest_runs.get(model.pk)
        counts = run_counts(run=run) if run is not None else count_findings(())
        out.append({"model": model, "run": run, "counts": counts, "open": counts["open"]})
    return out


# -- team custom rules (access through the team) ----------------------------------------------------


def custom_rules_of_team(*, team_id: int) -> QuerySet[CustomRule]:
    """The team's custom rules by rule id (the caller has checked access to the team)."""
    return CustomRule.objects.filter(team_id=team_id).order_by("rule_id", "pk")


def custom_rule_for_user(*, user: User, team_id: int, rule_pk: int, role: str = Role.VIEWER) -> CustomRule:
    """One custom rule of a team the user has ``role`` in (``NotFound`` / ``Forbidden`` otherwise)."""
    require_role(user=user, team_id=team_id, role=role)
    rule = CustomRule.objects.filter(team_id=team_id, pk=rule_pk).first()
    if rule is None:
        raise NotFound("custom rule not found")
    return rule


def custom_rule_specs(*, team_id: int) -> tuple[CustomRuleSpec, ...]:
    """The team's enabled custom rules as engine specs."""
    return tuple(
        CustomRuleSpec(
            id=rule.rule_id,
            title=rule.title,
            kind=rule.element_kind,
            expression=rule.expression,
            severity=rule.severity,
            remediation=rule.remediation,
            principle=rule.principle,
        )
        for rule in custom_rules_of_team(team_id=team_id).filter(enabled=True)
    )
