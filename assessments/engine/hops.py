"""Attacker hops: the effort to move along a flow and the attacker's move graph (``ModelContext.adjacency``).

Split from ``graph.py`` (the analysis context); reads only flows and snapshots.
"""

from __future__ import annotations

from threatmodel.domain import DataFlow, Snapshot
from threatmodel.vocabulary import (
    PEER_AUTHENTICATION,
    STATIC_SECRET_AUTHENTICATION,
    Authentication,
    Authorization,
    Encryption,
    judged_encryption,
)

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
    Authorization.UNSPECIFIED: 0.0,
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
        + ENCRYPTION_COST[judged_encryption(flow.encryption, flow.protocol)]
        + AUTHORIZATION_COST[flow.authorization]
    )


def attacker_moves(snapshot: Snapshot) -> dict[str, dict[str, tuple[float, tuple[str, ...]]]]:
    """Attacker moves: node -> successor -> (cheapest hop cost, flow ids). Bidirectional flows both ways.

    Plain dictionaries (the analysis hot path); ``graph.build_graph`` is the same graph as a networkx DiGraph."""

    moves: dict[str, dict[str, tuple[float, tuple[str, ...]]]] = {c.id: {} for c in snapshot.components}
    for flow in snapshot.flows:
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
