"""Attack paths (entry points -> crown jewels) and blast radius (docs/scoring.md, "Attack paths").

Attack paths: one multi-source, k-label Dijkstra over the flow graph. Every entry point starts a label at cost
0; each node keeps at most ``PATHS_PER_TARGET`` settled labels from *distinct* entry points, and labels
costlier than ``MAX_PATH_COST`` are dropped. The labels settled on a crown jewel are its cheapest paths from
its ``PATHS_PER_TARGET`` cheapest entry points. Hop costs are positive multiples of half a point (see
``hops.hop_cost``), so the priority queue is a bucket queue (Dial's algorithm): one list per half point up to
``MAX_PATH_COST``. A hop never lands in the bucket being scanned, so each bucket is complete when its turn
comes; sorting it gives exactly the order a binary heap of (cost, entry, node, parent) would pop.
Cost: O(k * E) plus the bucket sorts; no simple-path enumeration.
Removing a flow never lowers a hop cost, so it can only shrink the set of entries within reach: the number of
paths never grows.

Blast radius: strongly connected components of the flow graph, then one pass over the condensation DAG in
reverse topological order OR-ing bit sets (sensitive data, crown jewels, reachable components).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from assessments.engine.graph import ModelContext
from assessments.engine.hops import HOP_COST_UNIT, hop_cost
from assessments.engine.results import AttackPath, BlastRadius
from threatmodel.vocabulary import CLASSIFICATION_ORDER

PATHS_PER_TARGET = 3
MAX_PATH_COST = 30.0
#: Crown jewels listed per blast radius entry (the count ``reachable`` is exact).
BLAST_COMPONENTS_CAP = 50


#: A cheapest route before the open findings on it are attached: (entry, target, hops, flows, cost, data at risk,
#: rank). ``search_routes`` and ``paths_from_routes`` are the two halves of ``attack_paths``: the search needs
#: only the model, so it can run while the rules are still being evaluated (engine/parallel.py).
Route = tuple[str, str, tuple[str, ...], tuple[str, ...], float, tuple[str, ...], int]


def attack_paths(
    ctx: ModelContext, weaknesses: Mapping[str, Sequence[str]], k: int = PATHS_PER_TARGET
) -> tuple[AttackPath, ...]:
    return paths_from_routes(search_routes(ctx, k), weaknesses)


def paths_from_routes(routes: Sequence[Route], weaknesses: Mapping[str, Sequence[str]]) -> tuple[AttackPath, ...]:
    """Attack paths from routes (in route order), each with the ids of the open findings on its components and
    flows (``weaknesses``: element id -> finding ids)."""
    paths: list[AttackPath] = []
    for entry, target, hops, flows, cost, at_risk, rank in routes:
        weak: list[str] = []
        for element in (*hops, *flows):
            weak.extend(weaknesses.get(element, ()))
        paths.append(
            AttackPath(
                id=f"path@{entry}@{target}",
                entry=entry,
                target=target,
                hops=hops,
                flows=flows,
                cost=cost,
                data_at_risk=at_risk,
                weaknesses=tuple(dict.fromkeys(weak)),
                rank=rank,
            )
        )
    return tuple(paths)


def search_routes(ctx: ModelContext, k: int = PATHS_PER_TARGET) -> list[Route]:
    """The ``k`` cheapest routes to every crown jewel, sorted by (cost, target, entry)."""
    moves = ctx.adjacency
    comps = ctx.snapshot.components
    names = [c.id for c in comps]  # sorted by id, so integer order = id order (same tie-breaks)
    position = {name: i for i, name in enumerate(names)}
    # hop costs in whole units (exact: hop_cost only adds multiples of the unit)
    adjacency = [
        [(position[succ], round(move[0] / HOP_COST_UNIT)) for succ, move in moves[name].items()] for name in names
    ]
    entries = [i for i, c in enumerate(comps) if ctx.is_entry(c)]
    jewels = {i for i, c in enumerate(comps) if ctx.is_crown_jewel(c)}
    if not entries or not jewels:
        return []
    labels, at_target = _label_search(adjacency, entries, jewels, k)
    routes: list[Route] = []
    for target_index in sorted(at_target):
        target = names[target_index]
        at_risk = ctx.sensitive_stored(ctx.components[target])
        for rank, index in enumerate(at_target[target_index], start=1):
            hops: list[str] = []
            cursor = index
            while cursor >= 0:
                hops.append(names[labels[cursor][2]])
                cursor = labels[cursor][3]
            hops.reverse()
            flows = tuple(_cheapest_flow(ctx, moves[a][b][1]) for a, b in zip(hops, hops[1:], strict=False))
            routes.append(
                (names[labels[index][1]], target, tuple(hops), flows, round(labels[index][0], 3), at_risk, rank)
            )
    routes.sort(key=lambda route: (route[4], route[1], route[0]))
    return routes


def _label_search(
    adjacency: list[list[tuple[int, int]]], entries: list[int], jewels: set[int], k: int
) -> tuple[list[tuple[float, int, int, int]], dict[int, list[int]]]:
    """Bucket-queue label search from every entry at once, at most ``k`` entries settled per node.

    Nodes are integer positions; ``adjacency[node]``: (successor, hop cost in units). Returns the labels
    ``(cost, entry, node, parent label index)`` in settling order and, per crown jewel, the indexes of the labels
    that reached it (cheapest first)."""
    unit = HOP_COST_UNIT
    labels: list[tuple[float, int, int, int]] = []
    settled: list[list[int] | None] = [None] * len(adjacency)
    levels = int(MAX_PATH_COST / unit) + 1
    # bucket per cost level: (entry, node, parent label index); every hop costs at least one level
    buckets: list[list[tuple[int, int, int]]] = [[] for _ in range(levels)]
    buckets[0] = [(e, e, -1) for e in entries]
    at_target: dict[int, list[int]] = {}
    for level in range(levels):
        bucket = buckets[level]
        buckets[level] = []
        if not bucket:
            continue
        bucket.sort()
        cost = level * unit
        for entry, node, parent in bucket:
            seen = settled[node]
            if seen is None:
                seen = settled[node] = []
            elif len(seen) >= k or entry in seen:
                continue
            seen.append(entry)
            index = len(labels)
            labels.append((cost, entry, node, parent))
            if node in jewels and node != entry:
                at_target.setdefault(node, []).append(index)
            for succ, hop in adjacency[node]:
                new_level = level + hop
                if new_level >= levels:
                    continue
                taken = settled[succ]
                if taken is not None and (len(taken) >= k or entry in taken):
                    continue
                buckets[new_level].append((entry, succ, index))
    return labels, at_target


def _cheapest_flow(ctx: ModelContext, flow_ids: tuple[str, ...]) -> str:
    return min(flow_ids, key=lambda fid: (hop_cost(ctx.flows[fid]), fid))


def blast_radius(ctx: ModelContext) -> tuple[BlastRadius, ...]:
    """Per component: the sensitive data and crown jewels reachable from it, and how many components."""
    comps = ctx.snapshot.components
    if not comps:
        return ()
    sensitive_ids = sorted(a.id for a in ctx.snapshot.data_assets if CLASSIFICATION_ORDER[a.classification] >= 2)
    data_bit = {a: 1 << i for i, a in enumerate(sensitive_ids)}
    jewel_ids = sorted(c.id for c in comps if ctx.is_crown_jewel(c))
    jewel_bit = {c: 1 << i for i, c in enumerate(jewel_ids)}
    node_index = {c.id: i for i, c in enumerate(comps)}
    condensation = _Condensation(ctx.adjacency)
    scc_of = condensation.scc_of
    n = len(condensation.successors)
    reach_data, reach_jewels, reach_nodes = [0] * n, [0] * n, [0] * n
    for comp in comps:  # what each component holds, then propagated to everything that reaches it
        i = scc_of[comp.id]
        for asset in (*comp.data_stored, *comp.data_processed):
            reach_data[i] |= data_bit.get(asset, 0)
        reach_jewels[i] |= jewel_bit.get(comp.id, 0)
        reach_nodes[i] |= 1 << node_index[comp.id]
    condensation.propagate(reach_data, reach_jewels, reach_nodes)
    data_cache: dict[int, tuple[str, ...]] = {}
    jewel_cache: dict[int, tuple[tuple[str, ...], bool]] = {}
    out: list[BlastRadius] = []
    for comp in comps:
        i = scc_of[comp.id]
        own_bit = 1 << node_index[comp.id]
        dmask = reach_data[i]
        data = data_cache.get(dmask)
        if data is None:
            data = data_cache[dmask] = _bits(dmask, sensitive_ids)
        jmask = reach_jewels[i] & ~jewel_bit.get(comp.id, 0)
        listed = jewel_cache.get(jmask)
        if listed is None:
            names = _bits(jmask, jewel_ids, limit=BLAST_COMPONENTS_CAP + 1)
            listed = jewel_cache[jmask] = (names[:BLAST_COMPONENTS_CAP], len(names) > BLAST_COMPONENTS_CAP)
        reachable = (reach_nodes[i] & ~own_bit).bit_count()
        out.append(
            BlastRadius(
                component=comp.id, data_assets=data, components=listed[0], reachable=reachable, truncated=listed[1]
            )
        )
    return tuple(out)


class _Condensation:
    """The graph of strongly connected components of ``moves`` (a DAG) in topological order."""

    def __init__(self, moves: Mapping[str, Mapping[str, object]]) -> None:
        sccs = strongly_connected_components(moves)
        self.scc_of: dict[str, int] = {node: i for i, members in enumerate(sccs) for node in members}
        scc_of = self.scc_of
        self.successors: list[set[int]] = [set() for _ in sccs]
        indegree = [0] * len(sccs)
        for a, nbrs in moves.items():
            ia = scc_of[a]
            for b in nbrs:
                ib = scc_of[b]
                if ia != ib and ib not in self.successors[ia]:
                    self.successors[ia].add(ib)
                    indegree[ib] += 1
        self.order: list[int] = [i for i in range(len(sccs)) if indegree[i] == 0]
        for i in self.order:  # Kahn: the list grows while iterating
            for j in self.successors[i]:
                indegree[j] -= 1
                if indegree[j] == 0:
                    self.order.append(j)

    def propagate(self, data: list[int], jewels: list[int], nodes: list[int]) -> None:
        """OR each component's three bit masks into those of the components that reach it (in place)."""
        for i in reversed(self.order):
            for j in self.successors[i]:
                data[i] |= data[j]
                jewels[i] |= jewels[j]
                nodes[i] |= nodes[j]


def strongly_connected_components(adjacency: Mapping[str, Mapping[str, object]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit). Components come out in reverse topological order
    of the condensation (a component is emitted after every component it can reach)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in adjacency:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(adjacency[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(adjacency[succ])))
                    advanced = True
                    break
                if succ in on_stack and index[succ] < low[node]:
                    low[node] = index[succ]
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] == index[node]:
                out.append(_pop_component(stack, on_stack, node))
    return out


def _pop_component(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    """Tarjan: the component of ``root`` is the top of the stack down to ``root``."""
    component: list[str] = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        component.append(member)
        if member == root:
            return component


def _bits(mask: int, names: list[str], limit: int | None = None) -> tuple[str, ...]:
    out: list[str] = []
    while mask:
        low = mask & -mask
        out.append(names[low.bit_length() - 1])
        if limit is not None and len(out) >= limit:
            break
        mask ^= low
    return tuple(out)
