"""Explainable posture score (formula in docs/scoring.md).

A *check* is one rule applied to one element; its weight is ``points(rule base severity) x element factor``
(element factor 1, 1.5 or 2 by the most sensitive data the element handles; integers in halves). An open
finding costs its check's full weight; mitigated and superseded (folded) checks cost nothing.

    score(set of rules) = 100 x (1 - open weight / applicable weight)      (100 when nothing applies)

Overall uses every enabled rule, a principle its rules, a ZTMM pillar its rules. Each open finding's deduction
is ``100 x weight / applicable weight`` of the entry, so the deductions of an entry add up to ``100 - score``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assessments.engine.evaluate import OPEN, Check, EvalState, RuleSpec
from assessments.engine.fastbuild import make_deductions
from assessments.engine.results import Deduction, Finding, RuleOutcome, ScoreBreakdown, ScoreEntry
from assessments.engine.severity import ELEMENT_FACTOR_HALVES
from threatmodel.vocabulary import PILLARS, PRINCIPLES, SEVERITY_RANK

#: Maturity thresholds: (stage, minimum score, worst open severity allowed). First match wins.
STAGE_THRESHOLDS: tuple[tuple[str, float, str], ...] = (
    ("optimal", 90.0, "medium"),
    ("advanced", 75.0, "high"),
    ("initial", 50.0, "critical"),
)


def stage_for(score: float, worst_open: str | None) -> str:
    """ZTMM maturity stage from a score and the most severe open finding of the entry."""
    worst_rank = SEVERITY_RANK[worst_open] if worst_open else len(SEVERITY_RANK)
    for stage, minimum, allowed in STAGE_THRESHOLDS:
        if score >= minimum and worst_rank >= SEVERITY_RANK[allowed]:
            return stage
    return "traditional"


def _score(open_weight: int, applicable_weight: int) -> float:
    if applicable_weight <= 0:
        return 100.0
    return round(100.0 * (1.0 - open_weight / applicable_weight), 1)


def overall_score(totals: Mapping[str, list[int]]) -> float:
    """Overall score straight from the rule totals, rounded to one decimal."""
    return round(raw_overall_score(totals), 1)


def raw_overall_score(totals: Mapping[str, list[int]]) -> float:
    """Unrounded overall score (plan steps are measured with it, so small gains on big models still count)."""
    applicable = sum(row[1] for row in totals.values())
    failed = sum(row[3] for row in totals.values())
    return 100.0 if applicable <= 0 else 100.0 * (1.0 - failed / applicable)


def compute_scores(
    state: EvalState, *, explain: bool = True, open_items: list[tuple[Finding, str, int]] | None = None
) -> ScoreBreakdown:
    """The score breakdown. ``open_items``: the open (finding, rule, weight) triples already sorted by finding
    order, when the caller has them (saves a pass and a sort)."""
    specs = state.evaluator.specs
    totals = state.totals
    if open_items is None:
        open_items = [
            (c.finding, c.rule, c.weight) for c in state.checks() if c.state == OPEN and c.finding is not None
        ]
        open_items.sort(key=lambda item: item[0].sort_key)
    open_checks = open_items
    groups: dict[str, dict[str, list[str]]] = {"principle": {}, "pillar": {}}
    for spec in specs.values():
        groups["principle"].setdefault(spec.meta.principle, []).append(spec.id)
        groups["pillar"].setdefault(spec.meta.pillar, []).append(spec.id)

    bucket: dict[tuple[str, str], list[tuple[Finding, str, int]]] = {}
    lists_of_rule: dict[str, tuple[list[tuple[Finding, str, int]], list[tuple[Finding, str, int]]]] = {}
    for rule_id, spec in specs.items():
        lists_of_rule[rule_id] = (
            bucket.setdefault(("principle", spec.meta.principle), []),
            bucket.setdefault(("pillar", spec.meta.pillar), []),
        )
    for item in open_checks:
        by_principle, by_pillar = lists_of_rule[item[1]]
        by_principle.append(item)
        by_pillar.append(item)

    def entry(key: str, name: str, rule_ids: list[str], mine: list[tuple[Finding, str, int]]) -> ScoreEntry:
        applicable = sum(totals[r][1] for r in rule_ids)
        failed = sum(totals[r][3] for r in rule_ids)
        score = _score(failed, applicable)
        worst = mine[0][0].severity if mine else None
        deductions: tuple[Deduction, ...] = ()
        if explain and applicable:
            deductions = make_deductions(mine, 100.0 / applicable)
        return ScoreEntry(
            key=key,
            name=name,
            score=score,
            stage=stage_for(score, worst),
            applicable=sum(totals[r][0] for r in rule_ids),
            failed=sum(totals[r][2] for r in rule_ids),
            deductions=deductions,
        )

    principles = tuple(
        entry(k, n, groups["principle"][k], bucket.get(("principle", k), []))
        for k, n in PRINCIPLES.items()
        if k in groups["principle"]
    )
    pillars = tuple(
        entry(k, n, groups["pillar"][k], bucket.get(("pillar", k), []))
        for k, n in PILLARS.items()
        if k in groups["pillar"]
    )
    overall = entry("overall", "Overall", list(specs), open_checks)
    return ScoreBreakdown(
        overall=overall.score,
        stage=overall.stage,
        principles=principles,
        pillars=pillars,
        rules=rule_outcomes(specs, totals),
        deductions=overall.deductions,
    )


def rule_outcomes(specs: Mapping[str, RuleSpec], totals: Mapping[str, list[int]]) -> tuple[RuleOutcome, ...]:
    out: list[RuleOutcome] = []
    for rule_id, spec in specs.items():
        row = totals.get(rule_id, [0, 0, 0, 0, 0, 0])
        meta = spec.meta
        out.append(
            RuleOutcome(
                rule=rule_id,
                title=meta.title,
                family=meta.family,
                principle=meta.principle,
                pillar=meta.pillar,
                severity=meta.severity,
                weight=float(spec.points * ELEMENT_FACTOR_HALVES[0]) / 2.0,
                applicable=row[0],
                failed=row[2],
                mitigated=row[4],
                folded=row[5],
            )
        )
    return tuple(out)


def weights_by_finding(checks: Iterable[Check]) -> dict[str, int]:
    return {c.finding.id: c.weight for c in checks if c.finding is not None and c.state == OPEN}
