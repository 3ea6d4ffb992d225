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

from assessments.engine.results import AttackPath
from threatmodel.domain import Component, Snapshot
from threatmodel.vocabulary import SEVERITY_RANK

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
    cluster_ids = {b.id: f"cluster_{i}" for i, b in enumerate(snapshot.boundaries)}
    children: dict[str | None, list[str]] = defaultdict(list)
    for b in snapshot.boundaries:
        parent = b.parent if b.parent in snapshot.boundary_by_id else None
        children[parent].append(b.id)
    members: dict[str | None, list[Component]] = defaultdict(list)
    for c in snapshot.components:
        members[c.boundary if c.boundary in snapshot.boundary_by_id else None].append(c)

    lines = [
        "digraph system {",
        f'  graph [rankdir=LR, fontname="{FONT}", fontsize=11, nodesep=0.35, ranksep=0.7, newrank=true, '
        f"compound=true, pad=0.2{', label=' + quote(title, limit=120) + ', labelloc=t' if title else ''}];",
        f'  node [fontname="{FONT}", fontsize=10, margin="0.12,0.06"];',
        f'  edge [fontname="{FONT}", fontsize=8, arrowsize=0.7];',
    ]
    visited: set[str] = set()

    def emit(boundary_id: str, depth: int) -> None:
        if boundary_id in visited:  # defensive: a parent cycle must not recurse forever
            return
        visited.add(boundary_id)
        boundary = snapshot.boundary_by_id[boundary_id]
        indent = "  " * (depth + 1)
        fill = BOUNDARY_STYLE.get(str(boundary.trust_level), "#f6f8fb")
        kind = str(boundary.kind).replace("-", " ")
        lines.append(f"{indent}subgraph {cluster_ids[boundary_id]} {{")
        label = _label(boundary.name or boundary.id, f"{kind} · trust {boundary.trust_level}")
        lines.append(
            f"{indent}  label={label}; "
            f'style="rounded,filled"; fillcolor="{fill}"; color="#8a94a3"; fontsize=10; labeljust=l;'
        )
        for child in children.get(boundary_id, ()):
            emit(child, depth + 1)
        for component in members.get(boundary_id, ()):
            lines.append(_node_line(node_ids[component.id], component, worst.get(component.id), indent + "  "))
        lines.append(f"{indent}}}")

    for root in children.get(None, ()):
        emit(root, 0)
    for component in members.get(None, ()):
        lines.append(_node_line(node_ids[component.id], component, worst.get(component.id), "  "))
    for flow in snapshot.flows:
        if flow.source not in node_ids or flow.target not in node_ids:
            continue
        severity = worst.get(flow.id)
        stroke = colours(severity)[0] if severity else "#7a8594"
        style = "dashed" if str(flow.encryption) == "none" else "solid"
        attrs = [f'color="{stroke}"', f"style={style}"]
        if severity in ("critical", "high"):
            attrs.append("penwidth=1.8")
        if edge_labels:
            attrs.append(f"label={quote(flow.protocol, limit=16)}")
            attrs.append(f'fontcolor="{stroke}"')
        if flow.bidirectional:
            attrs.append("dir=both")
        lines.append(f"  {node_ids[flow.source]} -> {node_ids[flow.target]} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def overview_dot(
    snapshot: Snapshot, worst: Mapping[str, str] | None = None, *, title: str = "", max_edges: int = 45
) -> str:
    """Boundary overview: leaf boundaries as nodes (nested in their ancestors), flows aggregated per pair.

    Only the ``max_edges`` most important boundary pairs are drawn (worst severity first, then most flows);
    the graph label says how many were left out.
    """
    worst = worst or {}
    count: Counter[str] = Counter()
    boundary_worst: dict[str, str | None] = {}
    outside = "__outside__"
    for c in snapshot.components:
        key = c.boundary if c.boundary in snapshot.boundary_by_id else outside
        count[key] += 1
        boundary_worst[key] = _worse(boundary_worst.get(key), worst.get(c.id))
    children: dict[str | None, list[str]] = defaultdict(list)
    for b in snapshot.boundaries:
        parent = b.parent if b.parent in snapshot.boundary_by_id else None
        children[parent].append(b.id)
    node_ids = {b.id: f"b{i}" for i, b in enumerate(snapshot.boundaries)}
    node_ids[outside] = "bx"
    lines = [
        "digraph overview {",
        f'  graph [rankdir=LR, fontname="{FONT}", fontsize=11, nodesep=0.3, ranksep=0.9, pad=0.2, '
        f"compound=true{', label=' + quote(title, limit=120) + ', labelloc=t' if title else ''}];",
        f'  node [fontname="{FONT}", fontsize=10, shape=box, style="filled,rounded", margin="0.14,0.08"];',
        f'  edge [fontname="{FONT}", fontsize=8, arrowsize=0.7];',
    ]

    def node(boundary_id: str, name: str, indent: str) -> None:
        severity = boundary_worst.get(boundary_id)
        stroke, fill = colours(severity)
        n = count.get(boundary_id, 0)
        sub = f"{n} component{'s' if n != 1 else ''}" + (f" · worst {severity}" if severity else "")
        lines.append(
            f'{indent}{node_ids[boundary_id]} [label={_label(name, sub)}, color="{stroke}", fillcolor="{fill}"];'
        )

    visited: set[str] = set()

    def emit(boundary_id: str, depth: int) -> None:
        if boundary_id in visited:
            return
        visited.add(boundary_id)
        boundary = snapshot.boundary_by_id[boundary_id]
        indent = "  " * (depth + 1)
        kids = children.get(boundary_id, ())
        if not kids:
            node(boundary_id, boundary.name or boundary.id, indent)
            return
        fill = BOUNDARY_STYLE.get(str(boundary.trust_level), "#f6f8fb")
        lines.append(f"{indent}subgraph cluster_{node_ids[boundary_id]} {{")
        lines.append(
            f'{indent}  label={quote(boundary.name or boundary.id)}; style="rounded,filled"; '
            f'fillcolor="{fill}"; color="#8a94a3"; fontsize=10; labeljust=l;'
        )
        if count.get(boundary_id):
            node(boundary_id, f"{boundary.name or boundary.id} (direct)", indent + "  ")
        for kid in kids:
            emit(kid, depth + 1)
        lines.append(f"{indent}}}")

    for root in children.get(None, ()):
        emit(root, 0)
    if count.get(outside):
        node(outside, "No boundary", "  ")
    place = {c.id: (c.boundary if c.boundary in snapshot.boundary_by_id else outside) for c in snapshot.components}
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
            if str(flow.authentication) == "none":
                marks.append("no auth")
            if str(flow.encryption) == "none":
                marks.append("plaintext")
            label = ", ".join(marks)
        lines.append(
            f'  p{index} -> p{index + 1} [label={quote(label, limit=40)}, color="{stroke}", fontcolor="{stroke}"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
