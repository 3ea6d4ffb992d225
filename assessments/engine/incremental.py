"""Incremental re-evaluation: after an edit, only the elements whose inputs changed are evaluated again.

Rule totals are updated by subtracting the old checks and adding the new ones, which gives exactly the same
integers as a full evaluation (docs/scoring.md, "Incremental re-check"; property-tested against it).
"""

from __future__ import annotations

from typing import cast

from assessments.engine.evaluate import EvalState, Totals, account_result, evaluate_full
from assessments.engine.graph import ModelContext
from assessments.engine.rules.exposure_paths import (
    JEWEL_COMPONENT_FIELDS,
    JEWELS_AND_ENTRIES,
    STRUCTURAL_REACH,
    WEAK_REACH,
    weak_hop,
)
from assessments.engine.snapshot_delta import ChangeSet, diff_snapshots
from threatmodel.domain import Snapshot

#: Component fields that rules of *other* elements read (neighbours, boundary mates, grants, identities).
#: A change to any other field only re-checks the component and its own flows.
STRUCTURAL_COMPONENT_FIELDS = (
    "kind",
    "boundary",
    "internet_facing",
    "mesh",
    "identity",
    "data_stored",
    "data_processed",
)


#: Flow fields other elements' rules read: endpoints and direction (everything is re-checked around them) ...
STRUCTURAL_FLOW_FIELDS = ("source", "target", "bidirectional")
#: ... and content fields read by grant rules (read-only detection, data use) and data-transfer rules.
#: A change to any other flow field (encryption, authentication, protocol...) only re-checks the flow itself.
CONTENT_FLOW_FIELDS = ("name", "attributes", "data_assets")


#: What the model-scope rules (seg.flat-model, seg.untrusted-path-to-crown-jewel) read besides controls and the
#: set of components and flows: an edit changing none of these keeps their previous results (no re-run).
MODEL_RULE_FLOW_FIELDS = ("source", "target", "bidirectional", "authentication")
MODEL_RULE_COMPONENT_FIELDS = ("kind", "boundary", "internet_facing", "data_stored")


def model_rules_unaffected(old: ModelContext, new: ModelContext, changes: ChangeSet) -> bool:
    """Whether the model-scope rules give the same results on ``new`` as on ``old``."""
    for collection in ("components", "flows", "controls"):
        if changes.added.get(collection) or changes.removed.get(collection):
            return False
    if changes.changed.get("controls"):
        return False
    for flow_id in changes.changed.get("flows", ()):
        before, after = old.flows[flow_id], new.flows[flow_id]
        if any(getattr(before, n) != getattr(after, n) for n in MODEL_RULE_FLOW_FIELDS):
            return False
    for comp_id in changes.changed.get("components", ()):
        before_c, after_c = old.components[comp_id], new.components[comp_id]
        if any(getattr(before_c, n) != getattr(after_c, n) for n in MODEL_RULE_COMPONENT_FIELDS):
            return False
    return True


#: Component fields that decide whether a component is an entry point (graph.ModelContext.is_entry).
ENTRY_COMPONENT_FIELDS = ("kind", "boundary", "internet_facing")


def keep_structural_memo(old: ModelContext, new: ModelContext, changes: ChangeSet) -> None:
    """Carry the attack-path rule's memoised walks over when the edit cannot change them, so the re-check walks
    the graph fewer times: the structural reach when the edit leaves the topology and the entry points as they
    were (it depends on nothing else), the weak reach when moreover no hop became weak and every hop that stopped
    being weak was off its breadth-first tree (``_weak_reach_kept``)."""
    _keep_jewels_memo(old, new, changes)
    for collection in ("components", "flows"):
        if changes.added.get(collection) or changes.removed.get(collection):
            return
    for flow_id in changes.changed.get("flows", ()):
        if any(getattr(old.flows[flow_id], n) != getattr(new.flows[flow_id], n) for n in STRUCTURAL_FLOW_FIELDS):
            return
    for comp_id in changes.changed.get("components", ()):
        before, after = old.components[comp_id], new.components[comp_id]
        if any(getattr(before, n) != getattr(after, n) for n in ENTRY_COMPONENT_FIELDS):
            return
    cached = old.memo.get(STRUCTURAL_REACH)
    if cached is not None:
        new.memo[STRUCTURAL_REACH] = cached
    weak = old.memo.get(WEAK_REACH)
    if weak is not None and _weak_reach_kept(old, new, changes, cast(dict[str, tuple[str, str] | None], weak)):
        new.memo[WEAK_REACH] = weak


def _weak_reach_kept(
    old: ModelContext, new: ModelContext, changes: ChangeSet, weak: dict[str, tuple[str, str] | None]
) -> bool:
    """Whether the weak-hop breadth-first walk of ``new`` gives exactly ``weak`` (that of ``old``, same topology
    and starts). A hop that stops being weak and is not a tree edge (the flow a node was first reached by) was,
    when the walk looked at it, leading to a node already reached: skipping it changes nothing, so the walk
    makes the same discoveries in the same order. A hop that becomes weak may reach more."""
    tree: set[str] | None = None
    for flow_id in changes.changed.get("flows", ()):
        was_weak = weak_hop(old.flows[flow_id])
        if was_weak == weak_hop(new.flows[flow_id]):
            continue
        if not was_weak:
            return False
        if tree is None:
            tree = {step[1] for step in weak.values() if step is not None}
        if flow_id in tree:
            return False
    return True


def _keep_jewels_memo(old: ModelContext, new: ModelContext, changes: ChangeSet) -> None:
    """Carry the crown jewels and entry points over when no component came, went or changed what decides them."""
    cached = old.memo.get(JEWELS_AND_ENTRIES)
    if cached is None or changes.added.get("components") or changes.removed.get("components"):
        return
    for comp_id in changes.changed.get("components", ()):
        before, after = old.components[comp_id], new.components[comp_id]
        if any(getattr(before, n) != getattr(after, n) for n in JEWEL_COMPONENT_FIELDS):
            return
    new.memo[JEWELS_AND_ENTRIES] = cached


def dirty_elements(old: ModelContext, new: ModelContext, changes: ChangeSet) -> set[str]:
    """Elements whose checks may differ after ``changes`` (the dependency closure, docs/scoring.md).

    The closure is taken in both the old and the new context (an element may have lost or gained a
    neighbour); the data assets and the grants of touched identities come last, once every identity is known."""
    closure = _Closure(_structural_components(old, new, changes), _flow_change_levels(old, new, changes))
    for ctx in (old, new):
        closure.touch_changes(ctx, changes)
    for ctx in (old, new):
        closure.touch_data_and_grants(ctx, changes)
    return closure.dirty | closure.comps | closure.idents


def _structural_components(old: ModelContext, new: ModelContext, changes: ChangeSet) -> set[str]:
    """Added, removed and changed components whose change other elements' rules see."""
    structural = set(changes.added.get("components", ())) | set(changes.removed.get("components", ()))
    for comp_id in changes.changed.get("components", ()):
        before, after = old.components[comp_id], new.components[comp_id]
        if any(getattr(before, name) != getattr(after, name) for name in STRUCTURAL_COMPONENT_FIELDS):
            structural.add(comp_id)
    return structural


def _flow_change_levels(old: ModelContext, new: ModelContext, changes: ChangeSet) -> dict[str, int]:
    """Per changed flow: 2 structural, 1 content only, 0 the flow's own security attributes only."""
    levels: dict[str, int] = {}
    for flow_id in changes.changed.get("flows", ()):
        before, after = old.flows[flow_id], new.flows[flow_id]
        if any(getattr(before, n) != getattr(after, n) for n in STRUCTURAL_FLOW_FIELDS):
            levels[flow_id] = 2
        elif any(getattr(before, n) != getattr(after, n) for n in CONTENT_FLOW_FIELDS):
            levels[flow_id] = 1
        else:
            levels[flow_id] = 0
    return levels


class _Closure:
    """The growing dependency closure: elements to re-check, components and identities around them."""

    def __init__(self, structural: set[str], flow_levels: dict[str, int]) -> None:
        self.structural = structural
        self.flow_levels = flow_levels  # added / removed flows are absent: structural (2)
        self.dirty: set[str] = set()
        self.comps: set[str] = set()
        self.idents: set[str] = set()

    def touch_changes(self, ctx: ModelContext, changes: ChangeSet) -> None:
        for comp_id in changes.ids("components"):
            self.component(ctx, comp_id)
        for flow_id in changes.ids("flows"):
            self.flow(ctx, flow_id)
        for grant_id in changes.ids("grants"):
            self.grant(ctx, grant_id)
        for ident_id in changes.ids("identities"):
            self.idents.add(ident_id)
            self.comps.update(ctx.by_identity.get(ident_id, ()))
        for control_id in changes.ids("controls"):
            self.control(ctx, control_id)

    def _identity_of(self, ctx: ModelContext, comp_id: str) -> None:
        identity = ctx.components[comp_id].identity
        if identity is not None:
            self.idents.add(identity)

    def _flows_of(self, ctx: ModelContext, comp_id: str) -> None:
        self.dirty.update(ctx.in_flows.get(comp_id, ()))
        self.dirty.update(ctx.out_flows.get(comp_id, ()))

    def component(self, ctx: ModelContext, comp_id: str) -> None:
        comp = ctx.components.get(comp_id)
        if comp is None:
            return
        self.comps.add(comp_id)
        self._flows_of(ctx, comp_id)
        if comp_id not in self.structural:
            return
        neighbours = ctx.neighbours(comp_id)
        self.comps.update(neighbours)
        for fid in ctx.out_flows.get(comp_id, ()):
            self.dirty.update(ctx.out_flows.get(ctx.flows[fid].target, ()))
        self.comps.update(ctx.members.get(comp.boundary, ()))
        for member in (comp_id, *neighbours):
            self._identity_of(ctx, member)
        self.dirty.update(g.id for g in ctx.grants_by_target.get(comp_id, ()))

    def flow(self, ctx: ModelContext, flow_id: str) -> None:
        flow = ctx.flows.get(flow_id)
        if flow is None:
            return
        self.dirty.add(flow_id)
        level = self.flow_levels.get(flow_id, 2)
        if level == 0:  # component rules read the flows at their ends (zt.component-unauthenticated: inbound auth)
            self.comps.update((flow.source, flow.target))
            return
        if level == 1:  # name / attributes / data assets: read by grant rules and data-transfer rules
            self.dirty.update(ctx.in_flows.get(flow.source, ()))
            self._identity_of(ctx, flow.source)
            return
        self.comps.update((flow.source, flow.target))
        self.dirty.update(ctx.in_flows.get(flow.source, ()))
        self.dirty.update(ctx.out_flows.get(flow.target, ()))
        for end in (flow.source, flow.target):
            self._identity_of(ctx, end)

    def grant(self, ctx: ModelContext, grant_id: str) -> None:
        grant = ctx.grant_by_id.get(grant_id)
        if grant is None:
            return
        self.dirty.add(grant_id)
        self.idents.add(grant.identity)
        if grant.target == "*":
            self.comps.update(ctx.components)
        else:
            self.dirty.add(grant.target)

    def control(self, ctx: ModelContext, control_id: str) -> None:
        control = ctx.snapshot_control(control_id)
        if control is None:
            return
        target = control.target
        self.dirty.add(target)
        if target in ctx.components:
            self.comps.add(target)
            self.comps.update(ctx.neighbours(target))
            self._flows_of(ctx, target)
        elif target in ctx.identities:
            self.idents.add(target)
        self.dirty.update(g.id for g in ctx.grants_by_target.get(target, ()))

    def touch_data_and_grants(self, ctx: ModelContext, changes: ChangeSet) -> None:
        """The data assets of changed components, flows and grants; the grants of every touched identity."""
        for comp_id in changes.ids("components"):
            comp = ctx.components.get(comp_id)
            if comp is not None:
                self.dirty.update(comp.data_stored)
                self.dirty.update(comp.data_processed)
        for flow_id in changes.ids("flows"):
            flow = ctx.flows.get(flow_id)
            if flow is not None:
                self.dirty.update(flow.data_assets)
        for grant_id in changes.ids("grants"):
            grant = ctx.grant_by_id.get(grant_id)
            if grant is not None and grant.target in ctx.data_assets:
                self.dirty.add(grant.target)
        for ident_id in self.idents:
            self.dirty.update(g.id for g in ctx.grants_by_identity.get(ident_id, ()))


def reevaluate(state: EvalState, snapshot: Snapshot) -> EvalState:
    """Evaluate ``snapshot`` reusing ``state`` (the evaluation of an earlier revision of the same model).

    Falls back to a full evaluation when boundaries, data assets or the model info changed.
    """
    return _reevaluate(state, snapshot, keep_elements=True)


def reevaluated_totals(state: EvalState, snapshot: Snapshot) -> Totals:
    """``reevaluate(state, snapshot).totals`` without building the new state's index of element results (the plan
    measures only scores; copying the index of a large model for each candidate is most of the memory it would
    touch)."""
    return _reevaluate(state, snapshot, keep_elements=False).totals


def _reevaluate(state: EvalState, snapshot: Snapshot, *, keep_elements: bool) -> EvalState:
    """``reevaluate``; without ``keep_elements`` the result has an empty element index (only its totals are
    right)."""
    changes = diff_snapshots(state.snapshot, snapshot)
    if changes.empty:
        return EvalState(
            snapshot,
            state.ctx,
            state.evaluator,
            state.elements,
            state.model,
            state.applicability,
            state.failures,
            reevaluated=0,
            touched=frozenset(),
        )
    if changes.info_changed or changes.ids("boundaries") or changes.ids("data_assets"):
        return evaluate_full(snapshot, state.evaluator)
    ctx = state.ctx.derive(snapshot, changes)
    dirty = dirty_elements(state.ctx, ctx, changes)
    elements = dict(state.elements) if keep_elements else {}
    previous = state.elements
    applicability = dict(state.applicability)
    failures: Totals = {rule: list(row) for rule, row in state.failures.items()}
    for element_id in dirty:  # (a set: each element once)
        old = elements.pop(element_id, None) if keep_elements else previous.get(element_id)
        if old is not None:
            account_result(applicability, failures, old, -1)
        new = state.evaluator.evaluate(ctx, element_id)
        if new is not None and (new.applicable or new.checks):
            if keep_elements:
                elements[element_id] = new
            account_result(applicability, failures, new, 1)
    if model_rules_unaffected(state.ctx, ctx, changes):
        model = state.model
    else:
        keep_structural_memo(state.ctx, ctx, changes)
        for results in state.model.values():
            for result in results:
                account_result(applicability, failures, result, -1)
        model = state.evaluator.evaluate_model(ctx)
        for results in model.values():
            for result in results:
                account_result(applicability, failures, result, 1)
    applicability = {k: v for k, v in applicability.items() if v}
    return EvalState(
        snapshot,
        ctx,
        state.evaluator,
        elements,
        model,
        applicability,
        failures,
        reevaluated=len(dirty),
        touched=frozenset(dirty),
    )
