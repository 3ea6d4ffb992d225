"""Rule evaluation: per-element checks, supersession, mitigation by controls, rule totals.

Every (rule, element) pair a rule applies to is a *check* with an integer weight (docs/scoring.md). Checks are
kept per element so that after an edit only the elements whose inputs changed are evaluated again
(``incremental.reevaluate``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from assessments.engine.fastbuild import make_finding
from assessments.engine.graph import ModelContext
from assessments.engine.manual import manual_findings, manual_totals_row
from assessments.engine.registry import SCOPE_COLLECTION, Hit
from assessments.engine.results import Finding
from assessments.engine.rules import load_builtin_rules
from assessments.engine.severity import CRITICALITY_BUMP, ELEMENT_FACTOR_HALVES, SEVERITY_POINTS, rate
from catalog.packs.loader import RuleMeta, load_rule_catalog
from threatmodel.domain import Control, Snapshot
from threatmodel.vocabulary import CLASSIFICATION_ORDER, MANUAL_THREAT_RULE, SEVERITY_RANK

#: Check states.
PASSED, OPEN, MITIGATED, FOLDED = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A runnable rule: its rule record (``meta``, the catalog's or a custom rule's) and its implementation.

    ``kinds`` / ``source_kinds`` / ``target_kinds`` / ``traits``: the pre-filters of the implementation
    (``registry.rule``). ``supersedes`` is the transitive closure of ``meta.supersedes``; ``mitigated_by`` is
    ``meta.mitigated_by`` as a set; ``points`` the check weight of the rule's base severity."""

    meta: RuleMeta
    check: Callable[..., Any]
    kinds: frozenset[str] | None = None
    supersedes: frozenset[str] = frozenset()
    custom: bool = False
    source_kinds: frozenset[str] | None = None
    target_kinds: frozenset[str] | None = None
    traits: tuple[int, int, int] = (0, 0, 0)  # flow rules: (all of, none of, any of) FlowFacts.traits bits
    fire_traits: tuple[int, int, int] = (0, 0, 0)  # flow rules: the same, needed to fire (else it passes)
    id: str = field(init=False)
    mitigated_by: frozenset[str] = field(init=False)
    points: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.meta.id)
        object.__setattr__(self, "mitigated_by", frozenset(self.meta.mitigated_by))
        object.__setattr__(self, "points", SEVERITY_POINTS[self.meta.severity])


def _has_traits(traits: int, wanted: tuple[int, int, int]) -> bool:
    """Whether ``traits`` has all of ``wanted[0]``, none of ``wanted[1]`` and (when given) one of ``wanted[2]``."""
    need_all, need_none, need_any = wanted
    return traits & need_all == need_all and not traits & need_none and (not need_any or bool(traits & need_any))


def supersession_closure(catalog: Mapping[str, RuleMeta]) -> dict[str, frozenset[str]]:
    """Transitive closure of ``supersedes``: if A hides B and B hides C, A hides C (so C cannot reappear when
    B stops firing while A still fires)."""
    closure: dict[str, frozenset[str]] = {}

    def visit(rule_id: str, trail: frozenset[str]) -> frozenset[str]:
        if rule_id in closure:
            return closure[rule_id]
        out: set[str] = set()
        for other in catalog[rule_id].supersedes:
            if other not in trail:
                out.add(other)
                out |= visit(other, trail | {other})
        closure[rule_id] = frozenset(out - {rule_id})
        return closure[rule_id]

    for rule_id in catalog:
        visit(rule_id, frozenset({rule_id}))
    return closure


def builtin_specs(rules: Iterable[str] | None = None, disabled: Iterable[str] = ()) -> tuple[RuleSpec, ...]:
    """The enabled built-in rules (all catalog rules, or only ``rules``), minus ``disabled``."""
    catalog = load_rule_catalog()
    impls = load_builtin_rules()
    wanted = set(catalog) if rules is None else set(rules)
    unknown = wanted - set(catalog)
    if unknown:
        raise KeyError(f"unknown rules: {sorted(unknown)}")
    wanted -= set(disabled)
    closure = supersession_closure(catalog)
    return tuple(
        RuleSpec(
            catalog[rid],
            impls[rid].check,
            kinds=impls[rid].kinds,
            supersedes=closure[rid],
            source_kinds=impls[rid].source_kinds,
            target_kinds=impls[rid].target_kinds,
            traits=impls[rid].traits,
            fire_traits=impls[rid].fire_traits,
        )
        for rid in sorted(wanted)
    )


#: (check function, rule id, spec): what the evaluation loop iterates over; no function when the rule is known to
#: pass (a flow without the protection traits the rule needs to fire: ``Evaluator.flow_rules``).
RuleEntry = tuple[Callable[..., Any] | None, str, "RuleSpec"]


class Check(NamedTuple):
    """A check that did not pass (open, mitigated or folded); passed checks are only counted."""

    rule: str
    weight: int
    state: int
    finding: Finding | None = None


class ElementResult(NamedTuple):
    applicable: tuple[str, ...]  # rule ids that apply to the element (interned)
    factor: int  # element factor in halves
    checks: tuple[Check, ...]  # the checks that did not pass


_EMPTY: tuple[Check, ...] = ()


class Evaluator:
    """Runs a fixed set of rule specs over elements of a context."""

    def __init__(self, specs: Iterable[RuleSpec]) -> None:
        self.specs: dict[str, RuleSpec] = {s.id: s for s in sorted(specs, key=lambda s: s.id)}
        self.by_scope: dict[str, list[RuleSpec]] = {}
        for spec in self.specs.values():
            self.by_scope.setdefault(spec.meta.scope, []).append(spec)
        self._component_rules: dict[str, list[RuleEntry]] = {}
        self._flow_rules: dict[tuple[str, str, int], list[RuleEntry]] = {}
        self._scope_rules: dict[str, list[RuleEntry]] = {
            scope: [(spec.check, spec.id, spec) for spec in specs_] for scope, specs_ in self.by_scope.items()
        }
        self._interned: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.points = {s.id: s.points for s in self.specs.values()}
        self._ratings: dict[tuple[str, bool, int, str], tuple[str, str, str]] = {}
        #: fired rule ids (in order) -> supersession outcome (see ``_supersession``)
        self._folding: dict[tuple[str, ...], tuple[list[str] | None, ...]] = {}
        self.key = tuple(self.specs)

    def intern(self, applicable: tuple[str, ...]) -> tuple[str, ...]:
        """One shared tuple per distinct list of applicable rule ids (a model has far fewer distinct lists than
        elements)."""
        interned = self._interned.get(applicable)
        if interned is None:
            interned = self._interned[applicable] = applicable
        return interned

    def component_rules(self, kind: str) -> list[RuleEntry]:
        rules = self._component_rules.get(kind)
        if rules is None:
            rules = [
                (s.check, s.id, s) for s in self.by_scope.get("component", ()) if s.kinds is None or kind in s.kinds
            ]
            self._component_rules[kind] = rules
        return rules

    def flow_rules(self, source_kind: str, target_kind: str, traits: int) -> list[RuleEntry]:
        """The flow rules that can apply to a flow with these end kinds and ``FlowFacts.traits`` (memoised); a
        rule that cannot fire on such a flow (``RuleSpec.fire_traits``) comes without its function: it passes."""
        key = (source_kind, target_kind, traits)
        rules = self._flow_rules.get(key)
        if rules is None:
            rules = [
                (s.check if _has_traits(traits, s.fire_traits) else None, s.id, s)
                for s in self.by_scope.get("flow", ())
                if (s.source_kinds is None or source_kind in s.source_kinds)
                and (s.target_kinds is None or target_kind in s.target_kinds)
                and _has_traits(traits, s.traits)
            ]
            self._flow_rules[key] = rules
        return rules

    # -- one element -------------------------------------------------------------------------
    def evaluate(self, ctx: ModelContext, element_id: str) -> ElementResult | None:
        """The outcome of the element-scope rules on one element (None when the element does not exist)."""
        comp = ctx.components.get(element_id)
        if comp is not None:
            return self._run(
                ctx, element_id, comp, self.component_rules(comp.kind), ELEMENT_FACTOR_HALVES[ctx.component_rank(comp)]
            )
        if element_id in ctx.flows:
            facts = ctx.facts(element_id)
            return self._run(
                ctx,
                element_id,
                facts,
                self.flow_rules(facts.source.kind, facts.target.kind, facts.traits),
                ELEMENT_FACTOR_HALVES[facts.data_rank],
            )
        grant = ctx.grant_by_id.get(element_id)
        if grant is not None:
            target = ctx.components.get(grant.target)
            rank = ctx.component_rank(target) if target is not None else ctx.rank_of((grant.target,))
            return self._run(ctx, element_id, grant, self._scope_rules.get("grant", []), ELEMENT_FACTOR_HALVES[rank])
        ident = ctx.identities.get(element_id)
        if ident is not None:
            return self._run(ctx, element_id, ident, self._scope_rules.get("identity", []), ELEMENT_FACTOR_HALVES[0])
        asset = ctx.data_assets.get(element_id)
        if asset is not None:
            return self._run(
                ctx,
                element_id,
                asset,
                self._scope_rules.get("data_asset", []),
                ELEMENT_FACTOR_HALVES[CLASSIFICATION_ORDER[asset.classification]],
            )
        boundary = ctx.boundaries.get(element_id)
        if boundary is not None:
            return self._run(ctx, element_id, boundary, self._scope_rules.get("boundary", []), ELEMENT_FACTOR_HALVES[0])
        return None

    def _run(self, ctx: ModelContext, primary: str, element: Any, rules: list[RuleEntry], factor: int) -> ElementResult:
        applicable: list[str] = []
        add = applicable.append
        fired: list[tuple[RuleSpec, Hit]] | None = None
        for check, rule_id, spec in rules:
            if check is None:  # known to pass
                add(rule_id)
                continue
            result = check(ctx, element)
            if result is None:
                continue
            add(rule_id)
            if result is not False:
                if fired is None:
                    fired = []
                fired.append((spec, result))
        key = tuple(applicable)
        interned = self._interned.get(key)
        if interned is None:
            interned = self._interned[key] = key  # the same object as ``intern`` would return, inlined
        if not fired:
            return ElementResult(interned, factor, _EMPTY)
        return ElementResult(interned, factor, self._failed(ctx, primary, fired, factor))

    def evaluate_model(self, ctx: ModelContext) -> dict[str, tuple[ElementResult, ...]]:
        """Model-scope rules (always re-run), keyed by rule id."""
        out: dict[str, tuple[ElementResult, ...]] = {}
        # a model-wide check ("" element) weighs as much as one check per component, so that its share of the
        # score does not depend on the model's size (two disjoint copies of a model score as one, docs/scoring.md)
        model_wide = ELEMENT_FACTOR_HALVES[0] * max(1, len(ctx.components))
        for spec in self.by_scope.get("model", ()):
            results: list[ElementResult] = []
            for element_id, result in spec.check(ctx):
                if result is None:
                    continue
                factor = ELEMENT_FACTOR_HALVES[0] if element_id else model_wide
                if element_id in ctx.data_assets:
                    factor = ELEMENT_FACTOR_HALVES[CLASSIFICATION_ORDER[ctx.data_assets[element_id].classification]]
                elif element_id in ctx.components:
                    factor = ELEMENT_FACTOR_HALVES[ctx.component_rank(ctx.components[element_id])]
                checks = _EMPTY if result is False else self._failed(ctx, element_id, [(spec, result)], factor)
                results.append(ElementResult((spec.id,), factor, checks))
            out[spec.id] = tuple(results)
        return out

    def _failed(
        self, ctx: ModelContext, primary: str, fired: list[tuple[RuleSpec, Hit]], factor: int
    ) -> tuple[Check, ...]:
        if len(fired) == 1:  # nothing to supersede
            spec, hit = fired[0]
            finding = self._finding(ctx, spec, primary, hit, [])
            return (Check(spec.id, spec.points * factor, MITIGATED if finding.mitigated_by else OPEN, finding),)
        fired_key = tuple([spec.id for spec, _ in fired])
        folding = self._folding.get(fired_key)
        if folding is None:
            folding = self._folding[fired_key] = self._supersession([spec for spec, _ in fired])
        checks: list[Check] = []
        for (spec, hit), folded in zip(fired, folding, strict=True):
            weight = spec.points * factor
            if folded is None:
                checks.append(Check(spec.id, weight, FOLDED, None))
                continue
            finding = self._finding(ctx, spec, primary, hit, folded)
            checks.append(Check(spec.id, weight, MITIGATED if finding.mitigated_by else OPEN, finding))
        return tuple(checks)

    @staticmethod
    def _supersession(fired: list[RuleSpec]) -> tuple[list[str] | None, ...]:
        """Per fired rule (in order): None when a stronger fired rule folds it, else the fired rules it folds."""
        fired_ids = {spec.id for spec in fired}
        hidden: set[str] = set()
        for spec in fired:
            hidden.update(spec.supersedes & fired_ids)
        return tuple(None if spec.id in hidden else sorted(spec.supersedes & fired_ids) for spec in fired)

    def _finding(self, ctx: ModelContext, spec: RuleSpec, primary: str, hit: Hit, folded: list[str]) -> Finding:
        hit_elements = hit.elements
        if len(hit_elements) == 2 and primary:  # flow and grant findings (the common case)
            first, second = hit_elements
            if first != second and primary != first and primary != second:
                key_elements: tuple[str, ...] = (primary, first, second)
            else:
                key_elements = tuple(dict.fromkeys((primary, first, second)))
        elif hit_elements:
            key_elements = tuple(dict.fromkeys((primary, *hit_elements) if primary else hit_elements))
        else:
            key_elements = (primary,) if primary else ()
        elements = tuple(dict.fromkeys(key_elements + hit.related)) if hit.related else key_elements
        criticality = ctx.snapshot.info.business_criticality
        rate_key = (spec.id, hit.exposed, hit.data_rank, criticality)
        rating = self._ratings.get(rate_key)
        if rating is None:
            meta = spec.meta
            bump = CRITICALITY_BUMP.get(criticality, 0)
            rating = self._ratings[rate_key] = rate(
                meta.likelihood,
                meta.impact,
                exposed=hit.exposed,
                data_rank=hit.data_rank,
                data_impact=meta.data_impact,
                criticality_bump=bump,
            )
        likelihood, impact, severity = rating
        controls = ctx.controls_by_target
        # few elements carry controls: one C-level test before looking at the controls of the key elements
        mitigated_by = (
            _mitigations(controls, spec.mitigated_by, key_elements)
            if spec.mitigated_by and controls and not controls.keys().isdisjoint(key_elements)
            else ()
        )
        evidence = hit.evidence
        if folded:
            evidence = (*evidence, ("supersedes", tuple(folded)))
        if mitigated_by:
            evidence = (*evidence, ("mitigation", _mitigation_reasons(ctx, mitigated_by)))
        return make_finding(
            spec.meta,
            "@".join((spec.id, *key_elements)),
            severity,
            likelihood,
            impact,
            elements,
            evidence,
            mitigated_by,
            hit.title,
        )


def _mitigations(
    controls: Mapping[str, list[Control]], mitigators: frozenset[str], elements: tuple[str, ...]
) -> tuple[str, ...]:
    """Ids of the implemented controls on ``elements`` whose catalog control mitigates the rule, sorted."""
    found: list[str] | None = None
    for element_id in elements:  # a plain loop: most elements carry no control
        attached = controls.get(element_id)
        if attached:
            for control in attached:
                if control.control in mitigators:
                    if found is None:
                        found = []
                    found.append(control.id)
    return tuple(sorted(set(found))) if found else ()


def _mitigation_reasons(ctx: ModelContext, control_ids: tuple[str, ...]) -> tuple[str, ...]:
    """Why the finding costs nothing: per mitigating control, its catalog id and its description in the model."""
    reasons = []
    for control_id in control_ids:
        control = ctx.snapshot_control(control_id)
        if control is not None:
            reasons.append(f"{control.control}: {control.description}" if control.description else control.control)
    return tuple(reasons)


# -- state ---------------------------------------------------------------------------------------

#: Per-rule totals: applicable count, applicable weight, open count, open weight, mitigated, folded, then the
#: open findings by severity (one count per ``SEVERITIES`` entry, most severe first; the score caps read them).
Totals = dict[str, list[int]]
#: Length of a failure row: open count, open weight, mitigated, folded, open count per severity.
FAILURE_ROW = 4 + len(SEVERITY_RANK)
#: (applicable rule ids, element factor) -> number of elements with exactly that applicability.
Applicability = dict[tuple[tuple[str, ...], int], int]


@dataclass
class EvalState:
    """Cached evaluation of one snapshot: reusable for the incremental re-check of the next revision."""

    snapshot: Snapshot
    ctx: ModelContext
    evaluator: Evaluator
    elements: dict[str, ElementResult]
    model: dict[str, tuple[ElementResult, ...]]
    applicability: Applicability
    failures: Totals  # rule -> [open count, open weight, mitigated, folded, open count per severity]
    reevaluated: int = 0  # elements evaluated to produce this state
    touched: frozenset[str] | None = None  # element ids re-evaluated by the incremental run (None = all)

    def checks(self) -> Iterable[Check]:
        """Every check that did not pass (open, mitigated, folded)."""
        for result in self.elements.values():
            yield from result.checks
        for results in self.model.values():
            for result in results:
                yield from result.checks

    def findings(self) -> list[Finding]:
        out = [c.finding for c in self.checks() if c.finding is not None]
        out.sort(key=finding_key)
        return out

    @property
    def totals(self) -> Totals:
        points = self.evaluator.points
        width = 2 + FAILURE_ROW
        totals: Totals = {rule: [0] * width for rule in self.evaluator.specs}
        for (rules, factor), count in self.applicability.items():
            if count:
                for rule in rules:
                    row = totals[rule]
                    row[0] += count
                    row[1] += count * points[rule] * factor
        for rule, failed in self.failures.items():
            row = totals[rule]
            for index, value in enumerate(failed):
                row[2 + index] += value
        if self.snapshot.threats:  # the manual threats' row (scoring gives it its spec)
            totals[MANUAL_THREAT_RULE] = manual_totals_row(self.manual_findings, width)
        return totals

    @property
    def manual_findings(self) -> tuple[Finding, ...]:
        """The findings of the snapshot's manual threats (``assessments.engine.manual``)."""
        return manual_findings(self.snapshot)


def finding_key(finding: Finding) -> tuple[int, str, str]:
    return (SEVERITY_RANK[finding.severity], finding.rule, finding.id)


def account_result(applicability: Applicability, failures: Totals, result: ElementResult, sign: int) -> None:
    key = (result.applicable, result.factor)
    applicability[key] = applicability.get(key, 0) + sign
    for check in result.checks:
        row = failures.get(check.rule)
        if row is None:
            row = failures[check.rule] = [0] * FAILURE_ROW
        if check.state == OPEN:
            row[0] += sign
            row[1] += sign * check.weight
            row[4 + SEVERITY_RANK[check.finding.severity]] += sign  # type: ignore[union-attr]  # open => finding
        elif check.state == MITIGATED:
            row[2] += sign
        else:
            row[3] += sign


def all_element_ids(snapshot: Snapshot, evaluator: Evaluator) -> list[str]:
    ids: list[str] = []
    for scope, collection in SCOPE_COLLECTION.items():
        if scope == "component" or evaluator.by_scope.get(scope):
            ids.extend(e.id for e in getattr(snapshot, collection))
    return ids


def evaluate_elements(ctx: ModelContext, evaluator: Evaluator, ids: Iterable[str]) -> dict[str, ElementResult]:
    """The element-scope outcome of every element in ``ids`` (in that order) that any rule applies to."""
    elements: dict[str, ElementResult] = {}
    evaluate = evaluator.evaluate
    run = evaluator._run
    flow_rules = evaluator.flow_rules
    factors = ELEMENT_FACTOR_HALVES
    flows = ctx.flows
    for element_id in ids:
        if element_id in flows:  # hot path: most elements are flows
            facts = ctx.facts(element_id)
            result: ElementResult | None = run(
                ctx,
                element_id,
                facts,
                flow_rules(facts.source.kind, facts.target.kind, facts.traits),
                factors[facts.data_rank],
            )
        else:
            result = evaluate(ctx, element_id)
        if result is not None and (result.checks or result.applicable):
            elements[element_id] = result
    return elements


def state_from_elements(
    snapshot: Snapshot, ctx: ModelContext, evaluator: Evaluator, elements: dict[str, ElementResult], evaluated: int
) -> EvalState:
    """Add the model-scope rules and the totals to evaluated elements (``evaluate_elements``)."""
    applicability: Applicability = {}
    failures: Totals = {}
    for result in elements.values():
        if result.checks:
            account_result(applicability, failures, result, 1)
        else:
            key = (result.applicable, result.factor)
            applicability[key] = applicability.get(key, 0) + 1
    model = evaluator.evaluate_model(ctx)
    for results in model.values():
        for result in results:
            account_result(applicability, failures, result, 1)
    return EvalState(snapshot, ctx, evaluator, elements, model, applicability, failures, reevaluated=evaluated)


def evaluate_full(snapshot: Snapshot, evaluator: Evaluator, ctx: ModelContext | None = None) -> EvalState:
    ctx = ctx or ModelContext(snapshot)
    ids = all_element_ids(snapshot, evaluator)
    return state_from_elements(snapshot, ctx, evaluator, evaluate_elements(ctx, evaluator, ids), len(ids))
