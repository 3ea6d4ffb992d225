"""The engine facade: full assessment, incremental re-check, result assembly."""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from assessments.engine.custom import CustomRuleSpec, make_check
from assessments.engine.evaluate import (
    OPEN,
    Check,
    EvalState,
    Evaluator,
    RuleSpec,
    all_element_ids,
    builtin_specs,
    evaluate_elements,
    finding_key,
    state_from_elements,
)
from assessments.engine.fastbuild import blast_radius_from_rows
from assessments.engine.graph import ModelContext
from assessments.engine.incremental import reevaluate
from assessments.engine.manual import weight_of
from assessments.engine.parallel import ForkedJob, can_split, default_workers, evaluate_split
from assessments.engine.paths import Route, blast_radius, paths_from_routes, search_routes
from assessments.engine.plan import MAX_CANDIDATES, build_plan
from assessments.engine.results import AssessmentResult, BlastRadius, Finding, PlanStep, ScoreBreakdown, severity_counts
from assessments.engine.scoring import compute_scores, overall_score
from threatmodel.domain import Snapshot
from threatmodel.gcpause import gc_paused
from threatmodel.vocabulary import SEVERITY_RANK


def custom_spec(rule: CustomRuleSpec) -> RuleSpec:
    """The runnable spec of a team's custom rule (``CustomRuleError`` when the rule is invalid)."""
    check = make_check(rule)  # validates first, so an invalid severity is reported as such
    return RuleSpec(rule.meta(), check, custom=True)


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
    workers: int = 1  # processes that evaluated the rules (engine/parallel.py)

    @property
    def snapshot(self) -> Snapshot:
        return self.evaluation.snapshot

    @property
    def findings(self) -> tuple[Finding, ...]:
        found = self.evaluation.findings()
        if self.snapshot.threats:
            found = sorted([*found, *self.evaluation.manual_findings], key=lambda f: f.sort_key)
        return tuple(found)

    @property
    def overall(self) -> float:
        return overall_score(self.evaluation.totals, self.evaluation.evaluator.specs)

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
            score_before=previous.overall,
            score_after=self.overall,
        )


#: What the forked worker computes besides its share of the rules (parallel.py), as plain data: attack-path
#: routes, blast radius rows (``BlastRadius`` fields in order), and how long each took in the worker.
GraphResults = tuple[list[Route], list[tuple[Any, ...]], float, float]


def _graph_results(ctx: ModelContext) -> GraphResults:
    start = time.perf_counter()
    routes = search_routes(ctx)
    middle = time.perf_counter()
    radius = [_radius_row(item) for item in blast_radius(ctx)]
    return routes, radius, middle - start, time.perf_counter() - middle


def _radius_row(item: BlastRadius) -> tuple[Any, ...]:
    return (item.component, item.data_assets, item.components, item.reachable, item.truncated)


def _plan_rows(evaluation: EvalState, max_candidates: int) -> tuple[list[tuple[Any, ...]], float]:
    """The plan as plain rows (``PlanStep`` fields in order) and how long it took: the forked worker's job."""
    start = time.perf_counter()
    plan = build_plan(evaluation, max_candidates=max_candidates)
    return [tuple(getattr(step, name) for name in PlanStep.__slots__) for step in plan], time.perf_counter() - start


class Engine:
    """A configured rule set. ``assess`` runs everything; ``reassess`` re-checks an edited snapshot.

    ``workers``: processes a full analysis of a large model may use (engine/parallel.py); default 2 where the
    machine has a second CPU. 1 keeps everything in the calling process. ``min_parallel_elements``: the smallest
    model (in evaluated elements) worth a fork (default ``parallel.MIN_PARALLEL_ELEMENTS``)."""

    def __init__(
        self,
        *,
        rules: Iterable[str] | None = None,
        custom_rules: Iterable[CustomRuleSpec] = (),
        disabled: Iterable[str] = (),
        plan: bool = True,
        max_plan_candidates: int = MAX_CANDIDATES,
        workers: int | None = None,
        min_parallel_elements: int | None = None,
    ) -> None:
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
        self.workers = default_workers() if workers is None else max(1, workers)
        self.min_parallel_elements = min_parallel_elements

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(self.evaluator.specs)

    def evaluate(self, snapshot: Snapshot) -> AssessmentState:
        with gc_paused():
            state, _ = self._evaluate(snapshot, with_graph=False)
        return state

    def _evaluate(self, snapshot: Snapshot, *, with_graph: bool) -> tuple[AssessmentState, GraphResults | None]:
        """Every element-scope and model-scope rule; on a large model split with a forked worker, which also
        computes the graph results when ``with_graph`` (else they are None)."""
        start = time.perf_counter()
        ctx = ModelContext(snapshot)
        evaluator = self.evaluator
        ids = all_element_ids(snapshot, evaluator)
        graph: GraphResults | None = None
        workers = 1
        if can_split(len(ids), self.workers, self.min_parallel_elements):
            elements, graph = evaluate_split(
                ctx, evaluator, ids, side_job=(lambda: _graph_results(ctx)) if with_graph else None
            )
            workers = 2
        else:
            elements = evaluate_elements(ctx, evaluator, ids)
        evaluation = state_from_elements(snapshot, ctx, evaluator, elements, len(ids))
        return AssessmentState(evaluation, self, {"rules": time.perf_counter() - start}, workers), graph

    def reassess(self, previous: AssessmentState, snapshot: Snapshot) -> AssessmentState:
        """Incremental re-check: only elements whose inputs changed are evaluated again (docs/scoring.md)."""
        if previous.engine is not self:
            raise ValueError("reassess needs a state produced by the same engine")
        start = time.perf_counter()
        with gc_paused():
            state = reevaluate(previous.evaluation, snapshot)
        return AssessmentState(state, self, {"rules": time.perf_counter() - start})

    def assess(self, snapshot: Snapshot) -> AssessmentResult:
        with gc_paused():
            state, graph = self._evaluate(snapshot, with_graph=True)
            return self._result(state, graph)

    def result(self, state: AssessmentState) -> AssessmentResult:
        with gc_paused():
            return self._result(state)

    def _result(self, state: AssessmentState, graph: GraphResults | None = None) -> AssessmentResult:
        evaluation = state.evaluation
        timings = dict(state.timings)
        start = time.perf_counter()
        # the plan (a few re-evaluations) in a forked worker while this process sorts the findings and explains
        # the score (parallel.py); leaving the block early kills the worker
        split = can_split(evaluation.reevaluated, self.workers, self.min_parallel_elements)
        forked_plan = (
            ForkedJob(lambda: _plan_rows(evaluation, self.max_plan_candidates)) if self.plan_enabled and split else None
        )
        with forked_plan or nullcontext():
            rank = SEVERITY_RANK
            # (finding_key, finding, check): sorted on the key alone (ids are unique, so keys never tie)
            keyed = [
                ((rank[f.severity], f.rule, f.id), f, c.rule, c.weight if c.state == OPEN else None)
                for c in evaluation.checks()
                if (f := c.finding) is not None
            ]
            keyed += [  # the manual threats' findings (engine.manual), weighted like rule checks
                ((rank[f.severity], f.rule, f.id), f, f.rule, None if f.mitigated else weight_of(f.severity))
                for f in evaluation.manual_findings
            ]
            keyed.sort(key=itemgetter(0))
            findings = tuple([item[1] for item in keyed])
            open_items = [(f, rule, weight) for _key, f, rule, weight in keyed if weight is not None]
            scores = compute_scores(evaluation, open_items=open_items)
            timings["scores"] = time.perf_counter() - start
            start = time.perf_counter()
            weaknesses: dict[str, list[str]] = {}
            for finding, _rule, _weight in open_items:
                if finding.elements:
                    weaknesses.setdefault(finding.elements[0], []).append(finding.id)
            if graph is None:
                routes = search_routes(evaluation.ctx)
                paths = paths_from_routes(routes, weaknesses)  # lists are in finding order already
                timings["attack_paths"] = time.perf_counter() - start
                start = time.perf_counter()
                radius = blast_radius(evaluation.ctx)
                timings["blast_radius"] = time.perf_counter() - start
            else:  # computed by the forked worker while this process evaluated rules (times are the worker's)
                routes, rows, timings["attack_paths"], timings["blast_radius"] = graph
                paths = paths_from_routes(routes, weaknesses)
                radius = blast_radius_from_rows(rows)
            planned = forked_plan.join() if forked_plan is not None else None
        if planned is not None:
            plan: tuple[PlanStep, ...] = tuple(PlanStep(*row) for row in planned[0])
            timings["plan"] = planned[1]
        else:
            start = time.perf_counter()
            plan = build_plan(evaluation, max_candidates=self.max_plan_candidates) if self.plan_enabled else ()
            timings["plan"] = time.perf_counter() - start
        by_severity = severity_counts(())  # every severity at 0; open findings = the non-mitigated ones
        for finding, _rule, _weight in open_items:
            by_severity[finding.severity] += 1
        stats = {
            "by_severity": by_severity,
            "findings": len(findings),
            "mitigated": len(findings) - len(open_items),
            "elements_evaluated": evaluation.reevaluated,
            "workers": state.workers,
            "elapsed": timings,
        }
        snapshot = evaluation.snapshot
        return AssessmentResult(
            model=snapshot.info.name,
            revision=snapshot.revision,
            findings=findings,
            attack_paths=paths,
            blast_radius=radius,
            scores=scores,
            plan=plan,
            rules_run=self.rule_ids,
            stats=stats,
        )


def assess(
    snapshot: Snapshot,
    *,
    rules: Iterable[str] | None = None,
    custom_rules: Iterable[CustomRuleSpec] = (),
    disabled: Iterable[str] = (),
    workers: int | None = None,
    min_parallel_elements: int | None = None,
) -> AssessmentResult:
    """Run every enabled rule (all built-in rules unless ``rules`` is given), attack paths, blast radius,
    posture score and remediation plan over ``snapshot`` (``workers``, ``min_parallel_elements``: see
    ``Engine``)."""
    return Engine(
        rules=rules,
        custom_rules=custom_rules,
        disabled=disabled,
        workers=workers,
        min_parallel_elements=min_parallel_elements,
    ).assess(snapshot)
