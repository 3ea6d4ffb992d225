"""Kiali graph responses and `linkerd viz edges` output -> observations (real fixtures), and bad answers."""

from __future__ import annotations

import json

import pytest

from tests.conformance.helpers import KIALI, MESH
from threatmodel.interchange.kiali import read_kiali_graph, read_linkerd_edges
from threatmodel.invariants import ModelValidationError

VIZ = MESH / "emojivoto-linkerd" / "viz-output"


def test_workload_graph_nodes_are_keyed_by_what_they_are_not_by_kiali_ids() -> None:
    observation = read_kiali_graph((KIALI / "graph-workload.json").read_bytes())
    assert (
        observation.graph_type == "workload" and observation.timestamp == 1523364075 and observation.duration_s == 600
    )
    keys = [n.key for n in observation.nodes]
    assert keys == sorted(keys) and len(keys) == 13
    assert "east/bookinfo/workload/productpage-v1" in keys and "unknown/unknown/unknown/unknown" in keys
    assert all(len(k.split("/")) == 4 for k in keys)  # no 64-hex ids anywhere
    unknown = observation.node("unknown/unknown/unknown/unknown")
    assert unknown is not None and unknown.identityless
    flow = next(f for f in observation.flows if f.target == "east/bookinfo/workload/details-v1")
    assert (flow.protocol, flow.rate, flow.error_percent) == ("http", 80.0, 50.0)
    assert flow.mtls_percent is None  # no appender ran: unknown, not false
    grpc = next(f for f in observation.flows if f.target == "east/bankapp/workload/deposit-v1")
    assert grpc.protocol == "grpc" and grpc.rate == 50.0
    gateway = observation.node("east/istio-system/workload/ingressgateway-unknown")
    assert gateway is not None and {"isRoot", "isOutside"} <= set(gateway.flags)


def test_versioned_app_graph_drops_boxes_and_keeps_versions() -> None:
    observation = read_kiali_graph((KIALI / "graph-versionedApp.json").read_bytes())
    assert not any(n.kind == "box" for n in observation.nodes)
    reviews = [n for n in observation.nodes if n.app == "reviews"]
    assert [n.key for n in reviews] == [f"east/bookinfo/app/reviews@v{i}" for i in (1, 2, 3)]
    assert {n.group for n in reviews} == {"app:east/bookinfo/reviews"}


def test_service_and_ambient_graphs() -> None:
    service = read_kiali_graph((KIALI / "graph-service.json").read_bytes())
    assert {n.kind for n in service.nodes} == {"service", "workload", "unknown"}
    ambient = read_kiali_graph((KIALI / "graph-ambient-workload.json").read_bytes())
    waypoint = ambient.node("Kubernetes/bookinfo/workload/waypoint")
    assert waypoint is not None and "isWaypoint" in waypoint.flags
    assert {f.waypoint for f in ambient.flows} == {"", "to", "from"}


def test_security_fields_when_appenders_ran() -> None:
    data = json.loads((KIALI / "graph-workload.json").read_text())
    edge = data["elements"]["edges"][0]["data"]
    edge.update(isMTLS="50", sourcePrincipal="spiffe://cluster.local/ns/bookinfo/sa/a", destPrincipal="spiffe://x")
    flow = next(f for f in read_kiali_graph(json.dumps(data)).flows if f.source_principal)
    assert flow.mtls_percent == 50.0 and flow.target_principal == "spiffe://x"


@pytest.mark.parametrize(
    ("answer", "path", "message"),
    [
        (b"<html>login</html>", "line 1, column 1", "not JSON"),
        (b'{"status": "ok"}', "", "not a Kiali graph"),
        (b'{"graphType": "bogus", "elements": {}}', "graphType", "unknown graph type"),
        (
            b'{"graphType": "workload", "elements": {"nodes": [{"data": {"id": "a"}}]}}',
            "elements.nodes[0].data.nodeType",
            "required",
        ),
        (
            b'{"graphType": "workload", "elements": {"nodes": [],'
            b' "edges": [{"data": {"id": "e", "source": "x", "target": "y"}}]}}',
            "elements.edges[0].data.source",
            "no node",
        ),
        (
            b'{"graphType": "workload", "elements": {"nodes": [{"data": {"id": "a", "nodeType": "workload",'
            b' "namespace": "n", "workload": "w"}}], "edges": [{"data": {"id": "e", "source": "a", "target": "a",'
            b' "traffic": {"protocol": "http", "rates": {"http": "lots"}}}}]}}',
            "elements.edges[0].data.traffic.rates.http",
            "not a number",
        ),
    ],
)
def test_an_answer_that_is_not_a_graph_is_a_clear_error(answer: bytes, path: str, message: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        read_kiali_graph(answer)
    issue = caught.value.issues[0]
    assert issue.path == path and message in issue.message, str(issue)


@pytest.mark.parametrize("name", ["edges-json.golden.json", "edges-wide.golden.txt"])
def test_linkerd_viz_edges(name: str) -> None:
    observation = read_linkerd_edges((VIZ / name).read_bytes())
    assert [(f.source, f.target) for f in observation.flows] == [
        ("local/emojivoto/workload/vote-bot", "local/emojivoto/workload/web"),
        ("local/emojivoto/workload/web", "local/emojivoto/workload/emoji"),
        ("local/emojivoto/workload/web", "local/emojivoto/workload/voting"),
        ("local/linkerd/workload/linkerd-identity", "local/linkerd/workload/linkerd-prometheus"),
    ]
    assert all(f.mtls_percent == 100.0 for f in observation.flows)
    assert observation.flows[0].source_principal == "default.emojivoto"


def test_linkerd_plaintext_reason_and_garbage() -> None:
    rows = [
        {"src": "a", "src_namespace": "n", "dst": "b", "dst_namespace": "n", "no_tls_reason": "not_provided_by_remote"}
    ]
    flow = read_linkerd_edges(json.dumps(rows)).flows[0]
    assert flow.mtls_percent == 0.0 and flow.no_tls_reason == "not_provided_by_remote"
    with pytest.raises(ModelValidationError, match="src_namespace"):
        read_linkerd_edges(json.dumps([{"src": "a"}]))
    with pytest.raises(ModelValidationError, match="not `linkerd viz edges` output"):
        read_linkerd_edges("hello")


def test_binary_and_oversized_answers() -> None:
    from threatmodel.interchange.kiali import MAX_BYTES, read_observation

    for raw in (b"\x89PNG\r\n", b"{\xff}"):
        with pytest.raises(ModelValidationError, match="not UTF-8|not JSON"):
            read_observation(raw)
    with pytest.raises(ModelValidationError, match="limit"):
        read_observation(b" " * (MAX_BYTES + 1))
