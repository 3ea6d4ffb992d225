"""Kiali graph API responses and ``linkerd viz edges`` output -> an ``Observation``.

Kiali (``GET /api/namespaces/graph``): ``{timestamp, duration, graphType, elements: {nodes, edges}}`` in
Cytoscape shape. Nodes are keyed by cluster/namespace/kind/name (Kiali's hashed ids are only used to join
edges to nodes); ``box`` nodes are dropped and kept as the group of their children; rates come as strings;
``isMTLS`` is a string percentage and absent when zero or not computed (then: unknown). Linkerd: the JSON
rows of ``linkerd viz edges -o json`` or the table of ``-o wide``.

Pure Python; bad input raises ``ModelValidationError`` naming the path (``elements.edges[3].data.target``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from threatmodel.gcpause import gc_paused
from threatmodel.interchange.observation import Observation, ObservedFlow, ObservedNode
from threatmodel.invariants import Issue, ModelValidationError

MAX_BYTES = 50 * 1024 * 1024
MAX_ELEMENTS = 500_000
OBSERVATION_FORMATS = ("kiali", "linkerd-viz")
GRAPH_TYPES = ("workload", "app", "versionedApp", "service")
NODE_TYPES = ("workload", "app", "service", "unknown", "aggregate", "box")
_FLAGS = (
    "isOutOfMesh", "isServiceEntry", "isWaypoint", "isGateway", "isOutside", "isRoot", "isIdle", "isDead",
    "isAmbient", "isInaccessible", "isInjected", "hasWorkloadEntry", "isExtension",
)  # fmt: skip


def _fail(path: str, message: str) -> ModelValidationError:
    return ModelValidationError([Issue(path, message)])


def load_json(raw: bytes | str, what: str) -> Any:
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_BYTES:
        raise _fail("", f"{what} is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _fail("", f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _fail(f"line {exc.lineno}, column {exc.colno}", f"{what} is not JSON: {exc.msg}") from None
    except RecursionError:
        raise _fail("", f"{what} is nested too deeply") from None


def is_kiali_graph(data: Any) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("elements"), Mapping) and "graphType" in data


def read_kiali_graph(raw: bytes | str) -> Observation:
    with gc_paused():  # a large graph is many small acyclic objects: collections would free nothing
        return kiali_observation(load_json(raw, "the Kiali answer"))


def kiali_observation(data: Any) -> Observation:
    with gc_paused():
        return _kiali_observation(data)


def _kiali_observation(data: Any) -> Observation:
    if not is_kiali_graph(data):
        raise _fail("", "not a Kiali graph: expected an object with graphType and elements {nodes, edges}")
    graph_type = data.get("graphType")
    if graph_type not in GRAPH_TYPES:
        raise _fail("graphType", f"unknown graph type {graph_type!r}")
    elements = data["elements"]
    raw_nodes, raw_edges = elements.get("nodes") or [], elements.get("edges") or []
    if not isinstance(raw_nodes, list) or not isinstance(raw_edges, list):
        raise _fail("elements", "nodes and edges must be lists")
    if len(raw_nodes) + len(raw_edges) > MAX_ELEMENTS:
        raise _fail("elements", f"more than {MAX_ELEMENTS:,} nodes and edges")
    by_id: dict[str, ObservedNode] = {}
    boxes: dict[str, str] = {}
    pending: list[tuple[str, dict[str, Any], str]] = []
    for index, raw in enumerate(raw_nodes):
        path = f"elements.nodes[{index}].data"
        node = _data(raw, path)
        node_id = _text(node, "id", path, required=True)
        if node.get("nodeType") == "box" or node.get("isBox"):
            where = f"{node.get('cluster', '')}/{node.get('namespace', '')}/{node.get('app', '')}"
            boxes[node_id] = f"{node.get('isBox') or 'box'}:{where}"
            continue
        pending.append((node_id, node, path))
    for node_id, node, path in pending:
        by_id[node_id] = _node(node, path, boxes)
    flows = [
        _edge(_data(raw, f"elements.edges[{i}].data"), f"elements.edges[{i}].data", by_id)
        for i, raw in enumerate(raw_edges)
    ]
    nodes = {n.key: n for n in by_id.values()}
    return Observation(
        recorder="kiali",
        graph_type=str(graph_type),
        nodes=tuple(nodes[k] for k in sorted(nodes)),
        flows=tuple(sorted(flows, key=lambda f: (f.source, f.target, f.protocol))),
        timestamp=_int(data.get("timestamp"), "timestamp"),
        duration_s=_int(data.get("duration"), "duration"),
    )


def _data(raw: Any, path: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("data"), Mapping):
        raise _fail(path.rsplit(".", 1)[0], "each element must be an object with a data object")
    return dict(raw["data"])


def _text(data: Mapping[str, Any], key: str, path: str, required: bool = False) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise _fail(f"{path}.{key}", "is required")
        return ""
    if not isinstance(value, str):
        raise _fail(f"{path}.{key}", "must be a string")
    return value


def _int(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(path, "must be a number")
    return int(value)


def _float(value: Any, path: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _fail(path, f"not a number: {value!r}") from None


def _node(data: Mapping[str, Any], path: str, boxes: Mapping[str, str]) -> ObservedNode:
    node_type = _text(data, "nodeType", path, required=True)
    if node_type not in NODE_TYPES:
        raise _fail(f"{path}.nodeType", f"unknown node type {node_type!r}")
    namespace = _text(data, "namespace", path, required=True)
    workload, app, service = _text(data, "workload", path), _text(data, "app", path), _text(data, "service", path)
    version = _text(data, "version", path)
    name = (
        {"workload": workload, "app": app, "service": service}.get(node_type) or workload or app or service or "unknown"
    )
    flags = tuple(f for f in _FLAGS if data.get(f))
    entry = data.get("isServiceEntry")
    hosts = tuple(str(h) for h in entry.get("hosts") or ()) if isinstance(entry, Mapping) else ()
    return ObservedNode(
        cluster=_text(data, "cluster", path) or "unknown",
        namespace=namespace,
        kind=node_type,
        name=name,
        version=version if node_type == "app" else "",
        workload=workload,
        app=app,
        service=service,
        flags=flags,
        hosts=hosts,
        group=boxes.get(_text(data, "parent", path), ""),
    )


def _edge(data: Mapping[str, Any], path: str, by_id: Mapping[str, ObservedNode]) -> ObservedFlow:
    ends = []
    for key in ("source", "target"):
        ref = _text(data, key, path, required=True)
        if ref not in by_id:
            raise _fail(f"{path}.{key}", f"no node with id {ref!r}")
        ends.append(by_id[ref].key)
    traffic = data.get("traffic") or {}
    if not isinstance(traffic, Mapping):
        raise _fail(f"{path}.traffic", "must be an object")
    protocol = str(traffic.get("protocol") or "tcp")
    rates = traffic.get("rates") or {}
    if not isinstance(rates, Mapping):
        raise _fail(f"{path}.traffic.rates", "must be an object")
    rate = _float(rates.get(protocol), f"{path}.traffic.rates.{protocol}")
    error = _float(rates.get(f"{protocol}PercentErr"), f"{path}.traffic.rates.{protocol}PercentErr")
    waypoint = data.get("waypoint")
    return ObservedFlow(
        source=ends[0],
        target=ends[1],
        protocol=protocol,
        rate=rate,
        error_percent=error if error is not None else (0.0 if rate is not None and protocol != "tcp" else None),
        mtls_percent=_float(data.get("isMTLS"), f"{path}.isMTLS"),
        source_principal=_text(data, "sourcePrincipal", path),
        target_principal=_text(data, "destPrincipal", path),
        waypoint=str(waypoint.get("direction") or "") if isinstance(waypoint, Mapping) else "",
    )


# -- Linkerd ---------------------------------------------------------------------------------------

_EDGE_KEYS = ("src", "src_namespace", "dst", "dst_namespace")


def read_linkerd_edges(raw: bytes | str) -> Observation:
    """``linkerd viz edges -o json`` (a JSON list) or the ``-o wide`` / default table."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_BYTES:
            raise _fail("", f"the linkerd viz edges output is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _fail("", "the linkerd viz edges output is not UTF-8 text") from None
    else:
        text = raw
    stripped = text.lstrip()
    if stripped.startswith("["):
        rows = load_json(text, "the linkerd viz edges output")
        if not isinstance(rows, list):
            raise _fail("", "expected a JSON list of edges")
    elif stripped.startswith("SRC"):
        rows = _table_rows(text)
    else:
        raise _fail("", "not `linkerd viz edges` output (a JSON list or a table starting with SRC)")
    nodes: dict[str, ObservedNode] = {}
    flows = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping) or any(not isinstance(row.get(k), str) or not row.get(k) for k in _EDGE_KEYS):
            raise _fail(f"[{index}]", f"an edge needs {', '.join(_EDGE_KEYS)}")
        source = ObservedNode("local", row["src_namespace"], "workload", row["src"], workload=row["src"])
        target = ObservedNode("local", row["dst_namespace"], "workload", row["dst"], workload=row["dst"])
        nodes.setdefault(source.key, source)
        nodes.setdefault(target.key, target)
        reason = str(row.get("no_tls_reason") or "")
        flows.append(
            ObservedFlow(
                source=source.key,
                target=target.key,
                protocol="tcp",
                mtls_percent=0.0 if reason else 100.0,
                source_principal=str(row.get("client_id") or ""),
                target_principal=str(row.get("server_id") or ""),
                no_tls_reason=reason,
            )
        )
    return Observation(
        recorder="linkerd-viz",
        graph_type="workload",
        nodes=tuple(nodes[k] for k in sorted(nodes)),
        flows=tuple(sorted(flows, key=lambda f: (f.source, f.target))),
    )


def _table_rows(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.strip()]
    header = lines[0].split()
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split()
        if len(cells) < len(header) - 1:
            raise _fail(f"line {number}", f"expected {len(header)} columns")
        row = dict(zip(header, cells, strict=False))
        secured = row.get("SECURED", row.get("MSG", ""))
        rows.append(
            {
                "src": row.get("SRC", ""),
                "dst": row.get("DST", ""),
                "src_namespace": row.get("SRC_NS", ""),
                "dst_namespace": row.get("DST_NS", ""),
                "client_id": row.get("CLIENT_ID", ""),
                "server_id": row.get("SERVER_ID", ""),
                "no_tls_reason": "" if secured in ("√", "") else " ".join(cells[len(header) - 1 :]),
            }
        )
    return rows


def read_observation(raw: bytes, fmt: str = "") -> Observation:
    """Kiali graph JSON or ``linkerd viz edges`` output; ``fmt`` empty = detected from the content."""
    if fmt and fmt not in OBSERVATION_FORMATS:
        raise ModelValidationError([Issue("format", f"must be one of {', '.join(OBSERVATION_FORMATS)}")])
    if fmt == "linkerd-viz":
        return read_linkerd_edges(raw)
    if fmt == "kiali":
        return kiali_observation(load_json(raw, "the Kiali graph"))
    stripped = raw.lstrip()
    if stripped.startswith(b"{"):
        data = load_json(raw, "the observation")
        if is_kiali_graph(data):
            return kiali_observation(data)
        raise ModelValidationError([Issue("", "not a Kiali graph: expected graphType and elements {nodes, edges}")])
    return read_linkerd_edges(raw)
