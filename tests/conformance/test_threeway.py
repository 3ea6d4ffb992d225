"""Designed x allowed x observed on the real fixtures: bookinfo with its Kiali graph, sock-shop, emojivoto."""

from __future__ import annotations

import json
from dataclasses import replace

from assessments.conformance.reachability import Reachability
from assessments.conformance.threeway import UNKNOWN, conformance
from tests.conformance.helpers import KIALI, MESH, files, load
from threatmodel.domain import DataFlow, Snapshot
from threatmodel.interchange.kiali import kiali_observation, read_kiali_graph, read_linkerd_edges
from threatmodel.interchange.kubernetes import ImportOptions, ManifestFile, read_manifests, to_snapshot
from threatmodel.interchange.mesh.model import ManifestSet
from threatmodel.vocabulary import Authentication, Encryption

BOOKINFO_DESIGN = [
    ("productpage-v1", "details-v1"), ("productpage-v1", "reviews-v1"), ("productpage-v1", "reviews-v2"),
    ("productpage-v1", "reviews-v3"), ("reviews-v1", "ratings-v1"), ("reviews-v2", "ratings-v1"),
    ("reviews-v3", "ratings-v1"),
]  # fmt: skip
SOCK_SHOP_DESIGN = [
    ("front-end", "carts"), ("front-end", "catalogue"), ("front-end", "orders"), ("front-end", "user"),
    ("front-end", "session-db"), ("orders", "carts"), ("orders", "payment"), ("orders", "shipping"),
    ("orders", "user"), ("orders", "orders-db"), ("carts", "carts-db"), ("catalogue", "catalogue-db"),
    ("user", "user-db"), ("shipping", "rabbitmq"), ("queue-master", "rabbitmq"),
]  # fmt: skip


def _design(manifests: ManifestSet, pairs: list[tuple[str, str]], namespace: str) -> Snapshot:
    snapshot = to_snapshot(manifests)
    flows = [
        DataFlow(
            id=f"f-{source}-{target}",
            source=f"wl:{namespace}:{source}",
            target=f"wl:{namespace}:{target}",
            encryption=Encryption.MTLS,
            authentication=Authentication.MTLS,
        )
        for source, target in pairs
    ]
    return replace(snapshot.with_elements("flows", flows))


def _bookinfo() -> tuple[Snapshot, Reachability]:
    manifests = load(
        "bookinfo/platform/kube",
        "bookinfo/networking/destination-rule-all-mtls.yaml",
        options=ImportOptions(default_namespace="bookinfo", meshed_namespaces=frozenset({"bookinfo"})),
    )
    return _design(manifests, BOOKINFO_DESIGN, "bookinfo"), Reachability(manifests)


def _pairs(report, category: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(v.source, v.target) for v in report.with_category(category)}


def test_bookinfo_with_its_kiali_workload_graph() -> None:
    design, reach = _bookinfo()
    report = conformance(design, reach, read_kiali_graph((KIALI / "graph-workload.json").read_bytes()))
    b = "bookinfo/"
    assert _pairs(report, "conforming") == {(b + s, b + t) for s, t in BOOKINFO_DESIGN} - {
        (b + "reviews-v1", b + "ratings-v1")
    }
    assert _pairs(report, "designed-allowed-unused") == {(b + "reviews-v1", b + "ratings-v1")}  # v1 never calls ratings
    shadow = _pairs(report, "shadow-dependency")
    assert (b + "productpage-v1", "observed:east/bookinfo/workload/tcp-v1") in shadow  # not in the manifests
    assert (b + "reviews-v3", "observed:east/bankapp/workload/pricing-v1") in shadow
    assert (UNKNOWN, b + "productpage-v1") in shadow and (
        "observed:east/istio-system/workload/ingressgateway-unknown",
        b + "productpage-v1",
    ) in shadow
    assert not _pairs(report, "designed-but-blocked")
    # no AuthorizationPolicy and default PERMISSIVE: every undesigned pair is allowed, the designed mTLS is not enforced
    over = _pairs(report, "over-permissive")
    assert (b + "details-v1", b + "ratings-v1") in over and (b + "ratings-v1", b + "productpage-v1") in over
    assert len(over) == 6 * 5 - len(BOOKINFO_DESIGN)
    assert _pairs(report, "designed-mtls-not-enforced") == {(b + s, b + t) for s, t in BOOKINFO_DESIGN}
    assert report.counts["conforming"] == 6 and report.counts["designed-allowed-unused"] == 1
    assert "east/bookinfo/workload/kiali-2412" in report.unresolved_nodes
    assert report.observed and report.all_pairs and not report.unmapped_components


def test_observed_plaintext_and_callers_without_identity_against_an_mtls_design() -> None:
    design, reach = _bookinfo()
    data = json.loads((KIALI / "graph-workload.json").read_text())
    ids = {n["data"].get("workload"): n["data"]["id"] for n in data["elements"]["nodes"]}
    for edge in data["elements"]["edges"]:
        if edge["data"]["source"] == ids["productpage-v1"] and edge["data"]["target"] == ids["details-v1"]:
            edge["data"]["isMTLS"] = "60"  # as the securityPolicy appender reports it
    data["elements"]["edges"].append(
        {
            "data": {
                "id": "added",
                "source": ids["unknown"],
                "target": ids["reviews-v2"],
                "traffic": {"protocol": "http"},
            }
        }
    )
    report = conformance(design, reach, kiali_observation(data))
    assert _pairs(report, "designed-mtls-observed-plaintext") == {("bookinfo/productpage-v1", "bookinfo/details-v1")}
    verdict = report.verdict("bookinfo/productpage-v1", "bookinfo/details-v1")
    assert verdict is not None and verdict.as_dict()["observed_mtls_percent"] == 60.0
    # reviews-v2's designed callers authenticate; an identity-less caller reached it
    assert ("(unknown)", "bookinfo/reviews-v2") in _pairs(report, "designed-authenticated-caller-unknown")


def test_sock_shop_designed_flows_blocked_by_its_policy_bugs() -> None:
    manifests = load("sock-shop")
    report = conformance(_design(manifests, SOCK_SHOP_DESIGN, "sock-shop"), Reachability(manifests))
    s = "sock-shop/"
    blocked = _pairs(report, "designed-but-blocked")
    assert blocked == {
        (s + "front-end", s + "carts"), (s + "orders", s + "carts"), (s + "front-end", s + "session-db"),
        (s + "carts", s + "carts-db"),
    }  # fmt: skip
    verdict = report.verdict(s + "front-end", s + "carts")
    assert verdict is not None and verdict.as_dict()["blocked_by"] == "network"
    assert {"netpol-selects-nothing", "netpol-legacy-annotation"} <= {f.rule for f in report.findings}
    assert not report.observed and not _pairs(report, "designed-allowed-unused")  # no observation attached


def test_emojivoto_design_against_linkerd_policy_and_viz_edges() -> None:
    manifests = load(
        "emojivoto-linkerd/manifests",
        "emojivoto-linkerd/policy",
        namespace="emojivoto",
        options=ImportOptions(meshed_namespaces=frozenset({"emojivoto"}), mesh_provider="linkerd"),
    )
    design = _design(manifests, [("vote-bot", "web"), ("web", "emoji"), ("web", "voting")], "emojivoto")
    flows = [replace(f, port=8080) if f.target != "wl:emojivoto:web" else f for f in design.flows]
    design = design.with_elements("flows", flows)
    observation = read_linkerd_edges((MESH / "emojivoto-linkerd/viz-output/edges-json.golden.json").read_bytes())
    report = conformance(design, Reachability(manifests), observation)
    e = "emojivoto/"
    # the emoji gRPC Server admits only identities of the upstream test namespace: the designed call is blocked
    assert _pairs(report, "designed-but-blocked") == {(e + "web", e + "emoji")}
    assert (e + "web", e + "voting") in _pairs(report, "conforming")
    assert not _pairs(report, "designed-mtls-observed-plaintext")
    # web accepts unauthenticated callers from anywhere: the designed mTLS is not enforced there, but it is at voting
    assert _pairs(report, "designed-mtls-not-enforced") == {(e + "vote-bot", e + "web")}


def test_output_is_deterministic() -> None:
    graph = (KIALI / "graph-workload.json").read_bytes()
    first = [v.as_dict() for v in conformance(*_bookinfo(), read_kiali_graph(graph)).verdicts]
    second = [v.as_dict() for v in conformance(*_bookinfo(), read_kiali_graph(graph)).verdicts]
    assert first == second
    assert [(v["source"], v["target"]) for v in first] == sorted((v["source"], v["target"]) for v in first)


def test_permissive_left_on_where_the_design_keeps_restricted_data() -> None:
    from threatmodel.domain import DataAsset
    from threatmodel.vocabulary import Classification

    design, reach = _bookinfo()
    ratings = design.component_by_id["wl:bookinfo:ratings-v1"]
    design = design.with_elements(
        "data_assets", [DataAsset("cards", "Card data", classification=Classification.RESTRICTED)]
    )
    design = design.replace_element(replace(ratings, data_stored=("cards",)))
    found = [f for f in conformance(design, reach).findings if f.rule == "mtls-permissive-restricted"]
    # the namespace handles restricted data, so every PERMISSIVE port in it is reported
    assert sorted({f.message.split(" ")[0] for f in found}) == sorted(reach.index.workloads)
    assert "PERMISSIVE (Istio default) in namespace bookinfo" in found[0].message
    # STRICT in the namespace clears it
    strict = ManifestFile(
        "strict.yaml",
        b"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: bookinfo}\n"
        b"spec: {mtls: {mode: STRICT}}\n",
    )
    manifests = read_manifests(
        [*files("bookinfo/platform/kube"), strict],
        ImportOptions(default_namespace="bookinfo", meshed_namespaces=frozenset({"bookinfo"})),
    )
    assert not [
        f for f in conformance(design, Reachability(manifests)).findings if f.rule == "mtls-permissive-restricted"
    ]
