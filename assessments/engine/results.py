"""Result types of the analysis engine (pure, frozen, JSON-ready).

Report writers, the REST API and the CLI are coded against these dataclasses and against their JSON form
(``assessments.engine.codec``, documented in ``docs/assessment-json.md`` and validated by
``docs/schema/assessment.schema.json``). Everything here is deterministic: collections are tuples in a
documented order. The vocabularies (severities, principles, pillars, stages) are ``threatmodel.vocabulary``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatmodel.vocabulary import SEVERITIES, SEVERITY_RANK

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
    """Points lost in one score entry because of one finding (docs/scoring.md §3).

    ``points`` is the total; ``cap`` and ``floor`` are the parts of it due to the worst-finding cap and to the
    weakest-pillar floor (the rest is the finding's share of the risk deduction)."""

    finding: str
    rule: str
    elements: tuple[str, ...]
    points: float
    cap: float = 0.0
    floor: float = 0.0


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    """The score of one principle or one ZTMM pillar."""

    key: str
    name: str
    score: float  # 0..100, one decimal
    stage: str  # maturity stage (one of MATURITY_STAGES), the one of ``grade``
    applicable: int  # rule-element checks counted in this entry
    failed: int  # open (unmitigated) findings counted in this entry
    deductions: tuple[Deduction, ...] = ()
    grade: str | None = None  # A-F from ``score``; None when the model is not assessed (not enough detail)
    cap: float | None = None  # the ceiling set by the worst open finding (None: no cap applies)
    worst: str | None = None  # severity of the worst open finding of the entry


@dataclass(frozen=True, slots=True)
class CoverageItem:
    """One kind of detail the engine needs, and how much of the model states it."""

    key: str
    name: str
    covered: int
    total: int
    hint: str  # what to add to the model
    missing: tuple[str, ...] = ()  # ids of (up to 10) elements that lack it

    @property
    def ratio(self) -> float:
        return self.covered / self.total if self.total else 1.0


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the system the model lets the engine judge (docs/scoring.md §4)."""

    ratio: float  # covered / total over every item, 0..1 (0 for an empty model)
    covered: int
    total: int
    threshold: float  # below it the model gets no grade
    items: tuple[CoverageItem, ...] = ()


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
    grade: str | None = None  # A-F; None = "not enough detail to assess" (see ``coverage``)
    assessed: bool = True  # False: the model is empty or under the coverage threshold (no grade, no stage)
    coverage: Coverage | None = None
    verdict: str = ""  # one sentence: the grade and stage, or what the model lacks to be assessed
    cap: float | None = None  # the ceiling set by the worst open finding (None: no cap applies)
    worst: str | None = None  # severity of the worst open finding
    weakest_pillar: str = ""  # key of the pillar whose floor holds the overall down ("" = the floor did not bind)


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


def fingerprint(rule: str, *elements: str) -> str:
    """Threagile-style stable finding id: ``rule@elem1@elem2``."""
    return "@".join((rule, *elements))


def severity_counts(findings: tuple[Finding, ...] | list[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for item in findings:
        if not item.mitigated:
            counts[item.severity] = counts.get(item.severity, 0) + 1
    return counts
