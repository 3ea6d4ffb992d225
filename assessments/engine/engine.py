"""The engine facade: full assessment, incremental re-check, result assembly."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

from assessments.engine.custom import PRINCIPLE_PILLAR, SEVERITY_PAIRS, CustomRuleSpec, make_check
from assessments.engine.evaluate import (
    OPEN,
    Check,
    EvalState,
    Evaluator,
    RuleSpec,
    builtin_specs,
    evaluate_full,
    finding_key,
)
from assessments.engine.incremental import reevaluate
from assessments.engine.paths import attack_paths, blast_radius
from assessments.engine.plan import MAX_CANDIDATES, build_plan
from assessments.engine.registry import SCOPE_COLLECTION
from assessments.engine.results import SEVERITY_RANK, AssessmentResult, Finding, ScoreBreakdown, severity_counts
from assessments.engine.scoring import compute_scores, overall_score
from assessments.engine.severity import SEVERITY_POINTS
from threatmodel.domain import Snapshot


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: an analysis allocates many small acyclic objects, and generational
    collections triggered by them cost more than the analysis itself on large models."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                # Re-enabling would make the next allocation collect the young generation, i.e. traverse every
                # container the analysis allocated (≈0.5 s at 10k components) although they are acyclic and
                # freed by reference counting. Move them to the oldest generation instead (two O(1) list
                # splices): they are examined by the next full collection like any long-lived object.
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def custom_spec(rule: CustomRuleSpec) -> RuleSpec:
    likelihood, impact = SEVERITY_PAIRS[rule.severity]
    principle = rule.principle if rule.principle in PRINCIPLE_PILLAR else "zero-trust"
    pillar, function = PRINCIPLE_PILLAR[principle]
    return RuleSpec(
        id=rule.rule_id, title=rule.title, family="custom", scope=rule.kind if rule.kind in SCOPE_COLLECTION else
        "component", principle=principle, pillar=pillar, function=function, stride="elevation-of-privilege",
        cwe="CWE-1008", asvs="", tenet=0, severity=rule.severity, likelihood=likelihood, impact=impact,
        data_impact=False, remediation=rule.remediation or rule.title, mitigated_by=frozenset(),
        supersedes=frozenset(), fix_action="", fix_title="", check=make_check(rule), kinds=None,
        points=SEVERITY_POINTS[rule.severity], custom=True)


@dataclass(frozen=True, slots=True)
class FindingDelta:
    """What one edit changed: findings that appeared, disappeared or changed, and the overall score."""

    added: tuple[Finding, ...]
    removed: tuple[Finding, ...]
    changed: tuple[Finding, ...]
    score_before: float
    score_after: float


def _element_findings(evaluation: EvalState, ids: Iterable[str] | None) -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    if ids is None:
        checks: Iterable[Check] = evaluation.checks()
    else:
        checks = [c for i in ids if i in evaluation.elements for c in evaluation.elements[i].checks]
        checks += [c for results in evaluation.model.values() for r in results for c in r.checks]
    for check in checks:
        if check.finding is not None:
            out[check.finding.id] = check.finding
    return out


@dataclass
class AssessmentState:
    """An evaluated snapshot: findings and scores now; paths, blast radius and plan on demand."""

    evaluation: EvalState
    engine: Engine
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def snapshot(self) -> Snapshot:
        return self.evaluation.snapshot

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(self.evaluation.findings())

    @property
    def overall(self) -> float:
        return overall_score(self.evaluation.totals)

    def scores(self, *, explain: bool = True) -> ScoreBreakdown:
        return compute_scores(self.evaluation, explain=explain)

    def result(self) -> AssessmentResult:
        return self.engine.result(self)

    def delta(self, previous: AssessmentState) -> FindingDelta:
        """Findings added / removed / changed since ``previous`` (cheap after ``Engine.reassess``)."""
        touched = self.evaluation.touched
        before = _element_findings(previous.evaluation, touched)
        after = _element_findings(self.evaluation, touched)
        key = finding_key
        return FindingDelta(
            added=tuple(sorted((f for i, f in after.items() if i not in before), key=key)),
            removed=tuple(sorted((f for i, f in before.items() if i not in after), key=key)),
            changed=tuple(sorted((f for i, f in after.items() if i in before and before[i] != f), key=key)),
            score_before=previous.overall, score_after=self.overall)


class Engine:
    """A configured rule set. ``assess`` runs everything; ``reassess`` re-checks an edited snapshot."""

    def __init__(self, *, rules: Iterable[str] | None = None, custom_rules: Iterable[CustomRuleSpec] = (),
                 disabled: Iterable[str] = (), plan: bool = True, max_plan_candidates: int = MAX_CANDIDATES) -> None:
        disabled = frozenset(disabled)
        specs = list(builtin_specs(rules, disabled))
        for custom in custom_rules:
            spec = custom_spec(custom)
            if spec.id in disabled:
                continue
            if any(s.id == spec.id for s in specs):
                raise ValueError(f"duplicate rule id {spec.id!r}")
            specs.append(spec)
        self.evaluator = Evaluator(specs)
        self.plan_enabled = plan
        self.max_plan_candidates = max_plan_candidates

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(self.evaluator.specs)

    def evaluate(self, snapshot: Snapshot) -> AssessmentState:
        start = time.perf_counter()
        with _gc_paused():
            state = evaluate_full(snapshot, self.evaluator)
        return AssessmentState(state, self, {"rules": time.perf_counter() - start})

    def reassess(self, previous: AssessmentState, snapshot: Snapshot) -> AssessmentState:
        """Incremental re-check: only elements whose inputs changed are evaluated again (docs/scoring.md)."""
        if previous.engine is not self:
            raise ValueError("reassess needs a state produced by the same engine")
        start = time.perf_counter()
        with _gc_paused():
            state = reevaluate(previous.evaluation, snapshot)
        return AssessmentState(state, self, {"rules": time.perf_counter() - start})

    def assess(self, snapshot: Snapshot) -> AssessmentResult:
        with _gc_paused():
            return self.result(self.evaluate(snapshot))

    def result(self, state: AssessmentState) -> AssessmentResult:
        with _gc_paused():
            return self._result(state)

    def _result(self, state: AssessmentState) -> AssessmentResult:
        evaluation = state.evaluation
        timings = dict(state.timings)
        start = time.perf_counter()
        rank = SEVERITY_RANK
        # (finding_key, finding, check): sorted on the key alone (ids are unique, so keys never tie)
        keyed = [((rank[f.severity], f.rule, f.id), f, c) for c in evaluation.checks() if (f := c.finding) is not None]
        keyed.sort(key=itemgetter(0))
        findings = tuple([item[1] for item in keyed])
        open_items = [(f, c.rule, c.weight) for _key, f, c in keyed if c.state == OPEN]
        scores = compute_scores(evaluation, open_items=open_items)
        timings["scores"] = time.perf_counter() - start
        start = time.perf_counter()
        weaknesses: dict[str, list[str]] = {}
        for finding, _rule, _weight in open_items:
            if finding.elements:
                weaknesses.setdefault(finding.elements[0], []).append(finding.id)
        paths = attack_paths(evaluation.ctx, weaknesses)  # lists are in finding order already
        timings["attack_paths"] = time.perf_counter() - start
        start = time.perf_counter()
        radius = blast_radius(evaluation.ctx)
        timings["blast_radius"] = time.perf_counter() - start
        start = time.perf_counter()
        plan = build_plan(evaluation, max_candidates=self.max_plan_candidates,
                          open_items=open_items) if self.plan_enabled else ()
        timings["plan"] = time.perf_counter() - start
        by_severity = severity_counts(())  # every severity at 0; open findings = the non-mitigated ones
        for finding, _rule, _weight in open_items:
            by_severity[finding.severity] += 1
        stats = {
            "by_severity": by_severity,
            "findings": len(findings),
            "mitigated": len(findings) - len(open_items),
            "elements_evaluated": evaluation.reevaluated,
            "elapsed": timings,
        }
        snapshot = evaluation.snapshot
        return AssessmentResult(model=snapshot.info.name, revision=snapshot.revision, findings=findings,
                                attack_paths=paths, blast_radius=radius, scores=scores, plan=plan,
                                rules_run=self.rule_ids, stats=stats)


def assess(snapshot: Snapshot, *, rules: Iterable[str] | None = None, custom_rules: Iterable[CustomRuleSpec] = (),
           disabled: Iterable[str] = ()) -> AssessmentResult:
    """Run every enabled rule (all built-in rules unless ``rules`` is given), attack paths, blast radius,
    posture score and remediation plan over ``snapshot``."""
    return Engine(rules=rules, custom_rules=custom_rules, disabled=disabled).assess(snapshot)
