"""Incremental re-evaluation: after an edit, only the elements whose inputs changed are evaluated again.

Rule totals are updated by subtracting the old checks and adding the new ones, which gives exactly the same
integers as a full evaluation (docs/scoring.md, "Incremental re-check"; property-tested against it).
"""

from __future__ import annotations

from assessments.engine.evaluate import EvalState, Totals, account_result, evaluate_full
from assessments.engine.graph import ModelContext
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
        dirty.update(flows_of(ctx, comp_id))
        if comp_id not in structural:
            return
        neighbours = ctx.neighbours(comp_id)
        comps.update(neighbours)
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
        level = flow_levels.get(flow_id, 2)
        if level == 0:
            return
        if level == 1:  # name / attributes / data assets: read by grant rules and data-transfer rules
            dirty.update(ctx.in_flows.get(flow.source, ()))
            identity = ctx.components[flow.source].identity
            if identity is not None:
                idents.add(identity)
            return
        comps.update((flow.source, flow.target))
        dirty.update(ctx.in_flows.get(flow.source, ()))
        dirty.update(ctx.out_flows.get(flow.target, ()))
        for end in (flow.source, flow.target):
            identity = ctx.components[end].identity
            if identity is not None:
                idents.add(identity)

    flow_levels: dict[str, int] = {}
    for flow_id in changes.changed.get("flows", ()):
        before_flow, after_flow = old.flows[flow_id], new.flows[flow_id]
        if any(getattr(before_flow, n) != getattr(after_flow, n) for n in STRUCTURAL_FLOW_FIELDS):
            flow_levels[flow_id] = 2
        elif any(getattr(before_flow, n) != getattr(after_flow, n) for n in CONTENT_FLOW_FIELDS):
            flow_levels[flow_id] = 1
        else:
            flow_levels[flow_id] = 0
    structural = set(changes.added.get("components", ())) | set(changes.removed.get("components", ()))
    for comp_id in changes.changed.get("components", ()):
        before, after = old.components[comp_id], new.components[comp_id]
        if any(getattr(before, name) != getattr(after, name) for name in STRUCTURAL_COMPONENT_FIELDS):
            structural.add(comp_id)
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
        for comp_id in changes.ids("components"):
            comp = ctx.components.get(comp_id)
            if comp is not None:
                dirty.update(comp.data_stored)
                dirty.update(comp.data_processed)
        for flow_id in changes.ids("flows"):
            flow = ctx.flows.get(flow_id)
            if flow is not None:
                dirty.update(flow.data_assets)
        for grant_id in changes.ids("grants"):
            grant = ctx.grant_by_id.get(grant_id)
            if grant is not None and grant.target in ctx.data_assets:
                dirty.add(grant.target)
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
    elements = dict(state.elements)
    applicability = dict(state.applicability)
    failures: Totals = {rule: list(row) for rule, row in state.failures.items()}
    for element_id in dirty:
        old = elements.pop(element_id, None)
        if old is not None:
            account_result(applicability, failures, old, -1)
        new = state.evaluator.evaluate(ctx, element_id)
        if new is not None and (new.applicable or new.checks):
            elements[element_id] = new
            account_result(applicability, failures, new, 1)
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
