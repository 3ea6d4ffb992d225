"""Remediation plan: open findings grouped the way fixes are rolled out, each with a model transformation,
ordered by the score gain *measured* by re-scoring the transformed snapshot (incremental re-evaluation).

Group = (rule, namespace or innermost boundary of the element's component). The ``MAX_CANDIDATES`` groups with
the largest current deductions are measured (fewer on very large models, see ``candidate_count``); steps that
do not raise the overall score are dropped. The transformations themselves are in ``fixes.py``.
"""

from __future__ import annotations

from typing import Any

from assessments.engine.evaluate import OPEN, EvalState
from assessments.engine.fixes import all_of_action, known_context, resolve_fix
from assessments.engine.graph import ModelContext
from assessments.engine.incremental import reevaluated_totals
from assessments.engine.results import PlanStep
from assessments.engine.rules.common import APP_KINDS, STORES
from assessments.engine.scoring import SEVERITY_CAPS, overall_parts, raw_overall_score
from threatmodel.vocabulary import IdentityKind

MAX_CANDIDATES = 10
#: Budget of evaluated elements for measuring candidates: on large models fewer candidates are measured
#: (never fewer than ``MIN_CANDIDATES``), so the plan costs about as much as one or two full evaluations.
MEASURE_BUDGET = 200_000
MIN_CANDIDATES = 5


def candidate_count(max_candidates: int, elements: int) -> int:
    """How many candidate groups to measure on a model with ``elements`` evaluated elements."""
    if elements <= 0:
        return max_candidates
    return max(min(max_candidates, MIN_CANDIDATES), min(max_candidates, MEASURE_BUDGET // elements))


# -- grouping and measuring ------------------------------------------------------------------------


def _group(ctx: ModelContext, element_id: str) -> str:
    if element_id in ctx.components:
        return ctx.group_of(element_id)
    flow = ctx.flows.get(element_id)
    if flow is not None:
        return ctx.group_of(flow.source)
    grant = ctx.grant_by_id.get(element_id)
    if grant is not None:
        users = ctx.by_identity.get(grant.identity, ())
        return ctx.group_of(users[0]) if users else ""
    users = ctx.by_identity.get(element_id, ())
    return ctx.group_of(users[0]) if users else ""


def _group_label(ctx: ModelContext, group: str) -> str:
    boundary = ctx.boundaries.get(group)
    if boundary is None:
        return "the model"
    name = boundary.name.replace(": ", " ")
    if boundary.kind.value == "namespace" and not name.lower().startswith("namespace"):
        name = f"namespace {name}"
    return name


def _noun(ctx: ModelContext, scope: str, elements: tuple[str, ...]) -> tuple[str, str]:
    if scope == "flow":
        return "flow", "flows"
    if scope == "grant":
        return "grant", "grants"
    if scope == "identity":
        kinds = {ctx.identities[e].kind for e in elements if e in ctx.identities}
        return ("role", "roles") if kinds == {IdentityKind.HUMAN_ROLE} else ("identity", "identities")
    comp_kinds = {ctx.components[e].kind for e in elements if e in ctx.components}
    if comp_kinds and comp_kinds <= STORES:
        return "store", "stores"
    if comp_kinds and comp_kinds <= APP_KINDS:
        return "service", "services"
    return "component", "components"


#: Open findings by plan group while collecting: (rule, group) -> [summed weight, element ids, finding ids].
Collected = dict[tuple[str, str], list[Any]]
#: The measured plan groups: ((rule, group), (elements, finding ids, [summed weight])), largest weight first.
Ranked = list[tuple[tuple[str, str], tuple[set[str], list[str], list[int]]]]


def build_plan(state: EvalState, *, max_candidates: int = MAX_CANDIDATES) -> tuple[PlanStep, ...]:
    ctx = state.ctx
    specs = state.evaluator.specs
    parts = overall_parts(state.totals, specs)
    worst = parts[0].worst_severity if parts[0].worst_severity in SEVERITY_CAPS else None
    collected, worst_ids = _open_groups(state, worst)
    ranked = _ranked(collected, candidate_count(max_candidates, len(state.elements)))
    before = parts[1]
    steps: list[PlanStep] = []
    with known_context(ctx):
        _measure(state, ranked, before, steps)
        if worst is not None:
            combined = _combined_worst_step(state, ranked, before, worst, worst_ids)
            if combined is not None:
                steps.append(combined)
    steps.sort(key=lambda s: (-s.gain, s.id))  # measured gain, largest first
    return tuple(steps)


def _open_groups(state: EvalState, worst: str | None) -> tuple[Collected, set[str]]:
    """The open findings of fixable rules by plan group, and the ids of every open finding of severity ``worst``.

    One pass over the element results: an element-scope finding's first element is its element (its group is
    looked up once per element, a flow's once per source component); model-scope findings name theirs."""
    ctx = state.ctx
    specs = state.evaluator.specs
    fixable = {rule_id for rule_id, spec in specs.items() if spec.meta.fix is not None}
    # (rule, group) -> [summed weight, element ids (repeats), finding ids]: lists while collecting, sets only
    # for the groups that are measured (see _ranked)
    collected: Collected = {}
    worst_ids: set[str] = set()
    add_worst = worst_ids.add
    flows = ctx.flows
    source_group: dict[str, str] = {}
    for element_id, result in state.elements.items():
        group: str | None = None
        for rule_id, weight, check_state, finding in result.checks:  # (Check fields; hot: inlined)
            if check_state != OPEN:
                continue
            if finding.severity == worst:  # type: ignore[union-attr]  # open => finding
                add_worst(finding.id)  # type: ignore[union-attr]
            if rule_id in fixable:
                if group is None:
                    flow = flows.get(element_id)
                    if flow is None:
                        group = _group(ctx, element_id)
                    else:  # _group of a flow: its source's
                        group = source_group.get(flow.source)
                        if group is None:
                            group = source_group[flow.source] = ctx.group_of(flow.source)
                key = (rule_id, group)
                entry = collected.get(key)
                if entry is None:
                    entry = collected[key] = [0, [], []]
                entry[0] += weight
                entry[1].append(element_id)
                entry[2].append(finding.id)  # type: ignore[union-attr]
    _model_groups(state, fixable, worst, collected, worst_ids)
    return collected, worst_ids


def _model_groups(
    state: EvalState,
    fixable: set[str],
    worst: str | None,
    collected: Collected,
    worst_ids: set[str],
) -> None:
    """``_open_groups`` of the model-scope results."""
    for results in state.model.values():
        for result in results:
            for check in result.checks:
                finding = check.finding
                if check.state != OPEN or finding is None:
                    continue
                if finding.severity == worst:
                    worst_ids.add(finding.id)
                if check.rule in fixable and finding.elements:
                    primary = finding.elements[0]
                    entry = collected.setdefault((check.rule, _group(state.ctx, primary)), [0, [], []])
                    entry[0] += check.weight
                    entry[1].append(primary)
                    entry[2].append(finding.id)


def _ranked(collected: Collected, limit: int) -> Ranked:
    """The ``limit`` groups with the largest summed weight (ties by rule and group), as (elements, finding ids,
    [weight])."""
    top = sorted(collected.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    return [(key, (set(entry[1]), entry[2], [entry[0]])) for key, entry in top]


def _measure(
    state: EvalState,
    ranked: Ranked,
    before: float,
    steps: list[PlanStep],
) -> None:
    ctx = state.ctx
    specs = state.evaluator.specs
    for (rule_id, group), entry in ranked:
        fix = specs[rule_id].meta.fix
        if fix is None:
            continue
        transform = resolve_fix(fix.action)
        if transform is None:
            continue
        elements = tuple(sorted(entry[0]))
        after = raw_overall_score(reevaluated_totals(state, transform(state.snapshot, elements)), specs)
        gain = after - before
        if gain <= 1e-9:
            continue
        singular, plural = _noun(ctx, specs[rule_id].meta.scope, elements)
        title = fix.title.format(
            count=len(elements), nouns=singular if len(elements) == 1 else plural, group=_group_label(ctx, group)
        )
        steps.append(
            PlanStep(
                id=f"fix@{rule_id}@{group or 'model'}",
                title=title,
                rule=rule_id,
                action=fix.action,
                elements=elements,
                findings=tuple(sorted(entry[1])),
                score_before=round(before, 2),
                score_after=round(after, 2),
                gain=round(gain, 3),
                group=group,
            )
        )


def _combined_worst_step(
    state: EvalState, ranked: Ranked, before: float, worst: str, worst_ids: set[str]
) -> PlanStep | None:
    """One step closing together every measured group that holds the open findings of the worst severity, when
    there are several: while one of them stays open the score keeps its cap (scoring.SEVERITY_CAPS), so only
    fixing them all shows what they are worth."""
    specs = state.evaluator.specs
    parts: list[tuple[str, tuple[str, ...]]] = []
    findings: set[str] = set()
    covered: set[str] = set()
    for (rule_id, _group), entry in ranked:
        fix = specs[rule_id].meta.fix
        hit = worst_ids.intersection(entry[1])
        if fix is None or not hit or resolve_fix(fix.action) is None:
            continue
        parts.append((fix.action, tuple(sorted(entry[0]))))
        findings.update(entry[1])
        covered |= hit
    if len(parts) < 2 or covered != worst_ids:  # one group: its own step says it; some left open: no cap lift
        return None
    action = all_of_action(parts)
    transform = resolve_fix(action)
    assert transform is not None  # every part resolved above
    elements = tuple(sorted({e for _a, ids in parts for e in ids}))
    after = raw_overall_score(reevaluated_totals(state, transform(state.snapshot, elements)), specs)
    if after - before <= 1e-9:
        return None
    return PlanStep(
        id=f"fix@all-{worst}",
        title=f"Close the {len(worst_ids)} open {worst} findings together (lifts the {worst} cap)",
        rule="",
        action=action,
        elements=elements,
        findings=tuple(sorted(findings)),
        score_before=round(before, 2),
        score_after=round(after, 2),
        gain=round(after - before, 3),
        group="",
    )


__all__ = ["build_plan", "candidate_count"]
