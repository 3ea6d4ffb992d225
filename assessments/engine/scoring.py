"""Posture score: a risk number, a letter grade and a ZTMM stage that agree, every point traced to findings.

Formula and reasons in docs/scoring.md §3-4. For one entry (overall, a principle, a ZTMM pillar) over its rules:

    share  = open weight / applicable weight                   (check weights: severity points x element factor)
    risk   = 100 x exp(-share / RISK_SCALE)                     (steep: a few serious checks matter)
    capped = risk x cap / 100, cap by the worst open finding    (open critical: <= 39, open high: <= 74)
    overall = min(capped, (capped + weakest pillar + PILLAR_MARGIN) / 2)     (a broken pillar pulls it down)

Both the cap and the floor scale rather than clip, so that every further finding still lowers the score.

Deductions: ``100 - risk`` is shared by the open findings in proportion to their weights; ``risk - capped`` by
the open findings of the worst severity; the floor by the open findings of the weakest pillar, so the deductions
of an entry add up to ``100 - score``. The score depends only on the rule totals (integers kept exact by the
incremental re-check), so incremental and full analyses give the same number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assessments.engine.coverage import assessable, model_coverage, what_to_add
from assessments.engine.evaluate import OPEN, Check, EvalState, RuleSpec
from assessments.engine.fastbuild import make_deductions
from assessments.engine.manual import MANUAL_META
from assessments.engine.manual import open_items as manual_open_items
from assessments.engine.results import Deduction, Finding, RuleOutcome, ScoreBreakdown, ScoreEntry
from assessments.engine.severity import ELEMENT_FACTOR_HALVES
from threatmodel.vocabulary import GRADE_STAGE, MANUAL_THREAT_RULE, PILLARS, PRINCIPLES, SEVERITIES, MaturityStage

#: Open share of the applicable weight at which the risk part is 100 / e (about 36.8).
RISK_SCALE = 0.3
#: Highest score allowed while a finding of this severity is open (better-threagile caps at F on open highs).
SEVERITY_CAPS: dict[str, float] = {"critical": 39.0, "high": 74.0}
#: When the overall is above the weakest pillar's score plus this margin, it is pulled halfway down to it.
PILLAR_MARGIN = 10.0
#: Letter grade thresholds (minimum rounded score), best first; the stage of a grade is ``GRADE_STAGE``.
GRADE_THRESHOLDS: tuple[tuple[str, float], ...] = (("A", 90.0), ("B", 75.0), ("C", 60.0), ("D", 40.0), ("F", 0.0))

#: Column of the totals row holding the open count of severity ``SEVERITIES[i]`` (see evaluate.Totals).
_SEVERITY_COLUMN = 6


def grade_for(score: float) -> str:
    """Letter grade of a (rounded) score."""
    for grade, minimum in GRADE_THRESHOLDS:
        if score >= minimum:
            return grade
    return GRADE_THRESHOLDS[-1][0]


def stage_for(score: float) -> str:
    """ZTMM maturity stage of a score: the stage of its grade (so the two always agree)."""
    return GRADE_STAGE[grade_for(score)]


@dataclass(frozen=True, slots=True)
class EntryRisk:
    """The unrounded parts of one entry's score."""

    applicable: int  # applicable weight
    open: int  # open weight
    worst: int  # rank of the worst open severity (len(SEVERITIES) when nothing is open)
    risk: float  # 100 x exp(-share / RISK_SCALE)
    capped: float  # risk x cap / 100

    @property
    def worst_severity(self) -> str | None:
        return SEVERITIES[self.worst] if self.worst < len(SEVERITIES) else None

    @property
    def cap(self) -> float | None:
        severity = self.worst_severity
        return SEVERITY_CAPS.get(severity) if severity else None


def _sums(totals: Mapping[str, list[int]], rule_ids: Iterable[str]) -> list[int]:
    """[applicable weight, open weight, open count per severity...] over ``rule_ids``."""
    sums = [0] * (2 + len(SEVERITIES))
    for rule in rule_ids:
        row = totals[rule]
        if row[1] or row[3]:
            sums[0] += row[1]
            sums[1] += row[3]
            for rank in range(len(SEVERITIES)):
                sums[2 + rank] += row[_SEVERITY_COLUMN + rank]
    return sums


def _risk_of(sums: list[int]) -> EntryRisk:
    applicable, open_weight = sums[0], sums[1]
    worst = next((rank for rank in range(len(SEVERITIES)) if sums[2 + rank] > 0), len(SEVERITIES))
    risk = 100.0 if applicable <= 0 or open_weight <= 0 else 100.0 * math.exp(-open_weight / applicable / RISK_SCALE)
    cap = SEVERITY_CAPS.get(SEVERITIES[worst], 100.0) if worst < len(SEVERITIES) else 100.0
    return EntryRisk(applicable, open_weight, worst, risk, risk * cap / 100.0)


def entry_risk(totals: Mapping[str, list[int]], rule_ids: Iterable[str]) -> EntryRisk:
    return _risk_of(_sums(totals, rule_ids))


def _manual_check(*_args: object) -> None:
    """Manual threats are not checked against elements: their findings come from ``engine.manual``."""


#: The spec the ``manual.threat`` totals row is scored under (its principle and pillar).
MANUAL_SPEC = RuleSpec(MANUAL_META, _manual_check)


def scored_specs(totals: Mapping[str, list[int]], specs: Mapping[str, RuleSpec]) -> Mapping[str, RuleSpec]:
    """The specs the score is computed over: the rules', plus the manual threats' when the model has some."""
    if MANUAL_THREAT_RULE in totals and MANUAL_THREAT_RULE not in specs:
        return {**specs, MANUAL_THREAT_RULE: MANUAL_SPEC}
    return specs


def _groups(specs: Mapping[str, RuleSpec], attribute: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for spec in specs.values():
        groups.setdefault(getattr(spec.meta, attribute), []).append(spec.id)
    return groups


def overall_parts(
    totals: Mapping[str, list[int]], specs: Mapping[str, RuleSpec]
) -> tuple[EntryRisk, float, str, dict[str, EntryRisk]]:
    """(overall risk parts, unrounded overall score, weakest pillar key if its floor binds else "", pillars)."""
    specs = scored_specs(totals, specs)
    pillar_sums = {key: _sums(totals, ids) for key, ids in _groups(specs, "pillar").items()}
    overall = _risk_of(
        [sum(column) for column in zip(*pillar_sums.values(), strict=True)]
        if pillar_sums
        else [0] * (2 + len(SEVERITIES))
    )
    pillars = {key: _risk_of(sums) for key, sums in pillar_sums.items()}
    final = overall.capped
    weakest = ""
    judged = [(risk.capped, key) for key, risk in pillars.items() if risk.applicable > 0]
    if judged:
        floor_score, floor_key = min(judged)
        if floor_score + PILLAR_MARGIN < final:
            final = (final + floor_score + PILLAR_MARGIN) / 2.0
            weakest = floor_key
    return overall, final, weakest, pillars


def raw_overall_score(totals: Mapping[str, list[int]], specs: Mapping[str, RuleSpec]) -> float:
    """Unrounded overall score (plan steps are measured with it, so small gains on big models still count)."""
    return overall_parts(totals, specs)[1]


def overall_score(totals: Mapping[str, list[int]], specs: Mapping[str, RuleSpec]) -> float:
    """Overall score straight from the rule totals, rounded to one decimal."""
    return round(raw_overall_score(totals, specs), 1)


Item = tuple[Finding, str, int]


def _explain(
    items: list[Item], parts: EntryRisk, floor: float = 0.0, floor_rules: frozenset[str] = frozenset()
) -> tuple[Deduction, ...]:
    """The deductions of one entry: risk by weight, cap among the worst findings, floor among a pillar's."""
    if not items:
        return ()
    worst = parts.worst_severity
    worst_weight = sum(w for f, _r, w in items if f.severity == worst)
    floor_weight = sum(w for _f, r, w in items if r in floor_rules) if floor > 0 else 0
    return make_deductions(
        items,
        (100.0 - parts.risk) / parts.open if parts.open else 0.0,
        worst,
        (parts.risk - parts.capped) / worst_weight if worst_weight else 0.0,
        floor_rules,
        floor / floor_weight if floor_weight else 0.0,
    )


def _entry(
    key: str,
    name: str,
    parts: EntryRisk,
    score: float,
    row: tuple[int, int],
    assessed: bool,
    deductions: tuple[Deduction, ...] = (),
) -> ScoreEntry:
    rounded = round(score, 1)
    return ScoreEntry(
        key=key,
        name=name,
        score=rounded,
        stage=stage_for(rounded) if assessed else MaturityStage.NOT_ASSESSED.value,
        applicable=row[0],
        failed=row[1],
        deductions=deductions,
        grade=grade_for(rounded) if assessed else None,
        cap=parts.cap,
        worst=parts.worst_severity,
    )


def compute_scores(state: EvalState, *, explain: bool = True, open_items: list[Item] | None = None) -> ScoreBreakdown:
    """The score breakdown. ``open_items``: the open (finding, rule, weight) triples already sorted by finding
    order, when the caller has them (saves a pass and a sort)."""
    totals = state.totals
    specs = scored_specs(totals, state.evaluator.specs)
    if open_items is None:
        open_items = [
            (c.finding, c.rule, c.weight) for c in state.checks() if c.state == OPEN and c.finding is not None
        ]
        open_items += manual_open_items(state.manual_findings)
        open_items.sort(key=lambda item: item[0].sort_key)
    coverage = model_coverage(state.snapshot)
    assessed = assessable(state.snapshot, coverage)
    by_principle = _groups(specs, "principle")
    by_pillar = _groups(specs, "pillar")
    mine: dict[tuple[str, str], list[Item]] = {}
    # per rule, the two lists its open items go to (one lookup per rule, not two dict probes per item)
    targets: dict[str, tuple[list[Item], list[Item]]] = {}
    for item in open_items:
        pair = targets.get(item[1])
        if pair is None:
            meta = specs[item[1]].meta
            pair = targets[item[1]] = (
                mine.setdefault(("principle", meta.principle), []),
                mine.setdefault(("pillar", meta.pillar), []),
            )
        pair[0].append(item)
        pair[1].append(item)

    def counts(rule_ids: list[str]) -> tuple[int, int]:
        return sum(totals[r][0] for r in rule_ids), sum(totals[r][2] for r in rule_ids)

    def group_entries(kind: str, names: Mapping[str, str], groups: dict[str, list[str]]) -> tuple[ScoreEntry, ...]:
        out = []
        for key, name in names.items():
            if key not in groups:
                continue
            parts = entry_risk(totals, groups[key])
            explained = _explain(mine.get((kind, key), []), parts) if explain else ()
            out.append(_entry(key, name, parts, parts.capped, counts(groups[key]), assessed, explained))
        return tuple(out)

    overall, final, weakest, _pillars = overall_parts(totals, specs)
    deductions: tuple[Deduction, ...] = ()
    if explain:
        floor_rules = frozenset(by_pillar.get(weakest, ())) if weakest else frozenset()
        deductions = _explain(open_items, overall, overall.capped - final, floor_rules)
    head = _entry("overall", "Overall", overall, final, counts(list(specs)), assessed)
    verdict = (
        f"Grade {head.grade} ({head.stage.capitalize()}): {head.score:.1f} / 100, coverage {coverage.ratio:.0%}."
        if assessed
        else what_to_add(state.snapshot, coverage)
    )
    return ScoreBreakdown(
        overall=head.score,
        stage=head.stage,
        principles=group_entries("principle", PRINCIPLES, by_principle),
        pillars=group_entries("pillar", PILLARS, by_pillar),
        rules=rule_outcomes(specs, totals),
        deductions=deductions,
        grade=head.grade,
        assessed=assessed,
        coverage=coverage,
        verdict=verdict,
        cap=overall.cap,
        worst=overall.worst_severity,
        weakest_pillar=weakest,
    )


def rule_outcomes(specs: Mapping[str, RuleSpec], totals: Mapping[str, list[int]]) -> tuple[RuleOutcome, ...]:
    out: list[RuleOutcome] = []
    for rule_id, spec in specs.items():
        row = totals.get(rule_id) or [0] * (_SEVERITY_COLUMN + len(SEVERITIES))
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
