"""Rule evaluation: per-element checks, supersession, mitigation by controls, and incremental re-evaluation.

Every (rule, element) pair a rule applies to is a *check* with an integer weight (docs/scoring.md). Checks are
cached per element so that after an edit only the elements whose inputs changed are evaluated again
(:func:`reevaluate`); rule totals are updated by subtracting the old checks and adding the new ones, which
gives exactly the same integers as a full evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from assessments.engine.graph import ChangeSet, ModelContext, diff_snapshots
from assessments.engine.registry import SCOPE_COLLECTION, Hit, load_builtin_rules
from assessments.engine.results import Finding, fingerprint
from assessments.engine.severity import CRITICALITY_BUMP, ELEMENT_FACTOR_HALVES, SEVERITY_POINTS, rate
from catalog.packs.loader import RuleMeta, load_rule_catalog
from threatmodel.domain import Snapshot
from threatmodel.vocabulary import CLASSIFICATION_ORDER

#: Check states.
PASSED, OPEN, MITIGATED, FOLDED = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A runnable rule: catalog metadata plus its implementation."""

    id: str
    title: str
    family: str
    scope: str
    principle: str
    pillar: str
    function: str
    stride: str
    cwe: str
    asvs: str
    tenet: int
    severity: str
    likelihood: str
    impact: str
    data_impact: bool
    remediation: str
    mitigated_by: frozenset[str]
    supersedes: frozenset[str]
    fix_action: str
    fix_title: str
    check: Callable[..., Any]
    kinds: frozenset[str] | None
    points: int
    custom: bool = False


@dataclass(frozen=True, slots=True)
class Check:
    rule: str
    weight: int
    state: int
    finding: Finding | None = None


def spec_from_meta(meta: RuleMeta, check: Callable[..., Any], kinds: frozenset[str] | None) -> RuleSpec:
    return RuleSpec(
        id=meta.id, title=meta.title, family=meta.family, scope=meta.scope, principle=meta.principle,
        pillar=meta.pillar, function=meta.function, stride=meta.stride, cwe=meta.cwe, asvs=meta.asvs,
        tenet=meta.tenet, severity=meta.severity, likelihood=meta.likelihood, impact=meta.impact,
        data_impact=meta.data_impact, remediation=meta.remediation, mitigated_by=frozenset(meta.mitigated_by),
        supersedes=frozenset(meta.supersedes), fix_action=meta.fix.action if meta.fix else "",
        fix_title=meta.fix.title if meta.fix else "", check=check, kinds=kinds,
        points=SEVERITY_POINTS[meta.severity])


def builtin_specs(rules: Iterable[str] | None = None, disabled: Iterable[str] = ()) -> tuple[RuleSpec, ...]:
    """The enabled built-in rules (all catalog rules, or only ``rules``), minus ``disabled``."""
    catalog = load_rule_catalog()
    impls = load_builtin_rules()
    wanted = set(catalog) if rules is None else set(rules)
    unknown = wanted - set(catalog)
    if unknown:
        raise KeyError(f"unknown rules: {sorted(unknown)}")
    wanted -= set(disabled)
    return tuple(spec_from_meta(catalog[rid], impls[rid].check, impls[rid].kinds) for rid in sorted(wanted))


class Evaluator:
    """Runs a fixed set of rule specs over elements of a context."""

    def __init__(self, specs: Iterable[RuleSpec]) -> None:
        self.specs: dict[str, RuleSpec] = {s.id: s for s in sorted(specs, key=lambda s: s.id)}
        self.by_scope: dict[str, list[RuleSpec]] = {}
        for spec in self.specs.values():
            self.by_scope.setdefault(spec.scope, []).append(spec)
        self._component_rules: dict[str, list[RuleSpec]] = {}
        self.key = tuple(self.specs)

    def component_rules(self, kind: str) -> list[RuleSpec]:
        rules = self._component_rules.get(kind)
        if rules is None:
            rules = [s for s in self.by_scope.get("component", ()) if s.kinds is None or kind in s.kinds]
            self._component_rules[kind] = rules
        return rules

    # -- one element -------------------------------------------------------------------------
    def evaluate(self, ctx: ModelContext, element_id: str) -> tuple[Check, ...]:
        """All checks of the element-scope rules on one element (empty when the element does not exist)."""
        comp = ctx.components.get(element_id)
        if comp is not None:
            return self._finish(ctx, element_id, [(s, s.check(ctx, comp)) for s in self.component_rules(comp.kind)],
                                ELEMENT_FACTOR_HALVES[ctx.component_rank(comp)])
        if element_id in ctx.flows:
            facts = ctx.facts(element_id)
            return self._finish(ctx, element_id, [(s, s.check(ctx, facts)) for s in self.by_scope.get("flow", ())],
                                ELEMENT_FACTOR_HALVES[facts.data_rank])
        grant = ctx.grant_by_id.get(element_id)
        if grant is not None:
            target = ctx.components.get(grant.target)
            rank = ctx.component_rank(target) if target is not None else ctx.rank_of((grant.target,))
            return self._finish(ctx, element_id, [(s, s.check(ctx, grant)) for s in self.by_scope.get("grant", ())],
                                ELEMENT_FACTOR_HALVES[rank])
        ident = ctx.identities.get(element_id)
        if ident is not None:
            return self._finish(ctx, element_id,
                                [(s, s.check(ctx, ident)) for s in self.by_scope.get("identity", ())],
                                ELEMENT_FACTOR_HALVES[0])
        asset = ctx.data_assets.get(element_id)
        if asset is not None:
            return self._finish(ctx, element_id,
                                [(s, s.check(ctx, asset)) for s in self.by_scope.get("data_asset", ())],
                                ELEMENT_FACTOR_HALVES[CLASSIFICATION_ORDER[asset.classification]])
        boundary = ctx.boundaries.get(element_id)
        if boundary is not None:
            return self._finish(ctx, element_id,
                                [(s, s.check(ctx, boundary)) for s in self.by_scope.get("boundary", ())],
                                ELEMENT_FACTOR_HALVES[0])
        return ()

    def evaluate_model(self, ctx: ModelContext) -> dict[str, tuple[Check, ...]]:
        """Model-scope rules (always re-run), keyed by rule id."""
        out: dict[str, tuple[Check, ...]] = {}
        for spec in self.by_scope.get("model", ()):
            checks: list[Check] = []
            for element_id, result in spec.check(ctx):
                if result is None:
                    continue
                factor = ELEMENT_FACTOR_HALVES[0]
                if element_id in ctx.data_assets:
                    factor = ELEMENT_FACTOR_HALVES[CLASSIFICATION_ORDER[ctx.data_assets[element_id].classification]]
                checks.extend(self._finish(ctx, element_id, [(spec, result)], factor))
            out[spec.id] = tuple(checks)
        return out

    def _finish(self, ctx: ModelContext, primary: str, raw: list[tuple[RuleSpec, Any]],
                factor: int) -> tuple[Check, ...]:
        fired = [s for s, r in raw if r is not None and r is not False]
        if not fired:
            return tuple(Check(s.id, s.points * factor, PASSED) for s, r in raw if r is not None)
        hidden: dict[str, list[str]] = {}
        for spec in fired:
            for target in spec.supersedes:
                hidden.setdefault(target, []).append(spec.id)
        folded_into: dict[str, list[str]] = {}
        for rule_id, by in hidden.items():
            for sup in by:
                folded_into.setdefault(sup, []).append(rule_id)
        checks: list[Check] = []
        for spec, result in raw:
            if result is None:
                continue
            weight = spec.points * factor
            if result is False:
                checks.append(Check(spec.id, weight, PASSED))
                continue
            if spec.id in hidden:
                checks.append(Check(spec.id, weight, FOLDED))
                continue
            folded = sorted(r for r in folded_into.get(spec.id, ()) if any(s.id == r for s in fired))
            finding = self._finding(ctx, spec, primary, result, folded)
            checks.append(Check(spec.id, weight, MITIGATED if finding.mitigated_by else OPEN, finding))
        return tuple(checks)

    def _finding(self, ctx: ModelContext, spec: RuleSpec, primary: str, hit: Hit, folded: list[str]) -> Finding:
        key_elements = tuple(dict.fromkeys((primary, *hit.elements) if primary else hit.elements))
        elements = tuple(dict.fromkeys(key_elements + hit.related))
        bump = CRITICALITY_BUMP.get(ctx.snapshot.info.business_criticality, 0)
        likelihood, impact, severity = rate(spec.likelihood, spec.impact, exposed=hit.exposed,
                                            data_rank=hit.data_rank, data_impact=spec.data_impact,
                                            criticality_bump=bump)
        mitigated_by: list[str] = []
        if spec.mitigated_by:
            for element_id in key_elements:
                for control in ctx.implemented_controls(element_id):
                    if control.control in spec.mitigated_by:
                        mitigated_by.append(control.id)
        evidence = hit.evidence
        if folded:
            evidence = tuple(sorted((*evidence, ("supersedes", tuple(folded)))))
        return Finding(
            id=fingerprint(spec.id, *key_elements), rule=spec.id, title=spec.title, severity=severity,
            likelihood=likelihood, impact=impact, principle=spec.principle, pillar=spec.pillar,
            function=spec.function, stride=spec.stride, cwe=spec.cwe, elements=elements, evidence=evidence,
            remediation=spec.remediation, mitigated_by=tuple(sorted(set(mitigated_by))), asvs=spec.asvs,
            tenet=spec.tenet, family=spec.family)


# -- state ---------------------------------------------------------------------------------------

#: Per-rule totals: applicable count, applicable weight, open count, open weight, mitigated, folded.
Totals = dict[str, list[int]]


@dataclass
class EvalState:
    """Cached evaluation of one snapshot: reusable for the incremental re-check of the next revision."""

    snapshot: Snapshot
    ctx: ModelContext
    evaluator: Evaluator
    element_checks: dict[str, tuple[Check, ...]]
    model_checks: dict[str, tuple[Check, ...]]
    totals: Totals
    reevaluated: int = 0  # elements evaluated to produce this state

    def checks(self) -> Iterable[Check]:
        for checks in self.element_checks.values():
            yield from checks
        for checks in self.model_checks.values():
            yield from checks

    def findings(self) -> list[Finding]:
        out = [c.finding for c in self.checks() if c.finding is not None]
        out.sort(key=lambda f: f.sort_key)
        return out


def _add(totals: Totals, checks: Iterable[Check], sign: int) -> None:
    for check in checks:
        row = totals.get(check.rule)
        if row is None:
            row = totals[check.rule] = [0, 0, 0, 0, 0, 0]
        row[0] += sign
        row[1] += sign * check.weight
        if check.state == OPEN:
            row[2] += sign
            row[3] += sign * check.weight
        elif check.state == MITIGATED:
            row[4] += sign
        elif check.state == FOLDED:
            row[5] += sign


def all_element_ids(snapshot: Snapshot, evaluator: Evaluator) -> list[str]:
    ids: list[str] = []
    for scope, collection in SCOPE_COLLECTION.items():
        if scope == "component" or evaluator.by_scope.get(scope):
            ids.extend(e.id for e in getattr(snapshot, collection))
    return ids


def evaluate_full(snapshot: Snapshot, evaluator: Evaluator, ctx: ModelContext | None = None) -> EvalState:
    ctx = ctx or ModelContext(snapshot)
    element_checks: dict[str, tuple[Check, ...]] = {}
    totals: Totals = {spec_id: [0, 0, 0, 0, 0, 0] for spec_id in evaluator.specs}
    ids = all_element_ids(snapshot, evaluator)
    for element_id in ids:
        checks = evaluator.evaluate(ctx, element_id)
        if checks:
            element_checks[element_id] = checks
            _add(totals, checks, 1)
    model_checks = evaluator.evaluate_model(ctx)
    for checks in model_checks.values():
        _add(totals, checks, 1)
    return EvalState(snapshot, ctx, evaluator, element_checks, model_checks, totals, reevaluated=len(ids))


def dirty_elements(old: ModelContext, new: ModelContext, changes: ChangeSet) -> set[str]:
    """Elements whose checks may differ after ``changes`` (the dependency closure, docs/scoring.md)."""
    dirty: set[str] = set()
    comps: set[str] = set()
    idents: set[str] = set()

    def flows_of(ctx: ModelContext, comp_id: str) -> list[str]:
        return [*ctx.in_flows.get(comp_id, ()), *ctx.out_flows.get(comp_id, ())]

    def touch_component(ctx: ModelContext, comp_id: str) -> None:
        comp = ctx.components.get(comp_id)
        if comp is None:
            return
        comps.add(comp_id)
        neighbours = ctx.neighbours(comp_id)
        comps.update(neighbours)
        dirty.update(flows_of(ctx, comp_id))
        for fid in ctx.out_flows.get(comp_id, ()):
            dirty.update(ctx.out_flows.get(ctx.flows[fid].target, ()))
        comps.update(ctx.members.get(comp.boundary, ()))
        for member in (comp_id, *neighbours):
            identity = ctx.components[member].identity
            if identity is not None:
                idents.add(identity)
        dirty.update(g.id for g in ctx.grants_by_target.get(comp_id, ()))

    def touch_flow(ctx: ModelContext, flow_id: str) -> None:
        flow = ctx.flows.get(flow_id)
        if flow is None:
            return
        dirty.add(flow_id)
        comps.update((flow.source, flow.target))
        dirty.update(ctx.in_flows.get(flow.source, ()))
        dirty.update(ctx.out_flows.get(flow.target, ()))
        for end in (flow.source, flow.target):
            identity = ctx.components[end].identity
            if identity is not None:
                idents.add(identity)

    for ctx in (old, new):
        for comp_id in changes.ids("components"):
            touch_component(ctx, comp_id)
        for flow_id in changes.ids("flows"):
            touch_flow(ctx, flow_id)
        for grant_id in changes.ids("grants"):
            grant = ctx.grant_by_id.get(grant_id)
            if grant is None:
                continue
            dirty.add(grant_id)
            idents.add(grant.identity)
            if grant.target == "*":
                comps.update(ctx.components)
            else:
                dirty.add(grant.target)
        for ident_id in changes.ids("identities"):
            idents.add(ident_id)
            comps.update(ctx.by_identity.get(ident_id, ()))
        for control_id in changes.ids("controls"):
            control = ctx.snapshot_control(control_id)
            if control is None:
                continue
            target = control.target
            dirty.add(target)
            if target in ctx.components:
                comps.add(target)
                comps.update(ctx.neighbours(target))
                dirty.update(flows_of(ctx, target))
                dirty.update(g.id for g in ctx.grants_by_target.get(target, ()))
            elif target in ctx.identities:
                idents.add(target)
            dirty.update(g.id for g in ctx.grants_by_target.get(target, ()))
    for ctx in (old, new):
        for ident_id in idents:
            dirty.update(g.id for g in ctx.grants_by_identity.get(ident_id, ()))
    dirty |= comps | idents
    return dirty


def reevaluate(state: EvalState, snapshot: Snapshot) -> EvalState:
    """Evaluate ``snapshot`` reusing ``state`` (the evaluation of an earlier revision of the same model).

    Falls back to a full evaluation when boundaries, data assets or the model info changed.
    """
    changes = diff_snapshots(state.snapshot, snapshot)
    if changes.empty:
        return EvalState(snapshot, state.ctx, state.evaluator, state.element_checks, state.model_checks,
                         state.totals, reevaluated=0)
    if changes.info_changed or changes.ids("boundaries") or changes.ids("data_assets"):
        return evaluate_full(snapshot, state.evaluator)
    ctx = state.ctx.derive(snapshot, changes)
    dirty = dirty_elements(state.ctx, ctx, changes)
    element_checks = dict(state.element_checks)
    totals: Totals = {rule: list(row) for rule, row in state.totals.items()}
    for element_id in dirty:
        old = element_checks.pop(element_id, None)
        if old:
            _add(totals, old, -1)
        new = state.evaluator.evaluate(ctx, element_id)
        if new:
            element_checks[element_id] = new
            _add(totals, new, 1)
    for checks in state.model_checks.values():
        _add(totals, checks, -1)
    model_checks = state.evaluator.evaluate_model(ctx)
    for checks in model_checks.values():
        _add(totals, checks, 1)
    return EvalState(snapshot, ctx, state.evaluator, element_checks, model_checks, totals, reevaluated=len(dirty))


def totals_snapshot(totals: Mapping[str, list[int]]) -> dict[str, tuple[int, ...]]:
    return {rule: tuple(row) for rule, row in sorted(totals.items())}
