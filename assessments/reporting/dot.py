"""Graphviz DOT writer for the system diagram and attack-path diagrams (pure Python).

* Trust boundaries become nested ``cluster_*`` subgraphs following ``TrustBoundary.parent``.
* Components and flows are coloured by the worst severity of the findings that still count as risk on
  them (``worst``: element id -> severity); elements without findings are neutral grey.
* Every user-supplied text goes through :func:`quote`: node/cluster ids are generated (``n12``, ``cluster_3``),
  never taken from the model, and labels are DOT quoted strings with backslashes, double quotes, newlines and
  ``&`` escaped (Graphviz decodes HTML entities in ordinary labels, so ``&`` becomes ``&amp;``; Graphviz then
  escapes ``<``/``>``/``&`` itself when it writes SVG). No ``URL``/``href``/``image`` attribute is ever emitted.
* Big models (more than ``overview_threshold`` components) get an *overview* diagram instead: one node per
  trust boundary with its component count and worst severity, and one edge per pair of boundaries with the
  number of flows. Laying out 1,000 nodes with nested clusters takes Graphviz far longer than a reader can use.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import replace

from assessments.engine.results import AttackPath
from threatmodel.domain import Component, DataFlow, Snapshot, TrustBoundary
from threatmodel.vocabulary import SEVERITY_RANK, Authentication, Encryption, judged_encryption, judged_trust

#: Severity -> (stroke colour, fill colour).
SEVERITY_COLOURS: dict[str, tuple[str, str]] = {
    "critical": ("#8b0a1a", "#f6d5d9"),
    "high": ("#d1382b", "#fbe0dc"),
    "medium": ("#c27400", "#fdefd3"),
    "low": ("#2f7ab8", "#dcebf7"),
    "info": ("#6b7785", "#eceef1"),
}
NEUTRAL: tuple[str, str] = ("#5f6b7a", "#ffffff")
BOUNDARY_STYLE: dict[str, str] = {"untrusted": "#fff4f2", "low": "#fffaf0", "medium": "#f6f8fb", "high": "#f1f7f2"}
FONT = "DejaVu Sans"
_SHAPES: dict[str, str] = {
    "datastore": "cylinder",
    "cache": "cylinder",
    "queue": "box3d",
    "secret-store": "cylinder",
    "logging": "cylinder",
    "analytics": "cylinder",
    "human-user": "box",
    "external-entity": "box",
    "load-balancer": "hexagon",
    "api-gateway": "hexagon",
    "identity-provider": "component",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_LABEL = 48


def quote(text: object, *, limit: int = MAX_LABEL) -> str:
    """A DOT quoted string for ``text`` that Graphviz renders literally."""
    value = _CONTROL.sub(" ", str(text))
    if limit and len(value) > limit:
        value = value[: limit - 1] + "…"
    value = value.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{value}"'


def _label(*lines: str) -> str:
    """A multi-line label: each line quoted/escaped, joined with DOT newlines."""
    parts = [quote(line)[1:-1] for line in lines if line]
    return '"' + "\\n".join(parts) + '"'


def colours(severity: str | None) -> tuple[str, str]:
    if severity is None:
        return NEUTRAL
    return SEVERITY_COLOURS.get(severity, NEUTRAL)


def _worse(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if SEVERITY_RANK.get(a, 99) <= SEVERITY_RANK.get(b, 99) else b


def _node_line(node_id: str, component: Component, severity: str | None, indent: str, *, compact: bool = False) -> str:
    stroke, fill = colours(severity)
    shape = _SHAPES.get(str(component.kind), "box")
    if compact and shape in ("hexagon", "component", "box3d"):
        shape = "box"
    style = (
        "filled,rounded"
        if shape == "box" and str(component.kind) not in ("human-user", "external-entity")
        else "filled"
    )
    if str(component.kind) in ("human-user", "external-entity"):
        style = "filled,dashed" if str(component.kind) == "external-entity" else "filled,bold"
    sub = str(component.kind).replace("-", " ")
    if component.technology and not compact:
        sub = f"{sub} · {component.technology}"
    penwidth = "2" if severity in ("critical", "high") else "1.2"
    return (
        f"{indent}{node_id} [label={_label(component.name or component.id, sub)}, shape={shape}, "
        f'style="{style}", color="{stroke}", fillcolor="{fill}", penwidth={penwidth}];'
    )


def system_dot(
    snapshot: Snapshot,
    worst: Mapping[str, str] | None = None,
    *,
    overview_threshold: int = 250,
    title: str = "",
    edge_labels: bool = True,
) -> str:
    """The system diagram: the full graph, or the boundary overview for big models."""
    worst = worst or {}
    if len(snapshot.components) > overview_threshold:
        return overview_dot(snapshot, worst, title=title)
    node_ids = {c.id: f"n{i}" for i, c in enumerate(snapshot.components)}
    lines = [
        "digraph system {",
        f'  graph [rankdir=LR, fontname="{FONT}", fontsize=11, nodesep=0.35, ranksep=0.7, newrank=true, '
        f"compound=true, pad=0.2{', label=' + quote(title, limit=120) + ', labelloc=t' if title else ''}];",
        f'  node [fontname="{FONT}", fontsize=10, margin="0.12,0.06"];',
        f'  edge [fontname="{FONT}", fontsize=8, arrowsize=0.7];',
    ]
    lines += _SystemClusters(snapshot, worst, node_ids).lines()
    for flow in snapshot.flows:
        if flow.source in node_ids and flow.target in node_ids:
            lines.append(_flow_line(flow, node_ids, worst.get(flow.id), edge_labels=edge_labels))
    lines.append("}")
    return "\n".join(lines) + "\n"


def top_level_boundaries(snapshot: Snapshot) -> tuple[TrustBoundary, ...]:
    """The boundaries without a parent (one that names a missing boundary counts as none), in model order."""
    known = {b.id for b in snapshot.boundaries}
    return tuple(b for b in snapshot.boundaries if b.parent is None or b.parent not in known)


def _parents(snapshot: Snapshot) -> dict[str, str | None]:
    return {b.id: b.parent for b in snapshot.boundaries}


def _ancestors(parents: Mapping[str, str | None], bid: str | None) -> list[str]:
    """``bid`` and its ancestors, innermost first (a cycle stops the walk)."""
    chain: list[str] = []
    while bid is not None and bid in parents and bid not in chain:
        chain.append(bid)
        bid = parents[bid]
    return chain


def diagram_pages(snapshot: Snapshot, *, max_components: int = 10) -> tuple[tuple[TrustBoundary, bool], ...]:
    """The boundaries the system diagram is cut at, one page each: the top-level boundaries, and a boundary with
    more than ``max_components`` components split into its child boundaries (at any depth) plus, when it holds
    components itself, a page of those. ``(boundary, nested)``: ``nested`` False is the page of the components
    directly in the boundary."""
    parents = _parents(snapshot)
    children: dict[str, list[TrustBoundary]] = defaultdict(list)
    for b in snapshot.boundaries:
        if b.parent is not None and b.parent in parents:
            children[b.parent].append(b)
    count: Counter[str] = Counter()
    direct: Counter[str] = Counter()
    for c in snapshot.components:
        direct[c.boundary or ""] += 1
        for bid in _ancestors(parents, c.boundary):
            count[bid] += 1
    pages: list[tuple[TrustBoundary, bool]] = []
    todo = list(top_level_boundaries(snapshot))
    seen: set[str] = set()
    while todo:
        boundary = todo.pop(0)
        if boundary.id in seen:
            continue
        seen.add(boundary.id)
        if count[boundary.id] <= max_components or not children[boundary.id]:
            pages.append((boundary, True))
            continue
        if direct[boundary.id]:
            pages.append((boundary, False))
        todo[0:0] = children[boundary.id]
    return tuple(p for p in pages if count[p[0].id])


def boundary_snapshot(snapshot: Snapshot, boundary_id: str, *, nested: bool = True) -> Snapshot:
    """The part of the model one page of the system diagram shows: the components inside ``boundary_id`` (at any
    depth; ``nested`` False: only those directly in it) with the flows between them, plus the other end of every
    flow that crosses the boundary, each in its own boundaries (so a reader sees where the flow goes) but without
    the rest of those boundaries."""
    parents = _parents(snapshot)

    def ancestors(bid: str | None) -> list[str]:
        return _ancestors(parents, bid)

    inside = {
        c.id
        for c in snapshot.components
        if (boundary_id in ancestors(c.boundary) if nested else c.boundary == boundary_id)
    }
    flows = tuple(f for f in snapshot.flows if f.source in inside or f.target in inside)
    shown = inside | {f.source for f in flows} | {f.target for f in flows}
    components = tuple(c for c in snapshot.components if c.id in shown)
    wanted = {bid for c in components for bid in ancestors(c.boundary)} | {boundary_id}
    boundaries = tuple(b for b in snapshot.boundaries if b.id in wanted)
    return replace(snapshot, components=components, flows=flows, boundaries=boundaries)


class _SystemClusters:
    """The system diagram's nodes: components inside nested ``cluster_*`` subgraphs of their boundaries."""

    def __init__(self, snapshot: Snapshot, worst: Mapping[str, str], node_ids: Mapping[str, str]) -> None:
        self.snapshot = snapshot
        self.worst = worst
        self.node_ids = node_ids
        self.cluster_ids = {b.id: f"cluster_{i}" for i, b in enumerate(snapshot.boundaries)}
        self.children: dict[str | None, list[str]] = defaultdict(list)
        for b in snapshot.boundaries:
            self.children[b.parent if b.parent in snapshot.boundary_by_id else None].append(b.id)
        self.members: dict[str | None, list[Component]] = defaultdict(list)
        for c in snapshot.components:
            self.members[c.boundary if c.boundary in snapshot.boundary_by_id else None].append(c)
        self.out: list[str] = []
        self.visited: set[str] = set()

    def lines(self) -> list[str]:
        for root in self.children.get(None, ()):
            self.emit(root, 0)
        for component in self.members.get(None, ()):
            self.out.append(_node_line(self.node_ids[component.id], component, self.worst.get(component.id), "  "))
        return self.out

    def emit(self, boundary_id: str, depth: int) -> None:
        if boundary_id in self.visited:  # defensive: a parent cycle must not recurse forever
            return
        self.visited.add(boundary_id)
        boundary = self.snapshot.boundary_by_id[boundary_id]
        indent = "  " * (depth + 1)
        fill = BOUNDARY_STYLE.get(str(judged_trust(boundary.trust_level, boundary.kind)), "#f6f8fb")
        kind = str(boundary.kind).replace("-", " ")
        self.out.append(f"{indent}subgraph {self.cluster_ids[boundary_id]} {{")
        label = _label(boundary.name or boundary.id, f"{kind} · trust {boundary.trust_level}")
        self.out.append(
            f"{indent}  label={label}; "
            f'style="rounded,filled"; fillcolor="{fill}"; color="#8a94a3"; fontsize=10; labeljust=l;'
        )
        for child in self.children.get(boundary_id, ()):
            self.emit(child, depth + 1)
        for component in self.members.get(boundary_id, ()):
            node_id = self.node_ids[component.id]
            self.out.append(_node_line(node_id, component, self.worst.get(component.id), indent + "  "))
        self.out.append(f"{indent}}}")


def _flow_line(flow: DataFlow, node_ids: Mapping[str, str], severity: str | None, *, edge_labels: bool) -> str:
    """One flow edge: coloured by its worst severity, dashed when unencrypted."""
    stroke = colours(severity)[0] if severity else "#7a8594"
    style = "dashed" if judged_encryption(flow.encryption, flow.protocol) is Encryption.NONE else "solid"
    attrs = [f'color="{stroke}"', f"style={style}"]
    if severity in ("critical", "high"):
        attrs.append("penwidth=1.8")
    if edge_labels:
        attrs.append(f"label={quote(flow.protocol, limit=16)}")
        attrs.append(f'fontcolor="{stroke}"')
    if flow.bidirectional:
        attrs.append("dir=both")
    return f"  {node_ids[flow.source]} -> {node_ids[flow.target]} [{', '.join(attrs)}];"


_OUTSIDE = "__outside__"  # the overview's pseudo-boundary of the components outside every boundary


def overview_dot(
    snapshot: Snapshot, worst: Mapping[str, str] | None = None, *, title: str = "", max_edges: int = 45
) -> str:
    """Boundary overview: leaf boundaries as nodes (nested in their ancestors), flows aggregated per pair.

    Only the ``max_edges`` most important boundary pairs are drawn (worst severity first, then most flows);
    the graph label says how many were left out.
    """
    worst = worst or {}
    node_ids = {b.id: f"b{i}" for i, b in enumerate(snapshot.boundaries)}
    node_ids[_OUTSIDE] = "bx"
    lines = [
        "digraph overview {",
        f'  graph [rankdir=LR, fontname="{FONT}", fontsize=11, nodesep=0.3, ranksep=0.9, pad=0.2, '
        f"compound=true{', label=' + quote(title, limit=120) + ', labelloc=t' if title else ''}];",
        f'  node [fontname="{FONT}", fontsize=10, shape=box, style="filled,rounded", margin="0.14,0.08"];',
        f'  edge [fontname="{FONT}", fontsize=8, arrowsize=0.7];',
    ]
    lines += _OverviewNodes(snapshot, worst, node_ids).lines()
    ranked, pair_worst = _boundary_pairs(snapshot, worst, node_ids)
    kept = ranked[:max_edges]
    if len(ranked) > len(kept):
        note = (
            f"Overview: {len(snapshot.components)} components in {len(snapshot.boundaries)} boundaries; "
            f"the {len(kept)} most important of {len(ranked)} boundary-to-boundary connections are drawn"
        )
        lines.insert(2, f"  graph [label={quote(note, limit=200)}, labelloc=b, fontsize=9];")
    for (src, dst), n in sorted(kept, key=lambda kv: (node_ids[kv[0][0]], node_ids[kv[0][1]])):
        severity = pair_worst.get((src, dst))
        stroke = colours(severity)[0] if severity else "#7a8594"
        width = min(1.0 + n / 20, 4.0)
        lines.append(
            f'  {node_ids[src]} -> {node_ids[dst]} [label="{n}", color="{stroke}", fontcolor="{stroke}", '
            f"penwidth={width:.2f}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _place(snapshot: Snapshot, component: Component) -> str:
    """The overview node a component is counted in: its boundary, or the outside pseudo-boundary."""
    return component.boundary if component.boundary in snapshot.boundary_by_id else _OUTSIDE


class _OverviewNodes:
    """The overview's nodes: leaf boundaries (and the "direct" members of inner ones) with their component
    count and worst severity, nested in clusters of their ancestors."""

    def __init__(self, snapshot: Snapshot, worst: Mapping[str, str], node_ids: Mapping[str, str]) -> None:
        self.snapshot = snapshot
        self.node_ids = node_ids
        self.count: Counter[str] = Counter()
        self.worst: dict[str, str | None] = {}
        for c in snapshot.components:
            key = _place(snapshot, c)
            self.count[key] += 1
            self.worst[key] = _worse(self.worst.get(key), worst.get(c.id))
        self.children: dict[str | None, list[str]] = defaultdict(list)
        for b in snapshot.boundaries:
            self.children[b.parent if b.parent in snapshot.boundary_by_id else None].append(b.id)
        self.out: list[str] = []
        self.visited: set[str] = set()

    def lines(self) -> list[str]:
        for root in self.children.get(None, ()):
            self.emit(root, 0)
        if self.count.get(_OUTSIDE):
            self.node(_OUTSIDE, "No boundary", "  ")
        return self.out

    def node(self, boundary_id: str, name: str, indent: str) -> None:
        severity = self.worst.get(boundary_id)
        stroke, fill = colours(severity)
        n = self.count.get(boundary_id, 0)
        sub = f"{n} component{'s' if n != 1 else ''}" + (f" · worst {severity}" if severity else "")
        self.out.append(
            f'{indent}{self.node_ids[boundary_id]} [label={_label(name, sub)}, color="{stroke}", fillcolor="{fill}"];'
        )

    def emit(self, boundary_id: str, depth: int) -> None:
        if boundary_id in self.visited:  # defensive: a parent cycle must not recurse forever
            return
        self.visited.add(boundary_id)
        boundary = self.snapshot.boundary_by_id[boundary_id]
        indent = "  " * (depth + 1)
        kids = self.children.get(boundary_id, ())
        if not kids:
            self.node(boundary_id, boundary.name or boundary.id, indent)
            return
        fill = BOUNDARY_STYLE.get(str(judged_trust(boundary.trust_level, boundary.kind)), "#f6f8fb")
        self.out.append(f"{indent}subgraph cluster_{self.node_ids[boundary_id]} {{")
        self.out.append(
            f'{indent}  label={quote(boundary.name or boundary.id)}; style="rounded,filled"; '
            f'fillcolor="{fill}"; color="#8a94a3"; fontsize=10; labeljust=l;'
        )
        if self.count.get(boundary_id):
            self.node(boundary_id, f"{boundary.name or boundary.id} (direct)", indent + "  ")
        for kid in kids:
            self.emit(kid, depth + 1)
        self.out.append(f"{indent}}}")


def _boundary_pairs(
    snapshot: Snapshot, worst: Mapping[str, str], node_ids: Mapping[str, str]
) -> tuple[list[tuple[tuple[str, str], int]], dict[tuple[str, str], str | None]]:
    """Flows between different overview nodes, counted per (source, target) pair and ranked worst severity
    first, then most flows; and each pair's worst severity."""
    place = {c.id: _place(snapshot, c) for c in snapshot.components}
    pairs: Counter[tuple[str, str]] = Counter()
    pair_worst: dict[tuple[str, str], str | None] = {}
    for flow in snapshot.flows:
        src, dst = place.get(flow.source), place.get(flow.target)
        if src is None or dst is None or src == dst:
            continue
        pairs[(src, dst)] += 1
        pair_worst[(src, dst)] = _worse(pair_worst.get((src, dst)), worst.get(flow.id))
    ranked = sorted(
        pairs.items(),
        key=lambda kv: (
            SEVERITY_RANK.get(pair_worst.get(kv[0]) or "", 99),
            -kv[1],
            node_ids[kv[0][0]],
            node_ids[kv[0][1]],
        ),
    )
    return ranked, pair_worst


def path_dot(snapshot: Snapshot, path: AttackPath, worst: Mapping[str, str] | None = None) -> str:
    """A small left-to-right diagram of one attack path: hops as nodes, flows as edges."""
    worst = worst or {}
    lines = [
        "digraph path {",
        f'  graph [rankdir=LR, fontname="{FONT}", nodesep=0.25, ranksep=0.45, pad=0.1, bgcolor="transparent"];',
        f'  node [fontname="{FONT}", fontsize=10, margin="0.10,0.05"];',
        f'  edge [fontname="{FONT}", fontsize=8, arrowsize=0.7];',
    ]
    for index, hop in enumerate(path.hops):
        component = snapshot.component_by_id.get(hop)
        if component is None:
            lines.append(f"  p{index} [label={quote(hop)}, shape=box];")
            continue
        line = _node_line(f"p{index}", component, worst.get(hop), "  ", compact=True)
        if index == 0:
            line = line.replace("penwidth=", "peripheries=2, penwidth=")
        lines.append(line)
    for index in range(len(path.hops) - 1):
        flow_id = path.flows[index] if index < len(path.flows) else ""
        flow = snapshot.flow_by_id.get(flow_id)
        severity = worst.get(flow_id)
        stroke = colours(severity)[0] if severity else "#7a8594"
        label = ""
        if flow is not None:
            marks = [flow.protocol]
            if flow.authentication in (Authentication.NONE, Authentication.UNSPECIFIED):
                marks.append("no auth")
            if judged_encryption(flow.encryption, flow.protocol) is Encryption.NONE:
                marks.append("plaintext")
            label = ", ".join(marks)
        lines.append(
            f'  p{index} -> p{index + 1} [label={quote(label, limit=40)}, color="{stroke}", fontcolor="{stroke}"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
