"""The report model: everything a report shows, computed once from pure inputs (no Django).

Inputs: the ``Snapshot`` the run assessed, the engine's ``AssessmentResult``, the model's triage decisions
(:class:`TriageDecision`), its score history (:class:`HistoryPoint`) and, optionally, rule metadata from the
catalog (:class:`RuleInfo`). The HTML/PDF templates, the SARIF and CSV writers and the DOT writer read this
model only, so every format shows the same facts in the same order.

Ordering rules (documented in ``docs/reports.md``): findings by severity (critical first), then rule id, then
finding id; attack paths as the engine ranked them (cheapest first per crown jewel); the remediation plan by
measured score gain, largest first (ties: engine order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from assessments.engine.results import (
    PILLARS,
    PRINCIPLES,
    SEVERITIES,
    SEVERITY_RANK,
    AssessmentResult,
    AttackPath,
    BlastRadius,
    Deduction,
    EvidenceValue,
    Finding,
    PlanStep,
    RuleOutcome,
    ScoreBreakdown,
    ScoreEntry,
    severity_counts,
)
from threatmodel.domain import Component, DataFlow, Snapshot

T = TypeVar("T")

SEVERITY_LABELS: dict[str, str] = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    "info": "Info",
}
STAGE_LABELS: dict[str, str] = {
    "traditional": "Traditional",
    "initial": "Initial",
    "advanced": "Advanced",
    "optimal": "Optimal",
}
STRIDE_LABELS: dict[str, str] = {
    "S": "Spoofing",
    "T": "Tampering",
    "R": "Repudiation",
    "I": "Information disclosure",
    "D": "Denial of service",
    "E": "Elevation of privilege",
    "spoofing": "Spoofing",
    "tampering": "Tampering",
    "repudiation": "Repudiation",
    "information-disclosure": "Information disclosure",
    "denial-of-service": "Denial of service",
    "elevation-of-privilege": "Elevation of privilege",
}
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
TRIAGE_LABELS: dict[str, str] = {
    "open": "Open",
    "accepted": "Accepted risk",
    "mitigated": "Mitigated",
    "false_positive": "False positive",
    "expired": "Acceptance expired",
    "engine-mitigated": "Mitigated by control",
}

# -- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """Catalog metadata of one rule (whatever the catalog knows; findings fill the gaps)."""

    id: str
    title: str
    severity: str = "medium"
    family: str = ""
    principle: str = ""
    description: str = ""
    rationale: str = ""
    stride: str = ""
    cwe: str = ""
    asvs: str = ""
    tenet: int = 0
    pillar: str = ""
    function: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()


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
    def counts_as_risk(self) -> bool:
        """Open, accepted (still a risk) or expired; not mitigated and not a false positive."""
        return self.triage in ("open", "accepted", "expired")


@dataclass(frozen=True, slots=True)
class RuleGroup:
    rule: RuleInfo
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
    rule: RuleInfo
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
    rule_info: Mapping[str, RuleInfo] = field(default_factory=dict)

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


def rule_infos(result: AssessmentResult, catalog: Mapping[str, RuleInfo] | None = None) -> dict[str, RuleInfo]:
    """Rule metadata for every rule that ran or fired: the catalog's, completed from findings/outcomes."""
    infos: dict[str, RuleInfo] = dict(catalog or {})
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
        base = known or RuleInfo(id=rule_id, title=(outcome.title if outcome else "") or rule_id)
        infos[rule_id] = RuleInfo(
            id=rule_id,
            title=base.title if base.title != rule_id else (sample.title if sample else base.title),
            severity=base.severity
            if known
            else (outcome.severity if outcome else (sample.severity if sample else "medium")),
            family=base.family or (outcome.family if outcome else "") or (sample.family if sample else ""),
            principle=base.principle or (outcome.principle if outcome else "") or (sample.principle if sample else ""),
            description=base.description,
            rationale=base.rationale,
            stride=base.stride or (sample.stride if sample else ""),
            cwe=base.cwe or (sample.cwe if sample else ""),
            asvs=base.asvs or (sample.asvs if sample else ""),
            tenet=base.tenet or (sample.tenet if sample else 0),
            pillar=base.pillar or (outcome.pillar if outcome else "") or (sample.pillar if sample else ""),
            function=base.function or (sample.function if sample else ""),
            remediation=base.remediation or (sample.remediation if sample else ""),
            references=base.references,
            steps=base.steps,
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


def build_report_model(
    snapshot: Snapshot,
    result: AssessmentResult,
    *,
    triage: Iterable[TriageDecision] = (),
    history: Sequence[HistoryPoint] = (),
    catalog: Mapping[str, RuleInfo] | None = None,
    author: str = "",
    generated_at: datetime | None = None,
    title: str = "",
    max_paths: int = 12,
    top_risk_count: int = 6,
) -> ReportModel:
    """Compute the report model. Deterministic for the same inputs (``generated_at`` fixed)."""
    now = generated_at or datetime.now(tz=UTC)
    decisions = {d.fingerprint: d for d in triage}
    infos = rule_infos(result, catalog)
    findings = tuple(
        _finding_view(snapshot, f, decisions.get(f.id), now) for f in sorted(result.findings, key=lambda f: f.sort_key)
    )

    groups: list[SeverityGroup] = []
    for severity in SEVERITIES:
        in_sev = [v for v in findings if v.finding.severity == severity]
        if not in_sev:
            continue
        by_rule: dict[str, list[FindingView]] = {}
        for view in in_sev:
            by_rule.setdefault(view.finding.rule, []).append(view)
        groups.append(
            SeverityGroup(
                severity,
                tuple(
                    RuleGroup(infos.get(rule) or RuleInfo(id=rule, title=views[0].finding.title), tuple(views))
                    for rule, views in sorted(by_rule.items())
                ),
            )
        )

    worst: dict[str, str] = {}
    for view in findings:
        if not view.counts_as_risk:
            continue
        for element_id in view.finding.elements:
            current = worst.get(element_id)
            if current is None or SEVERITY_RANK[view.finding.severity] < SEVERITY_RANK.get(current, 99):
                worst[element_id] = view.finding.severity

    risky = [v for v in findings if v.counts_as_risk and v.finding.severity in ("critical", "high")]
    if len(risky) < top_risk_count:
        risky += [v for v in findings if v.counts_as_risk and v.finding.severity == "medium"]
    top: list[str] = []
    seen_rules: set[str] = set()
    for view in risky:  # one sentence per rule, most severe first
        if view.finding.rule in seen_rules:
            continue
        seen_rules.add(view.finding.rule)
        top.append(_plain_sentence(view))
        if len(top) >= top_risk_count - 1:
            break
    if result.attack_paths:
        top.append(_path_sentence(snapshot, result.attack_paths[0]))

    paths = tuple(
        PathView(
            path=p,
            hops=tuple(element_ref(snapshot, h) for h in p.hops),
            flows=tuple(element_ref(snapshot, f) for f in p.flows),
            data_at_risk=tuple(element_ref(snapshot, d) for d in p.data_at_risk),
            weaknesses=p.weaknesses,
            sentence=_path_sentence(snapshot, p),
        )
        for p in result.attack_paths[:max_paths]
    )
    ordered_plan = sorted(enumerate(result.plan), key=lambda pair: (-pair[1].gain, pair[0]))
    plan = tuple(
        PlanView(rank=i + 1, step=step, elements=tuple(element_ref(snapshot, e) for e in step.elements))
        for i, (_, step) in enumerate(ordered_plan)
    )

    by_id = {v.finding.id: v for v in findings}
    accepted = tuple(
        AcceptedRisk(view=by_id[d.fingerprint], decision=d, expired=d.effective_status(now) == "expired")
        for d in sorted(decisions.values(), key=lambda d: d.fingerprint)
        if d.status == "accepted" and d.fingerprint in by_id
    )
    accepted = tuple(sorted(accepted, key=lambda a: (a.expired, a.view.finding.sort_key)))

    outcomes = {o.rule: o for o in result.scores.rules}
    fired: dict[str, int] = {}
    for item in result.findings:
        fired[item.rule] = fired.get(item.rule, 0) + 1
    rule_ids = list(dict.fromkeys([*result.rules_run, *outcomes]))
    rules = tuple(
        RuleRow(
            rule=infos[r],
            applicable=outcomes[r].applicable if r in outcomes else 0,
            failed=outcomes[r].failed if r in outcomes else fired.get(r, 0),
            mitigated=outcomes[r].mitigated if r in outcomes else 0,
            fired=fired.get(r, 0),
        )
        for r in sorted(rule_ids)
    )
    return ReportModel(
        title=title or f"Threat model assessment: {snapshot.info.name}",
        model_name=snapshot.info.name,
        model_description=snapshot.info.description,
        business_criticality=str(snapshot.info.business_criticality),
        revision=result.revision if result.revision else snapshot.revision,
        generated_at=now,
        author=author,
        snapshot=snapshot,
        result=result,
        counts=severity_counts(result.findings),
        history=tuple(history)
        or (HistoryPoint(revision=result.revision or snapshot.revision, score=result.scores.overall, when=now),),
        top_risks=tuple(top),
        severity_groups=tuple(groups),
        findings=findings,
        attack_paths=paths,
        plan=plan,
        accepted=accepted,
        rules=rules,
        worst=worst,
        rule_info=infos,
    )


# -- JSON back to the result types ---------------------------------------------------------------


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (value or ()))


def _evidence_value(value: Any) -> EvidenceValue:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _plain_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_plain_value(v) for v in value)
    return value


def _make(cls: type[T], data: Mapping[str, Any], *, renames: Mapping[str, str] | None = None, **overrides: Any) -> T:
    """An instance of the frozen dataclass ``cls`` from its JSON object: known fields only, lists as tuples.

    Fields the JSON does not carry keep their defaults, and JSON keys the dataclass does not know are ignored,
    so stored runs stay readable when the engine adds fields.
    """
    renames = renames or {}
    values: dict[str, Any] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        if item.name in overrides:
            values[item.name] = overrides[item.name]
            continue
        key = renames.get(item.name, item.name)
        if key in data:
            values[item.name] = _plain_value(data[key])
    return cls(**values)


def _deductions(items: Any) -> tuple[Deduction, ...]:
    return tuple(_make(Deduction, d) for d in items or ())


def _entries(items: Any) -> tuple[ScoreEntry, ...]:
    return tuple(_make(ScoreEntry, e, deductions=_deductions(e.get("deductions"))) for e in items or ())


def result_from_json(doc: Mapping[str, Any]) -> AssessmentResult:
    """Rebuild an ``AssessmentResult`` from the engine's documented JSON (``to_json_dict``).

    Used to render a report of a stored run exactly as it was recorded (``AssessmentRun.result``).
    """
    findings = tuple(
        _make(
            Finding,
            f,
            evidence=tuple((str(k), _evidence_value(v)) for k, v in (f.get("evidence") or {}).items()),
            mitigated_by=_tuple(f.get("mitigated_by")),
            elements=_tuple(f.get("elements")),
            title=str(f.get("title") or f["rule"]),
            tenet=int(f.get("tenet") or 0),
        )
        for f in doc.get("findings", ())
    )
    paths = tuple(_make(AttackPath, p) for p in doc.get("attack_paths", ()))
    blast = tuple(_make(BlastRadius, b) for b in doc.get("blast_radius", ()))
    rules = tuple(_make(RuleOutcome, r, renames={"rule": "id"}) for r in doc.get("rules", ()))
    scores_doc = doc.get("scores") or {}
    scores = _make(
        ScoreBreakdown,
        scores_doc,
        principles=_entries(scores_doc.get("principles")),
        pillars=_entries(scores_doc.get("pillars")),
        rules=rules,
        deductions=_deductions(scores_doc.get("deductions")),
    )
    plan = tuple(_make(PlanStep, step) for step in doc.get("plan", ()))
    model = doc.get("model") or {}
    rules_run = tuple(str(r) for r in doc.get("rules_run", ())) or tuple(r.rule for r in rules)
    return AssessmentResult(
        model=str(model.get("name", "")),
        revision=int(model.get("revision", 0)),
        findings=findings,
        attack_paths=paths,
        blast_radius=blast,
        scores=scores,
        plan=plan,
        rules_run=rules_run,
    )


__all__ = [
    "PILLARS",
    "PRINCIPLES",
    "AcceptedRisk",
    "ElementRef",
    "FindingView",
    "HistoryPoint",
    "PathView",
    "PlanView",
    "ReportModel",
    "RuleGroup",
    "RuleInfo",
    "RuleRow",
    "SeverityGroup",
    "TriageDecision",
    "build_report_model",
    "element_ref",
    "result_from_json",
    "rule_infos",
]
