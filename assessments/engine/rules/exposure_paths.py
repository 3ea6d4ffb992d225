"""Attack paths as findings: an untrusted entry reaching restricted or credential data without a real identity.

``seg.untrusted-path-to-crown-jewel`` (model scope, so it re-runs on every incremental re-check and the score
stays equal to a full analysis). A *weak hop* is a flow that asks no per-workload or per-user identity
(authentication none, unspecified or a long-lived shared secret). The rule applies to every crown jewel holding
restricted or credential data that some entry point reaches along flows at all (structure only), and fires
when an entry reaches it along weak hops only. Adding authentication removes weak hops (only closes findings);
adding flows can only add reach (only opens them). docs/scoring.md §5.

What it reads (``MODEL_RULE_FLOW_FIELDS`` / ``MODEL_RULE_COMPONENT_FIELDS`` in incremental.py): flow endpoints,
direction and authentication; component kind, exposure and stored data; controls. An edit that touches none of
them keeps the previous results of the model-scope rules.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import cast

from assessments.engine.graph import CROWN_JEWEL_KINDS, ModelContext
from assessments.engine.registry import PASS, CheckResult, Hit, ev, rule
from threatmodel.domain import Component, DataFlow
from threatmodel.vocabulary import CLASSIFICATION_ORDER, END_USER_AUTHENTICATION, PEER_AUTHENTICATION

#: Methods that bind the caller's own identity (a workload certificate or an end-user token).
IDENTITY_BOUND = frozenset(PEER_AUTHENTICATION | END_USER_AUTHENTICATION)
RESTRICTED_RANK = 3


def weak_hop(flow: DataFlow) -> bool:
    """A hop an attacker passes with no identity of its own (none, unspecified, or a shared secret)."""
    return flow.authentication not in IDENTITY_BOUND


def _jewel_data(ctx: ModelContext, comp: Component) -> tuple[str, ...]:
    """Restricted or credential data the component stores."""
    out = []
    for asset_id in comp.data_stored:
        asset = ctx.data_assets.get(asset_id)
        if asset is not None and (asset.credentials or CLASSIFICATION_ORDER[asset.classification] >= RESTRICTED_RANK):
            out.append(asset_id)
    return tuple(out)


def reach(ctx: ModelContext, starts: Iterable[str], *, weak_only: bool) -> dict[str, tuple[str, str] | None]:
    """Breadth-first reach from ``starts`` along flows (both ways when bidirectional; weak hops only when
    ``weak_only``): node -> (previous node, flow id) of its first discovery (None for a start).

    Deterministic, and the same after an incremental re-check as after a full analysis: the starts are sorted and
    the context keeps every node's flow lists sorted by flow id (graph.ModelContext), so no per-node sort."""
    parent: dict[str, tuple[str, str] | None] = {}
    queue: deque[str] = deque()
    for start in sorted(starts):
        parent[start] = None
        queue.append(start)
    flows = ctx.flows
    out_flows = ctx.out_flows
    in_flows = ctx.in_flows
    identity_bound = IDENTITY_BOUND
    empty: tuple[str, ...] = ()
    while queue:
        node = queue.popleft()
        for fid in out_flows.get(node, empty):
            flow = flows[fid]
            nxt = flow.target
            if nxt not in parent and not (weak_only and flow.authentication in identity_bound):
                parent[nxt] = (node, fid)
                queue.append(nxt)
        for fid in in_flows.get(node, empty):
            flow = flows[fid]
            if not flow.bidirectional:
                continue
            nxt = flow.source
            if nxt not in parent and not (weak_only and flow.authentication in identity_bound):
                parent[nxt] = (node, fid)
                queue.append(nxt)
    return parent


#: ``ModelContext.memo`` key of the structural reach (kept across an incremental re-check whose edit changes
#: no flow endpoint or direction and no component's entry status: incremental.keep_structural_memo).
STRUCTURAL_REACH = ("exposure-structural-reach",)


def _memoised_reach(
    ctx: ModelContext, entries: list[str], key: tuple[str], *, weak_only: bool
) -> dict[str, tuple[str, str] | None]:
    cached = ctx.memo.get(key)
    if cached is None:
        cached = ctx.memo[key] = reach(ctx, entries, weak_only=weak_only)
    return cast(dict[str, tuple[str, str] | None], cached)


def structural_reach(ctx: ModelContext, entries: list[str]) -> dict[str, tuple[str, str] | None]:
    """What the entries reach along any flow (applicability of the rule; depends on topology only)."""
    return _memoised_reach(ctx, entries, STRUCTURAL_REACH, weak_only=False)


#: ``ModelContext.memo`` key of the weak-hop reach from the entry points (kept across an incremental re-check when
#: it cannot have changed: incremental.keep_structural_memo).
WEAK_REACH = ("exposure-weak-reach",)


def weak_reach(ctx: ModelContext, entries: list[str]) -> dict[str, tuple[str, str] | None]:
    """What the entries reach along weak hops only (memoised per context)."""
    return _memoised_reach(ctx, entries, WEAK_REACH, weak_only=True)


def _route(parent: dict[str, tuple[str, str] | None], target: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    hops = [target]
    flows: list[str] = []
    step = parent[target]
    while step is not None:
        hops.append(step[0])
        flows.append(step[1])
        step = parent[step[0]]
    return tuple(reversed(hops)), tuple(reversed(flows))


#: ``ModelContext.memo`` key of the crown jewels' and the entry points' ids (kept across an incremental re-check
#: whose edit changes no component's kind, placement, exposure or stored data: incremental.keep_structural_memo).
JEWELS_AND_ENTRIES = ("exposure-jewels-and-entries",)
#: The component fields ``jewels_and_entries`` reads (besides the data assets and boundaries, whose change makes
#: the re-check a full analysis).
JEWEL_COMPONENT_FIELDS = ("kind", "boundary", "internet_facing", "data_stored")


def jewels_and_entries(ctx: ModelContext) -> tuple[list[Component], list[str]]:
    """The crown jewels (components holding restricted or credential data) and, when there are any, the ids of
    the entry points, both in component order (memoised per context)."""
    cached = ctx.memo.get(JEWELS_AND_ENTRIES)
    if cached is None:
        comps = ctx.components.values()
        jewel_ids = [c.id for c in comps if c.kind in CROWN_JEWEL_KINDS and _jewel_data(ctx, c)]
        entries = [c.id for c in comps if ctx.is_entry(c)] if jewel_ids else []
        cached = ctx.memo[JEWELS_AND_ENTRIES] = (jewel_ids, entries)
    jewels, entry_ids = cast(tuple[list[str], list[str]], cached)
    components = ctx.components
    return [components[i] for i in jewels], list(entry_ids)


@rule("seg.untrusted-path-to-crown-jewel", "model")
def untrusted_path_to_crown_jewel(ctx: ModelContext) -> Iterator[tuple[str, CheckResult]]:
    jewels, entries = jewels_and_entries(ctx)
    if not jewels or not entries:
        return
    anyway = structural_reach(ctx, entries)
    weak = weak_reach(ctx, entries)
    for comp in sorted(jewels, key=lambda c: c.id):
        if comp.id not in anyway or anyway[comp.id] is None:  # unreachable, or itself an entry (seg.* rules)
            continue
        if comp.id not in weak:
            yield comp.id, PASS
            continue
        hops, flows = _route(weak, comp.id)
        data = _jewel_data(ctx, comp)
        yield (
            comp.id,
            Hit(
                (),
                ev(entry=hops[0], hops=hops, flows=flows, data=data, weak_hops=len(flows)),
                data_rank=RESTRICTED_RANK,
                exposed=True,
                related=(*hops[:-1], *flows),
            ),
        )


def weak_flows_into(ctx: ModelContext, targets: Iterable[str]) -> list[str]:
    """The weak flows on some weak route from an entry to one of ``targets`` (what the plan's fix upgrades)."""
    _jewels, entries = jewels_and_entries(ctx)
    forward = weak_reach(ctx, entries)
    flows, in_flows, out_flows = ctx.flows, ctx.in_flows, ctx.out_flows
    bound = IDENTITY_BOUND  # weak_hop, inlined
    empty: tuple[str, ...] = ()
    backward: set[str] = set(targets)
    queue = deque(sorted(backward))
    while queue:  # nodes from which a target is weakly reachable
        node = queue.popleft()
        for fid in in_flows.get(node, empty):
            flow = flows[fid]
            if flow.authentication not in bound and flow.source not in backward:
                backward.add(flow.source)
                queue.append(flow.source)
        for fid in out_flows.get(node, empty):
            flow = flows[fid]
            if flow.bidirectional and flow.authentication not in bound and flow.target not in backward:
                backward.add(flow.target)
                queue.append(flow.target)
    # weak flows from a forward node to a backward node (either way when bidirectional): only the flows at the
    # forward nodes are looked at
    out: set[str] = set()
    for node in forward:
        for fid in out_flows.get(node, empty):
            flow = flows[fid]
            if flow.target in backward and flow.authentication not in bound:
                out.add(fid)
        for fid in in_flows.get(node, empty):
            flow = flows[fid]
            if flow.bidirectional and flow.source in backward and flow.authentication not in bound:
                out.add(fid)
    return sorted(out)
