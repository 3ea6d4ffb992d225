"""A generated cluster for the mesh benchmark: manifests (YAML text), a Kiali graph (JSON) and a design.

Pure and seeded: the same arguments give the same bytes. Each namespace is meshed and STRICT, default-deny
for ingress, and its workloads admit their in-namespace callers by NetworkPolicy and AuthorizationPolicy.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass

import yaml

from threatmodel.domain import DataFlow, Snapshot
from threatmodel.vocabulary import Authentication, Encryption


@dataclass(frozen=True)
class SyntheticMesh:
    manifests: bytes  # one multi-document YAML file
    manifests_json: bytes  # the same objects as `kubectl get -o json` prints them: one List
    kiali_graph: bytes  # a Kiali workload graph response
    designed: tuple[tuple[str, str], ...]  # (namespace/name, namespace/name) pairs of the design
    policies: int
    edges: int


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    def ignore_aliases(self, data: object) -> bool:  # shared label dicts must not become anchors
        return True


def _workload(ns: str, name: str) -> list[dict[str, object]]:
    labels = {"app": name, "version": "v1"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}},
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns},
            "spec": {
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": name,
                        "containers": [
                            {
                                "name": name,
                                "image": f"example/{name}:1",
                                "ports": [{"containerPort": 8080, "name": "http"}],
                            }
                        ],
                    },
                },
            },
        },
    ]


def _policies(ns: str, names: list[str], callers: dict[str, list[str]], trust_domain: str) -> list[dict[str, object]]:
    """Ten per namespace: PA STRICT, DR ISTIO_MUTUAL, default-deny, same-namespace allow, 3 NetworkPolicies and
    3 AuthorizationPolicies admitting the observed callers of one workload each."""
    docs: list[dict[str, object]] = [
        {
            "apiVersion": "security.istio.io/v1",
            "kind": "PeerAuthentication",
            "metadata": {"name": "default", "namespace": ns},
            "spec": {"mtls": {"mode": "STRICT"}},
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "DestinationRule",
            "metadata": {"name": "mtls", "namespace": ns},
            "spec": {"host": f"*.{ns}.svc.cluster.local", "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny", "namespace": ns},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "same-namespace", "namespace": ns},
            "spec": {
                "podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": names[:3]}]},
                "ingress": [{"from": [{"podSelector": {}}]}],
            },
        },
    ]
    for index, target in enumerate(names[:3]):
        peers = [{"podSelector": {"matchLabels": {"app": c}}} for c in callers[target]]
        docs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"allow-{index}", "namespace": ns},
                "spec": {
                    "podSelector": {"matchLabels": {"app": target}},
                    "ingress": [{"from": peers, "ports": [{"port": 8080}]}],
                },
            }
        )
    for index, target in enumerate(names[3:6]):
        principals = [f"{trust_domain}/ns/{ns}/sa/{c}" for c in callers[target]]
        docs.append(
            {
                "apiVersion": "security.istio.io/v1",
                "kind": "AuthorizationPolicy",
                "metadata": {"name": f"allow-{index}", "namespace": ns},
                "spec": {
                    "selector": {"matchLabels": {"app": target}},
                    "rules": [{"from": [{"source": {"principals": principals}}]}],
                },
            }
        )
    return docs


def generate_mesh(workloads: int = 2000, namespaces: int = 100, edges: int = 20000, seed: int = 7) -> SyntheticMesh:
    rng = random.Random(seed)
    per_ns = workloads // namespaces
    layout = {f"ns{n:03d}": [f"svc-{i:02d}" for i in range(per_ns)] for n in range(namespaces)}
    keys = [f"{ns}/{name}" for ns, names in layout.items() for name in names]
    observed: set[tuple[str, str]] = set()
    while len(observed) < edges:
        source = rng.choice(keys)
        ns = source.split("/")[0]
        target = f"{ns}/{rng.choice(layout[ns])}" if rng.random() < 0.8 else rng.choice(keys)
        if target != source:
            observed.add((source, target))
    ordered = sorted(observed)
    callers: dict[str, dict[str, list[str]]] = {ns: {name: [] for name in names} for ns, names in layout.items()}
    for source, target in ordered:
        (sns, sname), (tns, tname) = source.split("/"), target.split("/")
        if sns == tns:
            callers[tns][tname].append(sname)
    documents: list[dict[str, object]] = []
    policies = 0
    for ns, names in layout.items():
        documents.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"istio-injection": "enabled"}},
            }
        )
        for name in names:
            documents.extend(_workload(ns, name))
        policy_docs = _policies(ns, names, callers[ns], "cluster.local")
        policies += len(policy_docs)
        documents.extend(policy_docs)
    designed = [pair for pair in ordered if rng.random() < 0.8]
    unobserved: set[tuple[str, str]] = set()
    while len(unobserved) < edges // 10:
        source, target = rng.choice(keys), rng.choice(keys)
        if source != target and (source, target) not in observed:
            unobserved.add((source, target))
    return SyntheticMesh(
        manifests=yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False).encode(),
        manifests_json=json.dumps({"apiVersion": "v1", "kind": "List", "items": documents}).encode(),
        kiali_graph=json.dumps(_kiali(keys, ordered, rng)).encode(),
        designed=tuple(sorted(set(designed) | unobserved)),
        policies=policies,
        edges=len(ordered),
    )


def _node_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _kiali(keys: list[str], pairs: list[tuple[str, str]], rng: random.Random) -> dict[str, object]:
    nodes = [
        {
            "data": {
                "id": _node_id(k),
                "nodeType": "workload",
                "cluster": "east",
                "namespace": k.split("/")[0],
                "workload": k.split("/")[1],
                "app": k.split("/")[1],
                "version": "v1",
            }
        }
        for k in keys
    ]
    edges = []
    for number, (source, target) in enumerate(pairs):
        rate = f"{rng.uniform(0.1, 50):.2f}"
        edges.append(
            {
                "data": {
                    "id": f"e{number}",
                    "source": _node_id(source),
                    "target": _node_id(target),
                    "isMTLS": "100",
                    "traffic": {"protocol": "http", "rates": {"http": rate, "httpPercentReq": "100.0"}},
                }
            }
        )
    return {
        "timestamp": 1700000000,
        "duration": 600,
        "graphType": "workload",
        "elements": {"nodes": nodes, "edges": edges},
    }


def design_snapshot(snapshot: Snapshot, designed: tuple[tuple[str, str], ...]) -> Snapshot:
    """The imported snapshot plus the designed flows (mTLS, authenticated)."""
    flows = [
        DataFlow(
            id=f"f{number}",
            source="wl:" + source.replace("/", ":"),
            target="wl:" + target.replace("/", ":"),
            encryption=Encryption.MTLS,
            authentication=Authentication.MTLS,
        )
        for number, (source, target) in enumerate(designed)
    ]
    return snapshot.with_elements("flows", flows)
