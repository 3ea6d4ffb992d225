"""Result types of the analysis engine (pure, frozen, JSON-ready).

Report writers, the REST API and the CLI are coded against these dataclasses and against the JSON
produced by :func:`to_json_dict` (documented in ``docs/assessment-json.md`` and validated by
``docs/schema/assessment.schema.json``). Everything here is deterministic: collections are tuples in
a documented order, and the JSON form carries no timing information, so the same snapshot always
serialises to the same bytes with ``json.dumps(..., sort_keys=True)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, make_dataclass
from typing import Any

#: Severities, most severe first. ``SEVERITY_RANK`` orders findings (0 = most severe).
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}
#: Likelihood and impact scales (Threagile style), weights 1..4.
LIKELIHOODS: tuple[str, ...] = ("unlikely", "likely", "very-likely", "frequent")
IMPACTS: tuple[str, ...] = ("low", "medium", "high", "very-high")

#: The six principles of the posture score.
PRINCIPLES: dict[str, str] = {
    "zero-trust": "Zero trust",
    "least-privilege": "Least privilege",
    "encryption": "Encryption and secrets",
    "segmentation": "Segmentation and exposure",
    "data-protection": "Data protection",
    "visibility": "Visibility",
}
#: CISA Zero Trust Maturity Model v2.0: five pillars and three cross-cutting capabilities.
PILLARS: dict[str, str] = {
    "identity": "Identity",
    "devices": "Devices",
    "networks": "Networks",
    "applications-and-workloads": "Applications & Workloads",
    "data": "Data",
    "visibility-and-analytics": "Visibility & Analytics",
    "automation-and-orchestration": "Automation & Orchestration",
    "governance": "Governance",
}
#: ZTMM maturity stages, least mature first.
MATURITY_STAGES: tuple[str, ...] = ("traditional", "initial", "advanced", "optimal")

#: An evidence value: plain JSON scalars or a tuple of strings (ids, a path).
EvidenceValue = str | int | float | bool | None | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule firing on one set of elements.

    ``id`` is the Threagile-style fingerprint ``rule@elem1@elem2`` (primary element first): it depends only
    on the rule and the element ids, so triage carried by fingerprint survives later revisions.
    A finding with a non-empty ``mitigated_by`` is *mitigated*: it is listed but costs no score.
    """

    id: str
    rule: str
    title: str
    severity: str
    likelihood: str
    impact: str
    principle: str
    pillar: str
    function: str
    stride: str
    cwe: str
    elements: tuple[str, ...]
    evidence: tuple[tuple[str, EvidenceValue], ...]
    remediation: str
    mitigated_by: tuple[str, ...] = ()
    asvs: str = ""
    tenet: int = 0
    family: str = ""

    @property
    def mitigated(self) -> bool:
        return bool(self.mitigated_by)

    @property
    def primary(self) -> str:
        return self.elements[0] if self.elements else ""

    @property
    def evidence_map(self) -> dict[str, EvidenceValue]:
        return dict(self.evidence)

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (SEVERITY_RANK.get(self.severity, len(SEVERITIES)), self.rule, self.id)


@dataclass(frozen=True, slots=True)
class AttackPath:
    """A cheapest route from an entry point to a crown jewel (components storing sensitive data)."""

    id: str
    entry: str
    target: str
    hops: tuple[str, ...]  # component ids, entry first, target last
    flows: tuple[str, ...]  # flow ids between consecutive hops
    cost: float
    data_at_risk: tuple[str, ...]  # sensitive data asset ids stored on the target
    weaknesses: tuple[str, ...]  # ids of open findings on the path's components and flows
    rank: int = 1  # 1 = cheapest path to this target


@dataclass(frozen=True, slots=True)
class BlastRadius:
    """What an attacker controlling ``component`` can reach by following flows."""

    component: str
    data_assets: tuple[str, ...]  # sensitive data assets stored or processed by reachable components
    components: tuple[str, ...]  # reachable components storing sensitive data
    reachable: int  # number of components reachable (excluding itself)
    truncated: bool = False  # reachability capped (see docs/scoring.md)


@dataclass(frozen=True, slots=True)
class Deduction:
    """Points lost in one score entry because of one finding."""

    finding: str
    rule: str
    elements: tuple[str, ...]
    points: float


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    """The score of one principle or one ZTMM pillar."""

    key: str
    name: str
    score: float  # 0..100, one decimal
    stage: str  # maturity stage (one of MATURITY_STAGES)
    applicable: int  # rule-element checks counted in this entry
    failed: int  # open (unmitigated) findings counted in this entry
    deductions: tuple[Deduction, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """Kubescape-style compliance of one rule: applicable elements vs open findings."""

    rule: str
    title: str
    family: str
    principle: str
    pillar: str
    severity: str
    weight: float
    applicable: int
    failed: int
    mitigated: int
    folded: int = 0  # fired but superseded by a stronger finding on the same element (costs nothing)

    @property
    def passed(self) -> int:
        return max(self.applicable - self.failed - self.mitigated - self.folded, 0)

    @property
    def compliance(self) -> float:
        """Share of applicable checks that are not open findings (1.0 when nothing is applicable)."""
        if self.applicable <= 0:
            return 1.0
        return max(0.0, 1.0 - self.failed / self.applicable)


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    overall: float
    stage: str
    principles: tuple[ScoreEntry, ...]
    pillars: tuple[ScoreEntry, ...]
    rules: tuple[RuleOutcome, ...] = ()
    deductions: tuple[Deduction, ...] = ()  # overall points lost per finding (sum = 100 - overall)


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One grouped fix with its measured effect on the overall score."""

    id: str
    title: str
    rule: str
    action: str  # id of a registered model transformation (see assessments.engine.plan)
    elements: tuple[str, ...]
    findings: tuple[str, ...]
    score_before: float
    score_after: float
    gain: float
    group: str = ""  # boundary / namespace id the fix is grouped by ("" = model-wide)


@dataclass(frozen=True, slots=True)
class AssessmentResult:
    model: str
    revision: int
    findings: tuple[Finding, ...]
    attack_paths: tuple[AttackPath, ...]
    blast_radius: tuple[BlastRadius, ...]
    scores: ScoreBreakdown
    plan: tuple[PlanStep, ...]
    rules_run: tuple[str, ...]
    stats: Mapping[str, Any] = field(default_factory=dict)

    @property
    def open_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.mitigated)

    def finding(self, finding_id: str) -> Finding | None:
        for item in self.findings:
            if item.id == finding_id:
                return item
        return None


def builder(cls: type) -> type:
    """A mutable twin of the frozen slotted dataclass ``cls`` (same fields, same slot layout).

    Frozen dataclasses set each field with ``object.__setattr__``, which costs ~10x a plain slot store; the
    engine builds ~70k findings and ~200k deductions on a 10k-component model. Hot paths build the twin with
    positional arguments and then set ``__class__`` to ``cls``: the object *is* a ``cls`` instance from then
    on (same type, equality, hash, repr, pickling), built about 3x faster."""
    twin = make_dataclass(
        f"_{cls.__name__}Builder", [(f.name, f.type) for f in fields(cls)], slots=True, repr=False, eq=False
    )
    if twin.__slots__ != cls.__slots__:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: slot layout differs from its builder")
    return twin


def fingerprint(rule: str, *elements: str) -> str:
    """Threagile-style stable finding id: ``rule@elem1@elem2``."""
    return "@".join((rule, *elements))


def severity_counts(findings: tuple[Finding, ...] | list[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for item in findings:
        if not item.mitigated:
            counts[item.severity] = counts.get(item.severity, 0) + 1
    return counts


# -- JSON ---------------------------------------------------------------------------------------

#: Version of the JSON document produced by :func:`to_json_dict`.
JSON_FORMAT_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    return value


def finding_to_dict(item: Finding) -> dict[str, Any]:
    return {
        "id": item.id,
        "rule": item.rule,
        "title": item.title,
        "severity": item.severity,
        "likelihood": item.likelihood,
        "impact": item.impact,
        "family": item.family,
        "principle": item.principle,
        "pillar": item.pillar,
        "function": item.function,
        "stride": item.stride,
        "cwe": item.cwe,
        "asvs": item.asvs,
        "tenet": item.tenet,
        "elements": list(item.elements),
        "evidence": {key: _plain(value) for key, value in item.evidence},
        "remediation": item.remediation,
        "mitigated": item.mitigated,
        "mitigated_by": list(item.mitigated_by),
    }


def _deduction(item: Deduction) -> dict[str, Any]:
    return {
        "finding": item.finding,
        "rule": item.rule,
        "elements": list(item.elements),
        "points": round(item.points, 3),
    }


def _entry(item: ScoreEntry) -> dict[str, Any]:
    return {
        "key": item.key,
        "name": item.name,
        "score": item.score,
        "stage": item.stage,
        "applicable": item.applicable,
        "failed": item.failed,
        "deductions": [_deduction(d) for d in item.deductions],
    }


def _rule_outcome(item: RuleOutcome) -> dict[str, Any]:
    return {
        "id": item.rule,
        "title": item.title,
        "family": item.family,
        "principle": item.principle,
        "pillar": item.pillar,
        "severity": item.severity,
        "weight": item.weight,
        "applicable": item.applicable,
        "failed": item.failed,
        "mitigated": item.mitigated,
        "folded": item.folded,
        "passed": item.passed,
        "compliance": round(item.compliance * 100, 1),
    }


def to_json_dict(result: AssessmentResult) -> dict[str, Any]:
    """The documented JSON form (``docs/assessment-json.md``). Deterministic: no timings."""
    counts = severity_counts(result.findings)
    return {
        "format": JSON_FORMAT_VERSION,
        "model": {"name": result.model, "revision": result.revision},
        "summary": {
            "findings": len(result.findings),
            "open": sum(1 for f in result.findings if not f.mitigated),
            "mitigated": sum(1 for f in result.findings if f.mitigated),
            "by_severity": counts,
            "attack_paths": len(result.attack_paths),
        },
        "findings": [finding_to_dict(f) for f in result.findings],
        "attack_paths": [
            {
                "id": p.id,
                "entry": p.entry,
                "target": p.target,
                "rank": p.rank,
                "hops": list(p.hops),
                "flows": list(p.flows),
                "cost": round(p.cost, 3),
                "data_at_risk": list(p.data_at_risk),
                "weaknesses": list(p.weaknesses),
            }
            for p in result.attack_paths
        ],
        "blast_radius": [
            {
                "component": b.component,
                "data_assets": list(b.data_assets),
                "components": list(b.components),
                "reachable": b.reachable,
                "truncated": b.truncated,
            }
            for b in result.blast_radius
        ],
        "scores": {
            "overall": result.scores.overall,
            "stage": result.scores.stage,
            "principles": [_entry(e) for e in result.scores.principles],
            "pillars": [_entry(e) for e in result.scores.pillars],
            "deductions": [_deduction(d) for d in result.scores.deductions],
        },
        "plan": [
            {
                "id": s.id,
                "title": s.title,
                "rule": s.rule,
                "action": s.action,
                "group": s.group,
                "elements": list(s.elements),
                "findings": list(s.findings),
                "score_before": s.score_before,
                "score_after": s.score_after,
                "gain": s.gain,
            }
            for s in result.plan
        ],
        "rules": [_rule_outcome(r) for r in result.scores.rules],
    }


#: Fast builders (see :func:`builder`); positional arguments in field order.
FindingBuilder = builder(Finding)
DeductionBuilder = builder(Deduction)
BlastRadiusBuilder = builder(BlastRadius)
