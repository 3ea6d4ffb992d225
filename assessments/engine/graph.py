"""The analysis context: indexes over a snapshot and its networkx flow graph.

``ModelContext`` precomputes, once per snapshot, what the rules need (flows in/out of each component,
boundary membership, grants per identity/target, implemented controls per element) and derives, lazily
and with memoisation, per-flow facts such as boundary crossing and trust drop.

Boundary crossing follows Threagile: a flow *crosses a boundary* when the innermost boundaries of its
source and target differ, and *crosses a network boundary* when their innermost **network** boundaries
differ (an ``execution-environment`` boundary is not a network boundary). The trust drop of a flow is
the trust rank of the source's innermost boundary minus the target's (positive = towards lower trust).

``ModelContext.derive(new_snapshot, changes)`` builds the context of an edited snapshot reusing the flow
adjacency and the per-flow facts of unaffected flows (see ``docs/scoring.md``, incremental re-check).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import networkx as nx

from assessments.engine.hops import attacker_moves, hop_cost
from assessments.engine.snapshot_delta import ChangeSet, patched_index
from assessments.engine.traits import (
    CARRIES_CREDENTIALS,
    CARRIES_RESTRICTED,
    CARRIES_SENSITIVE,
    CROSSES_NETWORK,
    PER_REQUEST_AUTHORIZATION,
    SOURCE_EXTERNAL,
    SOURCE_IN_UNTRUSTED_BOUNDARY,
    SOURCE_MESHED,
    TARGET_EXTERNAL,
    TARGET_MESHED,
    TARGET_PER_REQUEST_AUTHZ,
    protection_traits,
)
from threatmodel.domain import Component, Control, DataFlow, Grant, Snapshot
from threatmodel.vocabulary import (
    CLASSIFICATION_ORDER,
    EXTERNAL_KINDS,
    STORAGE_KINDS,
    TRUST_ORDER,
    Authorization,
    BoundaryKind,
    Classification,
    ComponentKind,
    ControlStatus,
    Encryption,
    MeshMode,
    TrustLevel,
    judged_authorization,
    judged_encryption,
    judged_trust,
)

#: Trust rank used for components outside every boundary.
DEFAULT_TRUST = TRUST_ORDER[TrustLevel.MEDIUM]
RESTRICTED_RANK = CLASSIFICATION_ORDER[Classification.RESTRICTED]
CONFIDENTIAL_RANK = CLASSIFICATION_ORDER[Classification.CONFIDENTIAL]
#: Kinds that hold data we consider crown jewels when it is confidential or restricted.
CROWN_JEWEL_KINDS = frozenset(STORAGE_KINDS | {ComponentKind.IDENTITY_PROVIDER})
NETWORK_BOUNDARY_KINDS = frozenset(k for k in BoundaryKind if k is not BoundaryKind.EXECUTION_ENVIRONMENT)
UNTRUSTED_RANK = TRUST_ORDER[TrustLevel.UNTRUSTED]
#: Boundaries outside the organisation's control: a component placed in one is *external*.
EXTERNAL_BOUNDARY_KINDS = frozenset({BoundaryKind.INTERNET, BoundaryKind.THIRD_PARTY})
MESHED_MODES = frozenset({MeshMode.SIDECAR, MeshMode.AMBIENT})


@dataclass(slots=True)
class FlowFacts:
    """Facts about one flow derived from its endpoints, their boundaries and the data it carries.

    (Not frozen only because frozen dataclasses are slow to build; treat it as read-only.)"""

    flow: DataFlow
    source: Component
    target: Component
    source_boundary: str | None
    target_boundary: str | None
    crosses: bool
    crosses_network: bool
    source_trust: int
    target_trust: int
    data_rank: int  # highest classification rank of the data carried (0 when none)
    pii: tuple[str, ...]
    credentials: tuple[str, ...]
    restricted: tuple[str, ...]
    sensitive: tuple[str, ...]  # confidential or restricted assets carried
    traits: int  # structural (CROSSES_NETWORK, ...) and protection (PLAINTEXT, ...) trait bits
    #: the protection the engine judges the flow to have (an unspecified value resolved, vocabulary.judged_*)
    encryption: Encryption
    authorization: Authorization

    @property
    def trust_drop(self) -> int:
        return self.source_trust - self.target_trust

    @property
    def source_external(self) -> bool:
        """``ModelContext.is_external`` of the source."""
        return bool(self.traits & SOURCE_EXTERNAL)

    @property
    def target_external(self) -> bool:
        """``ModelContext.is_external`` of the target."""
        return bool(self.traits & TARGET_EXTERNAL)


class ModelContext:
    """Indexes over one snapshot, shared by every rule."""

    def __init__(
        self, snapshot: Snapshot, *, base: ModelContext | None = None, changes: ChangeSet | None = None
    ) -> None:
        self.snapshot = snapshot
        #: (previous context, changes) when this context is patched from the previous revision's, else None
        delta = (
            (base, changes)
            if base is not None
            and changes is not None
            and not (changes.ids("boundaries") or changes.ids("data_assets"))
            else None
        )
        if delta is not None:
            self.components: dict[str, Component] = patched_index(
                delta[0].components, snapshot.components, delta[1], "components"
            )
            self.flows: dict[str, DataFlow] = patched_index(delta[0].flows, snapshot.flows, delta[1], "flows")
        else:
            self.components = snapshot.component_by_id
            self.flows = snapshot.flow_by_id
        self.boundaries = snapshot.boundary_by_id
        self.data_assets = snapshot.data_asset_by_id
        self.identities = snapshot.identity_by_id
        self._chain_cache: dict[str | None, tuple[str, ...]] = {}
        self._net_cache: dict[str | None, str | None] = {}
        #: boundary -> (innermost network boundary, trust rank, external boundary)
        self._placement: dict[str | None, tuple[str | None, int, bool]] = {}
        self._group_of: dict[str, str] = {}  # boundary -> namespace (or the boundary itself), see group_of
        self._exposed: dict[str, bool] = {}
        self._rank: dict[str, int] = {}
        self._used_data: dict[str, frozenset[str]] = {}
        self._facing: dict[str | None, tuple[str, ...]] = {}
        #: Per-context memo for rule helpers (a fresh context per snapshot, so entries never go stale).
        self.memo: dict[tuple[str, ...], object] = {}
        self._data_facts: dict[
            tuple[str, ...], tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], int]
        ] = {}
        self.out_flows: dict[str, list[str]]
        self.in_flows: dict[str, list[str]]
        if delta is not None:
            self._derive_flow_indexes(*delta)
        else:
            self._build_flow_indexes()
        self._index_members(delta)
        self.asset_usage = _derive_usage(delta[0], self, delta[1]) if delta is not None else self._count_usage()
        self._index_grants_and_controls(delta)

    def _index_members(self, delta: tuple[ModelContext, ChangeSet] | None) -> None:
        """Components by boundary and by identity (the previous context's when no component moved)."""
        if delta is not None and not _placement_changed(delta[0], self, delta[1]):
            self.members: dict[str | None, list[str]] = delta[0].members
            self.by_identity: dict[str, list[str]] = delta[0].by_identity
            return
        self.members = {}
        self.by_identity = {}
        for comp in self.snapshot.components:
            self.members.setdefault(comp.boundary, []).append(comp.id)
            if comp.identity is not None:
                self.by_identity.setdefault(comp.identity, []).append(comp.id)

    def _count_usage(self) -> dict[str, int]:
        """Data asset -> number of components, flows and grants that use it."""
        usage: dict[str, int] = {}
        for comp in self.snapshot.components:
            _count_component(usage, comp, 1)
        for flow in self.snapshot.flows:
            _count_assets(usage, flow.data_assets, 1)
        for grant in self.snapshot.grants:
            _count_assets(usage, (grant.target,), 1)
        return usage

    def _index_grants_and_controls(self, delta: tuple[ModelContext, ChangeSet] | None) -> None:
        """Grants by identity and by target; implemented controls by target (the previous context's when
        unchanged)."""
        if delta is not None and not delta[1].ids("grants"):
            self.grants_by_identity: dict[str, list[Grant]] = delta[0].grants_by_identity
            self.grants_by_target: dict[str, list[Grant]] = delta[0].grants_by_target
        else:
            self.grants_by_identity = {}
            self.grants_by_target = {}
            for grant in self.snapshot.grants:
                self.grants_by_identity.setdefault(grant.identity, []).append(grant)
                self.grants_by_target.setdefault(grant.target, []).append(grant)
        if delta is not None and not delta[1].ids("controls"):
            self.controls_by_target: dict[str, list[Control]] = delta[0].controls_by_target
        else:
            self.controls_by_target = {}
            for control in self.snapshot.controls:
                if control.status is ControlStatus.IMPLEMENTED:
                    self.controls_by_target.setdefault(control.target, []).append(control)

    # -- flow adjacency and per-flow facts -----------------------------------------------------
    def _build_flow_indexes(self) -> None:
        out_flows: dict[str, list[str]] = {}
        in_flows: dict[str, list[str]] = {}
        for flow in self.snapshot.flows:
            out_flows.setdefault(flow.source, []).append(flow.id)
            in_flows.setdefault(flow.target, []).append(flow.id)
        self.out_flows = out_flows
        self.in_flows = in_flows
        self._facts: dict[str, FlowFacts] = {}

    def _derive_flow_indexes(self, base: ModelContext, changes: ChangeSet) -> None:
        touched_flows = changes.ids("flows")
        touched_components = changes.ids("components")
        self._facts = dict(base._facts)
        for flow_id in touched_flows:
            self._facts.pop(flow_id, None)
        if touched_components:
            for comp_id in touched_components:
                for flow_id in base.out_flows.get(comp_id, ()):
                    self._facts.pop(flow_id, None)
                for flow_id in base.in_flows.get(comp_id, ()):
                    self._facts.pop(flow_id, None)
        structural = changes.added.get("flows", frozenset()) | changes.removed.get("flows", frozenset())
        endpoint_moved = {
            fid
            for fid in changes.changed.get("flows", frozenset())
            if (base.flows[fid].source, base.flows[fid].target) != (self.flows[fid].source, self.flows[fid].target)
        }
        if not structural and not endpoint_moved:
            self.out_flows = base.out_flows
            self.in_flows = base.in_flows
            return
        out_flows = dict(base.out_flows)
        in_flows = dict(base.in_flows)
        for fid in structural | endpoint_moved:
            old = base.flows.get(fid)
            if old is not None:
                out_flows[old.source] = [f for f in out_flows.get(old.source, ()) if f != fid]
                in_flows[old.target] = [f for f in in_flows.get(old.target, ()) if f != fid]
        for fid in sorted(structural | endpoint_moved):
            new = self.flows.get(fid)
            if new is not None:
                out_flows[new.source] = sorted([*out_flows.get(new.source, ()), fid])
                in_flows[new.target] = sorted([*in_flows.get(new.target, ()), fid])
        self.out_flows = out_flows
        self.in_flows = in_flows

    def derive(self, snapshot: Snapshot, changes: ChangeSet) -> ModelContext:
        return ModelContext(snapshot, base=self, changes=changes)

    def facts(self, flow_id: str) -> FlowFacts:
        cached = self._facts.get(flow_id)
        if cached is not None:
            return cached
        flow = self.flows[flow_id]
        source = self.components[flow.source]
        target = self.components[flow.target]
        data = self._data_facts.get(flow.data_assets)
        if data is None:
            data = self._data_facts[flow.data_assets] = self._classify(flow.data_assets)
        source_boundary, target_boundary = source.boundary, target.boundary
        placement = self._placement
        source_place = placement.get(source_boundary)
        if source_place is None:
            source_place = placement[source_boundary] = self._place(source_boundary)
        target_place = placement.get(target_boundary)
        if target_place is None:
            target_place = placement[target_boundary] = self._place(target_boundary)
        crosses_network = source_place[0] != target_place[0]
        traits = data[5]
        if crosses_network:
            traits |= CROSSES_NETWORK
        if self.is_external(source):
            traits |= SOURCE_EXTERNAL
        if self.is_external(target):
            traits |= TARGET_EXTERNAL
        if source.mesh in MESHED_MODES:
            traits |= SOURCE_MESHED
        if target.mesh in MESHED_MODES:
            traits |= TARGET_MESHED
        if source_boundary is not None and source_place[1] == UNTRUSTED_RANK:
            traits |= SOURCE_IN_UNTRUSTED_BOUNDARY
        if target.authorization in PER_REQUEST_AUTHORIZATION:
            traits |= TARGET_PER_REQUEST_AUTHZ
        encryption = judged_encryption(flow.encryption, flow.protocol)
        authorization = judged_authorization(flow.authorization)
        traits |= protection_traits(flow, encryption, authorization)
        # positional, in field order (hot: one per flow)
        facts = FlowFacts(
            flow,
            source,
            target,
            source_boundary,
            target_boundary,
            source_boundary != target_boundary,
            crosses_network,
            source_place[1],
            target_place[1],
            data[0],
            data[1],
            data[2],
            data[3],
            data[4],
            traits,
            encryption,
            authorization,
        )
        self._facts[flow_id] = facts
        return facts

    def _place(self, boundary_id: str | None) -> tuple[str | None, int, bool]:
        boundary = self.boundaries.get(boundary_id) if boundary_id is not None else None
        return (
            self.network_boundary(boundary_id),
            self.trust(boundary_id),
            boundary is not None and boundary.kind in EXTERNAL_BOUNDARY_KINDS,
        )

    def _classify(
        self, assets: tuple[str, ...]
    ) -> tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], int]:
        """(highest rank, pii, credentials, restricted, sensitive, data trait bits) of a list of data assets."""
        rank = 0
        pii: list[str] = []
        creds: list[str] = []
        restricted: list[str] = []
        sensitive: list[str] = []
        for asset_id in assets:
            asset = self.data_assets.get(asset_id)
            if asset is None:
                continue
            r = CLASSIFICATION_ORDER[asset.classification]
            rank = max(rank, r)
            if asset.pii:
                pii.append(asset_id)
            if asset.credentials:
                creds.append(asset_id)
            if r >= CONFIDENTIAL_RANK:
                sensitive.append(asset_id)
            if r >= RESTRICTED_RANK:
                restricted.append(asset_id)
        traits = (
            (CARRIES_SENSITIVE if sensitive else 0)
            | (CARRIES_CREDENTIALS if creds else 0)
            | (CARRIES_RESTRICTED if restricted else 0)
        )
        return rank, tuple(pii), tuple(creds), tuple(restricted), tuple(sensitive), traits

    # -- boundaries ----------------------------------------------------------------------------
    def chain(self, boundary_id: str | None) -> tuple[str, ...]:
        cached = self._chain_cache.get(boundary_id)
        if cached is None:
            cached = self.snapshot.boundary_chain(boundary_id)
            self._chain_cache[boundary_id] = cached
        return cached

    def network_boundary(self, boundary_id: str | None) -> str | None:
        """The innermost network boundary (skipping execution environments) containing ``boundary_id``."""
        if boundary_id in self._net_cache:
            return self._net_cache[boundary_id]
        result: str | None = None
        for bid in self.chain(boundary_id):
            if self.boundaries[bid].kind in NETWORK_BOUNDARY_KINDS:
                result = bid
                break
        self._net_cache[boundary_id] = result
        return result

    def trust(self, boundary_id: str | None) -> int:
        boundary = self.boundaries.get(boundary_id) if boundary_id is not None else None
        return TRUST_ORDER[judged_trust(boundary.trust_level, boundary.kind)] if boundary is not None else DEFAULT_TRUST

    def group_of(self, component_id: str) -> str:
        """The namespace (or innermost boundary) a component belongs to, for grouping fixes."""
        comp = self.components.get(component_id)
        if comp is None or comp.boundary is None:
            return ""
        group = self._group_of.get(comp.boundary)
        if group is None:
            group = comp.boundary
            for bid in self.chain(comp.boundary):
                if self.boundaries[bid].kind is BoundaryKind.NAMESPACE:
                    group = bid
                    break
            self._group_of[comp.boundary] = group
        return group

    def is_external(self, comp: Component) -> bool:
        """Outside the organisation's control: an external entity or human user, or placed in an internet or
        third-party boundary."""
        if comp.kind in EXTERNAL_KINDS:
            return True
        place = self._placement.get(comp.boundary)
        if place is None:
            place = self._placement[comp.boundary] = self._place(comp.boundary)
        return place[2]

    def in_untrusted_zone(self, comp: Component) -> bool:
        return comp.boundary is not None and self.trust(comp.boundary) == UNTRUSTED_RANK

    # -- data ----------------------------------------------------------------------------------
    def rank_of(self, asset_ids: Iterable[str]) -> int:
        rank = 0
        for asset_id in asset_ids:
            asset = self.data_assets.get(asset_id)
            if asset is not None:
                rank = max(rank, CLASSIFICATION_ORDER[asset.classification])
        return rank

    def component_rank(self, comp: Component) -> int:
        cached = self._rank.get(comp.id)
        if cached is None:
            cached = self._rank[comp.id] = max(self.rank_of(comp.data_stored), self.rank_of(comp.data_processed))
        return cached

    def sensitive_stored(self, comp: Component) -> tuple[str, ...]:
        return tuple(
            a
            for a in comp.data_stored
            if a in self.data_assets and CLASSIFICATION_ORDER[self.data_assets[a].classification] >= CONFIDENTIAL_RANK
        )

    def is_crown_jewel(self, comp: Component) -> bool:
        return comp.kind in CROWN_JEWEL_KINDS and bool(self.sensitive_stored(comp))

    def is_entry(self, comp: Component) -> bool:
        """Entry points: internet-facing components, external entities, human users in untrusted zones."""
        if comp.internet_facing or comp.kind is ComponentKind.EXTERNAL_ENTITY:
            return True
        return comp.kind is ComponentKind.HUMAN_USER and (comp.boundary is None or self.in_untrusted_zone(comp))

    def exposed(self, comp: Component) -> bool:
        """Reachable straight from the internet: internet-facing, or fed by a flow from an untrusted-zone client."""
        cached = self._exposed.get(comp.id)
        if cached is not None:
            return cached
        result = comp.internet_facing
        if not result:
            for fid in self.in_flows.get(comp.id, ()):
                src = self.components[self.flows[fid].source]
                if src.kind in EXTERNAL_KINDS and (src.boundary is None or self.in_untrusted_zone(src)):
                    result = True
                    break
        self._exposed[comp.id] = result
        return result

    def used_data(self, comp: Component) -> frozenset[str]:
        """Data the component stores, processes or sends on (data assets of its outgoing flows)."""
        cached = self._used_data.get(comp.id)
        if cached is None:
            used = set(comp.data_stored) | set(comp.data_processed)
            for fid in self.out_flows.get(comp.id, ()):
                used.update(self.flows[fid].data_assets)
            cached = self._used_data[comp.id] = frozenset(used)
        return cached

    def internet_facing_members(self, boundary_id: str | None) -> tuple[str, ...]:
        cached = self._facing.get(boundary_id)
        if cached is None:
            cached = self._facing[boundary_id] = tuple(
                m for m in self.members.get(boundary_id, ()) if self.components[m].internet_facing
            )
        return cached

    # -- controls and grants -------------------------------------------------------------------
    def implemented_controls(self, element_id: str) -> list[Control]:
        return self.controls_by_target.get(element_id, [])

    def grants_on(self, target_id: str) -> list[Grant]:
        return self.grants_by_target.get(target_id, []) + self.grants_by_target.get("*", [])

    def neighbours(self, component_id: str) -> set[str]:
        flows = self.flows
        out = {flows[fid].target for fid in self.out_flows.get(component_id, ())}
        out.update([flows[fid].source for fid in self.in_flows.get(component_id, ())])
        return out

    @cached_property
    def grant_by_id(self) -> dict[str, Grant]:
        return {g.id: g for g in self.snapshot.grants}

    @cached_property
    def control_by_id(self) -> dict[str, Control]:
        return {c.id: c for c in self.snapshot.controls}

    def snapshot_control(self, control_id: str) -> Control | None:
        return self.control_by_id.get(control_id)

    # -- graph -----------------------------------------------------------------------------------
    @cached_property
    def adjacency(self) -> dict[str, dict[str, tuple[float, tuple[str, ...]]]]:
        """Attacker moves: node -> successor -> (cheapest hop cost, flow ids) (``hops.attacker_moves``)."""
        return attacker_moves(self.snapshot)

    @cached_property
    def graph(self) -> nx.DiGraph:
        return build_graph(self)


def _placement_changed(base: ModelContext, new: ModelContext, changes: ChangeSet) -> bool:
    if changes.added.get("components") or changes.removed.get("components"):
        return True
    for comp_id in changes.changed.get("components", ()):
        before, after = base.components[comp_id], new.components[comp_id]
        if before.boundary != after.boundary or before.identity != after.identity:
            return True
    return False


def _count_assets(usage: dict[str, int], assets: Iterable[str], sign: int) -> None:
    for asset in assets:
        usage[asset] = usage.get(asset, 0) + sign


def _count_component(usage: dict[str, int], comp: Component, sign: int) -> None:
    _count_assets(usage, comp.data_stored, sign)
    _count_assets(usage, comp.data_processed, sign)


def _derive_usage(base: ModelContext, new: ModelContext, changes: ChangeSet) -> dict[str, int]:
    usage = dict(base.asset_usage)
    for comp_id in changes.ids("components"):
        if comp_id in base.components:
            _count_component(usage, base.components[comp_id], -1)
        if comp_id in new.components:
            _count_component(usage, new.components[comp_id], 1)
    for flow_id in changes.ids("flows"):
        if flow_id in base.flows:
            _count_assets(usage, base.flows[flow_id].data_assets, -1)
        if flow_id in new.flows:
            _count_assets(usage, new.flows[flow_id].data_assets, 1)
    if changes.ids("grants"):
        for grant_id in changes.ids("grants"):
            if grant_id in base.grant_by_id:
                _count_assets(usage, (base.grant_by_id[grant_id].target,), -1)
            if grant_id in new.grant_by_id:
                _count_assets(usage, (new.grant_by_id[grant_id].target,), 1)
    return usage


def build_graph(ctx: ModelContext) -> nx.DiGraph:
    """Components as nodes, flows as edges (parallel flows merged: cheapest cost, all flow ids).

    Bidirectional flows add the reverse edge too. Edge attributes: ``flows`` (ids), ``cost`` (cheapest hop
    cost), ``crosses`` / ``crosses_network`` (any merged flow crosses), ``trust_drop`` (largest).
    """
    graph: nx.DiGraph = nx.DiGraph()
    for comp in ctx.snapshot.components:
        graph.add_node(comp.id, kind=comp.kind.value, boundary=comp.boundary, internet_facing=comp.internet_facing)
    edges: dict[tuple[str, str], dict[str, object]] = {}
    for flow in ctx.snapshot.flows:
        facts = ctx.facts(flow.id)
        cost = hop_cost(flow)
        pairs = [(flow.source, flow.target)]
        if flow.bidirectional:
            pairs.append((flow.target, flow.source))
        for pair in pairs:
            attrs = edges.get(pair)
            if attrs is None:
                edges[pair] = {
                    "flows": [flow.id],
                    "cost": cost,
                    "crosses": facts.crosses,
                    "crosses_network": facts.crosses_network,
                    "trust_drop": facts.trust_drop,
                }
            else:
                attrs["flows"].append(flow.id)  # type: ignore[attr-defined]
                if cost < attrs["cost"]:  # type: ignore[operator]
                    attrs["cost"] = cost
                attrs["crosses"] = bool(attrs["crosses"]) or facts.crosses
                attrs["crosses_network"] = bool(attrs["crosses_network"]) or facts.crosses_network
                attrs["trust_drop"] = max(int(attrs["trust_drop"]), facts.trust_drop)  # type: ignore[call-overload]
    graph.add_edges_from((s, t, a) for (s, t), a in edges.items())
    return graph
