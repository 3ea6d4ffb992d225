"""Attacker hops: the effort to move along a flow, the attacker's move graph, and the flow graph as networkx.

Split from ``graph.py`` (the analysis context): these read a ``ModelContext`` but the context needs nothing
from them except through ``ModelContext.adjacency`` and ``ModelContext.graph``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from threatmodel.domain import DataFlow
from threatmodel.vocabulary import (
    PEER_AUTHENTICATION,
    STATIC_SECRET_AUTHENTICATION,
    Authentication,
    Authorization,
    Encryption,
)

if TYPE_CHECKING:
    from assessments.engine.graph import ModelContext

#: Attack-path hop cost components (see docs/scoring.md, "Attack paths").
HOP_BASE_COST = 1.0
AUTH_COST: dict[str, float] = {Authentication.NONE: 0.0, Authentication.UNSPECIFIED: 0.0}
for _method in Authentication:
    if _method in PEER_AUTHENTICATION:
        AUTH_COST[_method] = 3.0
    elif _method in STATIC_SECRET_AUTHENTICATION:
        AUTH_COST[_method] = 1.0
    elif _method not in AUTH_COST:
        AUTH_COST[_method] = 2.0
ENCRYPTION_COST: dict[str, float] = {Encryption.NONE: 0.0, Encryption.TLS: 0.5, Encryption.MTLS: 1.0}
AUTHORIZATION_COST: dict[str, float] = {
    Authorization.NONE: 0.0,
    Authorization.NETWORK: 0.5,
    Authorization.ROLE: 1.0,
    Authorization.ATTRIBUTE: 1.5,
}


#: Every hop cost is a positive multiple of this (attack paths use it for a bucket queue, paths.attack_paths).
HOP_COST_UNIT = 0.5
if HOP_BASE_COST <= 0 or any(
    (value / HOP_COST_UNIT) != int(value / HOP_COST_UNIT)
    for value in (HOP_BASE_COST, *AUTH_COST.values(), *ENCRYPTION_COST.values(), *AUTHORIZATION_COST.values())
):
    raise ValueError("hop costs must be positive multiples of HOP_COST_UNIT")


def hop_cost(flow: DataFlow) -> float:
    """Attacker effort to move along ``flow``: cheaper when unauthenticated, plaintext or unauthorised."""
    return (
        HOP_BASE_COST
        + AUTH_COST[flow.authentication]
        + ENCRYPTION_COST[flow.encryption]
        + AUTHORIZATION_COST[flow.authorization]
    )


def attacker_moves(ctx: ModelContext) -> dict[str, dict[str, tuple[float, tuple[str, ...]]]]:
    """Attacker moves: node -> successor -> (cheapest hop cost, flow ids). Bidirectional flows both ways.

    Plain dictionaries (the analysis hot path); ``build_graph`` is the same graph as a networkx DiGraph."""

    moves: dict[str, dict[str, tuple[float, tuple[str, ...]]]] = {c.id: {} for c in ctx.snapshot.components}
    for flow in ctx.snapshot.flows:
        cost = hop_cost(flow)
        source, target, flow_id = flow.source, flow.target, flow.id
        successors = moves[source]
        entry = successors.get(target)
        # tuples from the start; parallel flows between the same pair (rare) rebuild theirs
        successors[target] = (
            (cost, (flow_id,)) if entry is None else (cost if cost < entry[0] else entry[0], (*entry[1], flow_id))
        )
        if flow.bidirectional:
            predecessors = moves[target]
            entry = predecessors.get(source)
            predecessors[source] = (
                (cost, (flow_id,)) if entry is None else (cost if cost < entry[0] else entry[0], (*entry[1], flow_id))
            )
    return moves


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
