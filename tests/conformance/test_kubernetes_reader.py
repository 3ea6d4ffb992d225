"""The manifest reader on the real fixtures, and bad input: clear errors naming file#document, nothing read."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conformance.helpers import load
from threatmodel.interchange.kubernetes import (
    MAX_FILE_BYTES,
    ImportOptions,
    ManifestFile,
    read_manifests,
    to_snapshot,
)
from threatmodel.invariants import ModelValidationError
from threatmodel.vocabulary import BoundaryKind, ComponentKind, MeshMode


def _read(text: str, name: str = "bad.yaml") -> None:
    read_manifests([ManifestFile(name, text.encode())])


def test_online_boutique_components_identities_boundaries() -> None:
    manifests = load(
        "online-boutique/kubernetes-manifests",
        "online-boutique/asm-security",
        "online-boutique/istio-manifests",
        "online-boutique/network-policies",
        options=ImportOptions(default_namespace="onlineboutique", meshed_namespaces=frozenset({"onlineboutique"})),
    )
    assert len(manifests.workloads) == 12 and len(manifests.network_policies) == 13
    assert len(manifests.authorization_policies) == 11 and len(manifests.sidecars) == 12
    # the kustomize Components and the VirtualService are listed, not fatal
    assert {s.kind for s in manifests.skipped} == {"Component", "VirtualService"}
    snapshot = to_snapshot(manifests, name="boutique")
    by_name = {c.name: c for c in snapshot.components if c.kind is not ComponentKind.EXTERNAL_ENTITY}
    assert len(by_name) == 12
    assert [c.name for c in snapshot.components if c.internet_facing] == ["frontend"]  # frontend-external LoadBalancer
    assert by_name["redis-cart"].kind is ComponentKind.CACHE
    assert by_name["cartservice"].identity == "sa:onlineboutique:cartservice"
    assert by_name["cartservice"].mesh is MeshMode.SIDECAR
    assert by_name["cartservice"].boundary == "ns:onlineboutique"
    assert snapshot.boundary_by_id["ns:onlineboutique"].parent == "cluster:cluster"
    assert snapshot.boundary_by_id["cluster:cluster"].kind is BoundaryKind.CLUSTER
    assert snapshot.identity_by_id["sa:onlineboutique:frontend"].attributes["spiffe"] == (
        "spiffe://cluster.local/ns/onlineboutique/sa/frontend"
    )
    external = [c for c in snapshot.components if c.kind is ComponentKind.EXTERNAL_ENTITY]
    assert len(external) == 2 and all(c.boundary == "internet" for c in external)
    assert by_name["cartservice"].attributes["source"] == "online-boutique/kubernetes-manifests/cartservice.yaml#1"


def test_sock_shop_namespace_documents_merge_and_keep_the_legacy_annotation() -> None:
    manifests = load("sock-shop")
    assert len(manifests.workloads) == 14 and len(manifests.namespaces) == 1
    assert "net.beta.kubernetes.io/network-policy" in dict(manifests.namespaces[0].annotations)
    cortex = next(p for p in manifests.network_policies if p.name == "cortex-access")
    assert cortex.pod_selector.is_empty and cortex.policy_types == ("Ingress",)


def test_linkerd_objects_are_told_apart_from_istio_ones() -> None:
    manifests = load("emojivoto-linkerd/manifests", "emojivoto-linkerd/policy", namespace="emojivoto")
    assert len(manifests.linkerd_servers) == 7 and len(manifests.server_authorizations) == 3
    assert len(manifests.linkerd_policies) == 4 and not manifests.authorization_policies
    assert manifests.mtls_authentications[0].identity_refs[0].name == "web"


def test_mesh_mode_from_labels_and_annotations() -> None:
    text = """
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: v1
kind: Namespace
metadata: {name: c, annotations: {linkerd.io/inject: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: x, namespace: a}
spec: {template: {metadata: {labels: {app: x}}, spec: {containers: [{name: x, image: x}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: y, namespace: a}
spec:
  template:
    metadata: {labels: {app: y, sidecar.istio.io/inject: "false"}}
    spec: {containers: [{name: y, image: y}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: z, namespace: b}
spec: {template: {metadata: {labels: {app: z}}, spec: {containers: [{name: z, image: postgres:16}]}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: w, namespace: c}
spec: {template: {metadata: {labels: {app: w}}, spec: {containers: [{name: w, image: w}]}}}
"""
    manifests = read_manifests([ManifestFile("mesh.yaml", text.encode())])
    modes = {w.key: (w.mesh, w.mesh_provider) for w in manifests.workloads}
    assert modes == {
        "a/x": (MeshMode.SIDECAR, "istio"),
        "a/y": (MeshMode.NONE, ""),
        "b/z": (MeshMode.AMBIENT, "istio"),
        "c/w": (MeshMode.SIDECAR, "linkerd"),
    }
    assert {c.name: c.kind for c in to_snapshot(manifests).components}["z"] is ComponentKind.DATASTORE


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "kind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 99999}]}\n",
            "bad.yaml#1 (Service a): spec.ports[0].port",
            "out of range",
        ),
        ("---\nkind: ConfigMap\nmetadata: {name: c}\n---\nkind: [oops\n", "bad.yaml#2", "invalid YAML"),
        ("a: &x [1]\nb: *x\n", "bad.yaml#1", "aliases"),
        ("- just\n- a list\n", "bad.yaml#1", "must be a mapping"),
        ("metadata: {name: a}\n", "bad.yaml#1", "no kind"),
        (
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
            "metadata: {name: p}\nspec: {mtls: {mode: STRIKT}}\n",
            "bad.yaml#1 (PeerAuthentication p): spec.mtls.mode",
            "unknown mode",
        ),
        (
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
            "metadata: {name: p}\nspec: {portLevelMtls: {80: {mode: STRICT}}}\n",
            "spec.portLevelMtls",
            "needs a workload selector",
        ),
        (
            "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: "
            "{name: p}\nspec: {rules: [{from: [{source: {principal: [a]}}]}]}\n",
            "spec.rules[0].from[0].source.principal",
            "unknown field",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: "
            "{name: n}\nspec: {podSelector: {}, ingress: [{from: [{}]}]}\n",
            "spec.ingress[0].from[0]",
            "needs podSelector",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\n"
            "spec: {podSelector: {matchExpressions: [{key: a, operator: Like}]}}\n",
            "spec.podSelector.matchExpressions[0].operator",
            "unknown operator",
        ),
        ("kind: Deployment\nmetadata: {}\n", "bad.yaml#1 (Deployment): metadata.name", "is required"),
        ("kind: Service\nmetadata: {name: a}\n" + "x: " + "[" * 60 + "]" * 60 + "\n", "bad.yaml#1", "nested deeper"),
    ],
)
def test_bad_documents_name_file_document_and_field(text: str, where: str, message: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        _read(text)
    issue = caught.value.issues[0]
    assert where in issue.path and message in issue.message, str(issue)


def test_oversized_file_and_non_utf8_are_refused() -> None:
    with pytest.raises(ModelValidationError, match="limit"):
        read_manifests([ManifestFile("big.yaml", b"#" * (MAX_FILE_BYTES + 1))])
    with pytest.raises(ModelValidationError, match="not UTF-8"):
        read_manifests([ManifestFile("bin.yaml", b"\xff\xfe\x00kind")])


def test_a_conflicting_duplicate_names_both_places_but_an_identical_copy_is_fine() -> None:
    doc = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s, namespace: n}\n"
    same = read_manifests([ManifestFile("a.yaml", doc.encode()), ManifestFile("b.yaml", doc.encode())])
    assert len(same.service_accounts) == 1
    svc = "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\nspec: {ports: [{port: %d}]}\n"
    with pytest.raises(ModelValidationError, match=r"b.yaml#1.*also defined, differently, in a.yaml#1"):
        read_manifests([ManifestFile("a.yaml", (svc % 80).encode()), ManifestFile("b.yaml", (svc % 81).encode())])


def test_unknown_kinds_are_listed_and_skipped() -> None:
    text = (
        "apiVersion: example.com/v1\nkind: Frobnicator\nmetadata: "
        "{name: f}\n---\nkind: ConfigMap\nmetadata: {name: c}\n"
    )
    manifests = read_manifests([ManifestFile("x.yaml", text.encode())])
    assert [(str(s.source), s.kind, s.reason) for s in manifests.skipped] == [
        ("x.yaml#1", "Frobnicator", "unknown kind"),
        ("x.yaml#2", "ConfigMap", "not relevant to topology or policy"),
    ]


def test_kubectl_list_documents_are_expanded() -> None:
    text = (
        "kind: List\nitems:\n- {apiVersion: v1, kind: ServiceAccount, metadata: {name: a}}\n"
        "- {apiVersion: v1, kind: ServiceAccount, metadata: {name: b}}\n"
    )
    manifests = read_manifests([ManifestFile("list.yaml", text.encode())], ImportOptions(default_namespace="ns"))
    assert [(a.namespace, a.name) for a in manifests.service_accounts] == [("ns", "a"), ("ns", "b")]


def test_the_pure_python_loader_refuses_aliases_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from threatmodel.interchange import kubernetes

    monkeypatch.setattr(kubernetes, "_Loader", kubernetes._NoAliasSafeLoader)
    with pytest.raises(ModelValidationError, match="aliases"):
        _read("a: &x [1]\nb: *x\n")
    assert len(load("sock-shop").workloads) == 14


def test_the_synthetic_benchmark_cluster_is_deterministic_and_as_specified() -> None:
    from testkit.synthetic_mesh import generate_mesh

    first, second = generate_mesh(60, 3, 300, seed=3), generate_mesh(60, 3, 300, seed=3)
    assert first == second and first.policies == 30 and first.edges == 300
    manifests = read_manifests([ManifestFile("c.json", first.manifests_json)])
    assert len(manifests.workloads) == 60 and all(w.mesh is MeshMode.SIDECAR for w in manifests.workloads)
    from_yaml = read_manifests([ManifestFile("c.yaml", first.manifests)])
    strip = lambda items: [replace(i, source=None) for i in items]  # noqa: E731
    assert strip(from_yaml.workloads) == strip(manifests.workloads)
    assert strip(from_yaml.authorization_policies) == strip(manifests.authorization_policies)
