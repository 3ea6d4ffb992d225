"""The report model: everything a report shows, computed once from pure inputs (no Django).

Inputs: the ``Snapshot`` the run assessed, the engine's ``AssessmentResult``, the model's triage decisions
(:class:`TriageDecision`), its score history (:class:`HistoryPoint`) and, optionally, rule metadata from the
catalog (:class:`RuleMeta`). The HTML/PDF templates, the SARIF and CSV writers and the DOT writer read this
model only, so every format shows the same facts in the same order.

Ordering rules (documented in ``docs/reports.md``): findings by severity (critical first), then rule id, then
finding id; attack paths as the engine ranked them (cheapest first per crown jewel); the remediation plan by
measured score gain, largest first (ties: engine order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from assessments.engine.counts import count_findings
from assessments.engine.results import (
    AssessmentResult,
    AttackPath,
    Coverage,
    EvidenceValue,
    Finding,
    PlanStep,
    ScoreEntry,
)
from catalog.packs.loader import RuleMeta, load_rule_catalog
from threatmodel.domain import Component, DataFlow, Snapshot
from threatmodel.vocabulary import (
    FINDING_STATUS_LABELS,
    MANUAL_THREAT_RULE,
    PILLARS,
    SEVERITIES,
    SEVERITY_LABELS,
    SEVERITY_RANK,
    STAGE_LABELS,
    STRIDE_LABELS,
)

#: NIST SP 800-207 section 2.1 tenets (short form).
NIST_TENETS: dict[int, str] = {
    1: "All data sources and computing services are considered resources",
    2: "All communication is secured regardless of network location",
    3: "Access to individual resources is granted on a per-session basis",
    4: "Access is determined by dynamic policy",
    5: "The enterprise monitors and measures the integrity and security posture of all assets",
    6: "Authentication and authorization are dynamic and strictly enforced before access is allowed",
    7: "The enterprise collects as much information as possible to improve its security posture",
}
#: A finding's triage in a report: the recorded status, or one of the two states the report derives.
TRIAGE_LABELS: dict[str, str] = {
    **FINDING_STATUS_LABELS,
    "expired": "Acceptance expired",
    "engine-mitigated": "Mitigated by control",
}

# -- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TriageDecision:
    """A triage decision of the model about one finding fingerprint."""

    fingerprint: str
    status: str  # open / accepted / mitigated / false_positive
    justification: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
    expires_at: datetime | None = None

    def effective_status(self, now: datetime) -> str:
        if self.status == "accepted" and self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return self.status


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One assessment run of the model: its revision, when it finished and its overall score."""

    revision: int
    score: float
    when: datetime | None = None


# -- outputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ElementRef:
    id: str
    name: str
    kind: str  # component kind, "flow", "boundary", "data asset", "identity", ...
    detail: str = ""

    @property
    def label(self) -> str:
        return self.name if self.name == self.id else f"{self.name} ({self.id})"


@dataclass(frozen=True, slots=True)
class FindingView:
    finding: Finding
    elements: tuple[ElementRef, ...]
    evidence: tuple[tuple[str, str], ...]
    triage: str  # open / accepted / mitigated / false_positive / expired / engine-mitigated
    triage_note: str = ""

    @property
    def triage_label(self) -> str:
        return TRIAGE_LABELS.get(self.triage, self.triage)

    @property
    def threat_title(self) -> str:
        """A manual threat's own title (its rule's title is only "Manual threat"); "" for rule findings."""
        return self.finding.title if self.finding.rule == MANUAL_THREAT_RULE else ""

    @property
    def counts_as_risk(self) -> bool:
        """Open, accepted (still a risk) or expired; not mitigated and not a false positive."""
        return self.triage in ("open", "accepted", "expired")


@dataclass(frozen=True, slots=True)
class RuleGroup:
    rule: RuleMeta
    findings: tuple[FindingView, ...]

    @property
    def stride_label(self) -> str:
        return STRIDE_LABELS.get(self.rule.stride, self.rule.stride)

    @property
    def tenet_label(self) -> str:
        if not self.rule.tenet:
            return ""
        return f"Tenet {self.rule.tenet}: {NIST_TENETS.get(self.rule.tenet, '')}".rstrip(": ")

    @property
    def pillar_label(self) -> str:
        return PILLARS.get(self.rule.pillar, self.rule.pillar)


@dataclass(frozen=True, slots=True)
class SeverityGroup:
    severity: str
    rules: tuple[RuleGroup, ...]

    @property
    def label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity.title())

    @property
    def count(self) -> int:
        return sum(len(r.findings) for r in self.rules)


@dataclass(frozen=True, slots=True)
class PathView:
    path: AttackPath
    hops: tuple[ElementRef, ...]
    flows: tuple[ElementRef, ...]
    data_at_risk: tuple[ElementRef, ...]
    weaknesses: tuple[str, ...]
    sentence: str


@dataclass(frozen=True, slots=True)
class PlanView:
    rank: int
    step: PlanStep
    elements: tuple[ElementRef, ...]


@dataclass(frozen=True, slots=True)
class AcceptedRisk:
    view: FindingView
    decision: TriageDecision
    expired: bool


@dataclass(frozen=True, slots=True)
class RuleRow:
    rule: RuleMeta
    applicable: int
    failed: int
    mitigated: int
    fired: int

    @property
    def stride_label(self) -> str:
        return STRIDE_LABELS.get(self.rule.stride, self.rule.stride)


@dataclass(frozen=True)
class ReportModel:
    title: str
    model_name: str
    model_description: str
    business_criticality: str
    revision: int
    generated_at: datetime
    author: str
    snapshot: Snapshot
    result: AssessmentResult
    counts: Mapping[str, int]
    history: tuple[HistoryPoint, ...]
    top_risks: tuple[str, ...]
    severity_groups: tuple[SeverityGroup, ...]
    findings: tuple[FindingView, ...]
    attack_paths: tuple[PathView, ...]
    plan: tuple[PlanView, ...]
    accepted: tuple[AcceptedRisk, ...]
    rules: tuple[RuleRow, ...]
    worst: Mapping[str, str]  # element id -> worst severity of its findings that count as risk
    rule_info: Mapping[str, RuleMeta] = field(default_factory=dict)

    @property
    def overall(self) -> float:
        return self.result.scores.overall

    @property
    def stage(self) -> str:
        return self.result.scores.stage

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage.title())

    @property
    def grade(self) -> str | None:
        return self.result.scores.grade

    @property
    def assessed(self) -> bool:
        return self.result.scores.assessed

    @property
    def verdict(self) -> str:
        return self.result.scores.verdict

    @property
    def coverage(self) -> Coverage | None:
        return self.result.scores.coverage

    @property
    def score_line(self) -> str:
        """The score as every report states it: grade, number, stage and coverage, or why there is no grade."""
        coverage = self.coverage
        covered = f", coverage {coverage.ratio:.0%}" if coverage is not None else ""
        if not self.assessed:
            return f"Not enough detail to assess{covered}"
        grade = f"Grade {self.grade}: " if self.grade else ""
        return f"{grade}{self.overall:.1f}/100 ({self.stage_label}{covered})"

    @property
    def principles(self) -> tuple[ScoreEntry, ...]:
        return self.result.scores.principles

    @property
    def pillars(self) -> tuple[ScoreEntry, ...]:
        return self.result.scores.pillars

    @property
    def total_open(self) -> int:
        return sum(self.counts.values())

    @property
    def severity_rows(self) -> tuple[tuple[str, str, int], ...]:
        return tuple((s, SEVERITY_LABELS[s], int(self.counts.get(s, 0))) for s in SEVERITIES)


# -- helpers -------------------------------------------------------------------------------------


def element_ref(snapshot: Snapshot, element_id: str) -> ElementRef:
    element = snapshot.element_by_id.get(element_id)
    if element is None:
        return ElementRef(id=element_id, name=element_id, kind="element")
    if isinstance(element, Component):
        return ElementRef(
            id=element.id, name=element.name or element.id, kind=str(element.kind), detail=element.technology
        )
    if isinstance(element, DataFlow):
        source = snapshot.component_by_id.get(element.source)
        target = snapshot.component_by_id.get(element.target)
        name = element.name or f"{element.source} → {element.target}"
        detail = f"{source.name if source else element.source} → {target.name if target else element.target}"
        return ElementRef(id=element.id, name=name, kind="flow", detail=f"{detail} ({element.protocol})")
    kind = type(element).__name__
    kind = {
        "TrustBoundary": "boundary",
        "DataAsset": "data asset",
        "Identity": "identity",
        "Grant": "grant",
        "Control": "control",
    }.get(kind, kind.lower())
    name = getattr(element, "name", "") or element_id
    return ElementRef(id=element_id, name=str(name), kind=kind)


def format_evidence(value: EvidenceValue | list[Any]) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return " → ".join(str(v) for v in value) if value else "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def humanize_key(key: str) -> str:
    return key.replace("_", " ").replace("-", " ").strip().capitalize()


def rule_infos(result: AssessmentResult, catalog: Mapping[str, RuleMeta] | None = None) -> dict[str, RuleMeta]:
    """The rule record of every rule that ran or fired: the catalog's, completed from findings and outcomes for
    rules the catalog does not know (a team's custom rules)."""
    infos: dict[str, RuleMeta] = dict(catalog or {})
    outcomes = {o.rule: o for o in result.scores.rules}
    ids = list(dict.fromkeys([*result.rules_run, *outcomes, *(f.rule for f in result.findings)]))
    first: dict[str, Finding] = {}
    for item in result.findings:
        first.setdefault(item.rule, item)
    for rule_id in ids:
        known = infos.get(rule_id)
        sample = first.get(rule_id)
        outcome = outcomes.get(rule_id)
        if known is not None and (sample is None or (known.cwe and known.stride)):
            continue
        base = known or RuleMeta(id=rule_id, title=(outcome.title if outcome else "") or rule_id)
        infos[rule_id] = replace(
            base,
            title=base.title if base.title != rule_id else (sample.title if sample else base.title),
            severity=base.severity
            if known
            else (outcome.severity if outcome else (sample.severity if sample else "medium")),
            family=base.family or (outcome.family if outcome else "") or (sample.family if sample else ""),
            principle=base.principle or (outcome.principle if outcome else "") or (sample.principle if sample else ""),
            stride=base.stride or (sample.stride if sample else ""),
            cwe=base.cwe or (sample.cwe if sample else ""),
            asvs=base.asvs or (sample.asvs if sample else ""),
            tenet=base.tenet or (sample.tenet if sample else 0),
            pillar=base.pillar or (outcome.pillar if outcome else "") or (sample.pillar if sample else ""),
            function=base.function or (sample.function if sample else ""),
            remediation=base.remediation or (sample.remediation if sample else ""),
        )
    return infos


def _finding_view(snapshot: Snapshot, item: Finding, decision: TriageDecision | None, now: datetime) -> FindingView:
    elements = tuple(element_ref(snapshot, e) for e in item.elements)
    evidence = tuple((humanize_key(k), format_evidence(v)) for k, v in item.evidence)
    if item.mitigated:
        return FindingView(item, elements, evidence, "engine-mitigated", "Mitigated by " + ", ".join(item.mitigated_by))
    if decision is None:
        return FindingView(item, elements, evidence, "open")
    status = decision.effective_status(now)
    note = decision.justification
    if status == "expired" and decision.expires_at is not None:
        note = f"Acceptance expired on {decision.expires_at:%Y-%m-%d}. {decision.justification}".strip()
    elif status == "accepted" and decision.expires_at is not None:
        note = f"{decision.justification} (until {decision.expires_at:%Y-%m-%d})".strip()
    if status not in TRIAGE_LABELS:
        status = "open"
    return FindingView(item, elements, evidence, status, note)


def _plain_sentence(view: FindingView) -> str:
    names = [e.name for e in view.elements[:3]]
    where = ", ".join(names) + (f" and {len(view.elements) - 3} more" if len(view.elements) > 3 else "")
    label = SEVERITY_LABELS.get(view.finding.severity, view.finding.severity)
    accepted = " (accepted risk)" if view.triage == "accepted" else ""
    return f"{label}: {view.finding.title} — {where}{accepted}."


def _path_sentence(snapshot: Snapshot, path: AttackPath) -> str:
    entry = element_ref(snapshot, path.entry).name
    target = element_ref(snapshot, path.target).name
    data = [element_ref(snapshot, d).name for d in path.data_at_risk]
    hops = max(len(path.hops) - 1, 0)
    what = f" holding {', '.join(data)}" if data else ""
    weak = f", exploiting {len(path.weaknesses)} open weaknesses" if path.weaknesses else ""
    return f"An attacker entering at {entry} can reach {target}{what} in {hops} hop{'s' if hops != 1 else ''}{weak}."


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """What a report is computed from. ``catalog``: rule records by id (``None``: the built-in catalog,
    ``catalog.packs.loader.load_rule_catalog``); rules it does not know are described from their findings.
    ``generated_at`` fixes the report's clock (``None``: now), so the same inputs give the same report."""

    snapshot: Snapshot
    result: AssessmentResult
    triage: Iterable[TriageDecision] = ()
    history: Sequence[HistoryPoint] = ()
    catalog: Mapping[str, RuleMeta] | None = None
    author: str = ""
    generated_at: datetime | None = None
    title: str = ""
    max_paths: int = 12  # attack paths shown
    top_risk_count: int = 6  # sentences in the executive summary


def build_report_model(inputs: ReportInputs) -> ReportModel:
    """Compute the report model. Deterministic for the same inputs (``generated_at`` fixed)."""
    snapshot, result = inputs.snapshot, inputs.result
    now = inputs.generated_at or datetime.now(tz=UTC)
    decisions = {d.fingerprint: d for d in inputs.triage}
    infos = rule_infos(result, load_rule_catalog() if inputs.catalog is None else inputs.catalog)
    findings = tuple(
        _finding_view(snapshot, f, decisions.get(f.id), now) for f in sorted(result.findings, key=lambda f: f.sort_key)
    )
    return ReportModel(
        title=inputs.title or f"Threat model assessment: {snapshot.info.name}",
        model_name=snapshot.info.name,
        model_description=snapshot.info.description,
        business_criticality=str(snapshot.info.business_criticality),
        revision=result.revision if result.revision else snapshot.revision,
        generated_at=now,
        author=inputs.author,
        snapshot=snapshot,
        result=result,
        counts=count_findings(
            (v.finding.severity, v.triage == "engine-mitigated", _status_in_force(v)) for v in findings
        )["open"],
        history=tuple(inputs.history)
        or (HistoryPoint(revision=result.revision or snapshot.revision, score=result.scores.overall, when=now),),
        top_risks=_top_risks(snapshot, result, findings, inputs.top_risk_count),
        severity_groups=_severity_groups(findings, infos),
        findings=findings,
        attack_paths=tuple(_path_view(snapshot, p) for p in result.attack_paths[: inputs.max_paths]),
        plan=_plan_views(snapshot, result.plan),
        accepted=_accepted_risks(findings, decisions, now),
        rules=_rule_rows(result, infos),
        worst=_worst_severities(findings),
        rule_info=infos,
    )


def _open_counts(findings: Sequence[FindingView]) -> dict[str, int]:
    """The open findings by severity, as every page and the API count them (``assessments.engine.counts``)."""
    counted = count_findings(
        (v.finding.severity, v.triage == "engine-mitigated", _status_in_force(v)) for v in findings
    )
    return dict(counted["open"])


def _status_in_force(view: FindingView) -> str:
    """The triage status counted (``assessments.engine.counts``): an expired acceptance is open."""
    return "open" if view.triage in ("expired", "engine-mitigated") else view.triage


def _severity_groups(findings: Sequence[FindingView], infos: Mapping[str, RuleMeta]) -> tuple[SeverityGroup, ...]:
    """Findings by severity (most severe first), then by rule id."""
    groups: list[SeverityGroup] = []
    for severity in SEVERITIES:
        by_rule: dict[str, list[FindingView]] = {}
        for view in findings:
            if view.finding.severity == severity:
                by_rule.setdefault(view.finding.rule, []).append(view)
        if not by_rule:
            continue
        rule_groups = tuple(
            RuleGroup(infos.get(rule) or RuleMeta(id=rule, title=views[0].finding.title), tuple(views))
            for rule, views in sorted(by_rule.items())
        )
        groups.append(SeverityGroup(severity, rule_groups))
    return tuple(groups)


def _worst_severities(findings: Sequence[FindingView]) -> dict[str, str]:
    """Element id -> the worst severity of its findings that still count as risk."""
    worst: dict[str, str] = {}
    for view in findings:
        if not view.counts_as_risk:
            continue
        for element_id in view.finding.elements:
            current = worst.get(element_id)
            if current is None or SEVERITY_RANK[view.finding.severity] < SEVERITY_RANK.get(current, 99):
                worst[element_id] = view.finding.severity
    return worst


def _top_risks(
    snapshot: Snapshot, result: AssessmentResult, findings: Sequence[FindingView], count: int
) -> tuple[str, ...]:
    """The executive summary: one sentence per rule among the worst risks, then the cheapest attack path."""
    risky = [v for v in findings if v.counts_as_risk and v.finding.severity in ("critical", "high")]
    if len(risky) < count:
        risky += [v for v in findings if v.counts_as_risk and v.finding.severity == "medium"]
    top: list[str] = []
    seen_rules: set[str] = set()
    for view in risky:  # one sentence per rule, most severe first
        if view.finding.rule in seen_rules:
            continue
        seen_rules.add(view.finding.rule)
        top.append(_plain_sentence(view))
        if len(top) >= count - 1:
            break
    if result.attack_paths:
        top.append(_path_sentence(snapshot, result.attack_paths[0]))
    return tuple(top)


def _path_view(snapshot: Snapshot, path: AttackPath) -> PathView:
    return PathView(
        path=path,
        hops=tuple(element_ref(snapshot, h) for h in path.hops),
        flows=tuple(element_ref(snapshot, f) for f in path.flows),
        data_at_risk=tuple(element_ref(snapshot, d) for d in path.data_at_risk),
        weaknesses=path.weaknesses,
        sentence=_path_sentence(snapshot, path),
    )


def _plan_views(snapshot: Snapshot, plan: Sequence[PlanStep]) -> tuple[PlanView, ...]:
    """The remediation plan by measured gain, largest first (ties: engine order)."""
    ordered = sorted(enumerate(plan), key=lambda pair: (-pair[1].gain, pair[0]))
    return tuple(
        PlanView(rank=i + 1, step=step, elements=tuple(element_ref(snapshot, e) for e in step.elements))
        for i, (_, step) in enumerate(ordered)
    )


def _accepted_risks(
    findings: Sequence[FindingView], decisions: Mapping[str, TriageDecision], now: datetime
) -> tuple[AcceptedRisk, ...]:
    """Accepted risks of findings in the run: those still in force first, then by finding order."""
    by_id = {v.finding.id: v for v in findings}
    accepted = [
        AcceptedRisk(view=by_id[d.fingerprint], decision=d, expired=d.effective_status(now) == "expired")
        for d in sorted(decisions.values(), key=lambda d: d.fingerprint)
        if d.status == "accepted" and d.fingerprint in by_id
    ]
    return tuple(sorted(accepted, key=lambda a: (a.expired, a.view.finding.sort_key)))


def _rule_rows(result: AssessmentResult, infos: Mapping[str, RuleMeta]) -> tuple[RuleRow, ...]:
    """One row per rule that ran, by rule id: applicable checks, open, mitigated and fired findings."""
    outcomes = {o.rule: o for o in result.scores.rules}
    fired: dict[str, int] = {}
    for item in result.findings:
        fired[item.rule] = fired.get(item.rule, 0) + 1
    rule_ids = list(dict.fromkeys([*result.rules_run, *outcomes]))
    return tuple(
        RuleRow(
            rule=infos[r],
            applicable=outcomes[r].applicable if r in outcomes else 0,
            failed=outcomes[r].failed if r in outcomes else fired.get(r, 0),
            mitigated=outcomes[r].mitigated if r in outcomes else 0,
            fired=fired.get(r, 0),
        )
        for r in sorted(rule_ids)
    )


__all__ = [
    "AcceptedRisk",
    "ElementRef",
    "FindingView",
    "HistoryPoint",
    "PathView",
    "PlanView",
    "ReportInputs",
    "ReportModel",
    "RuleGroup",
    "RuleRow",
    "SeverityGroup",
    "TriageDecision",
    "build_report_model",
    "element_ref",
    "rule_infos",
]
