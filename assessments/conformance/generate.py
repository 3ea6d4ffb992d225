"""Least-privilege policy from the design: Kubernetes NetworkPolicy, Istio AuthorizationPolicy and Linkerd
policy objects that allow exactly the designed flows (default-deny per namespace, callers named by pod labels
and workload identities), plus a dry run of them against the manifests.

Pure: plain dicts ready for ``yaml.safe_dump_all``; the dry run re-evaluates the manifests with their own
policies replaced by the generated ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import yaml

from assessments.conformance.reachability import Reachability
from threatmodel.interchange.kubernetes import ManifestFile, read_manifests
from threatmodel.interchange.mesh.model import ManifestSet, Workload

_POLICY_COLLECTIONS = (
    "network_policies",
    "authorization_policies",
    "linkerd_servers",
    "server_authorizations",
    "linkerd_policies",
    "mtls_authentications",
    "network_authentications",
)


@dataclass(frozen=True)
class DryRun:
    designed_blocked: tuple[tuple[str, str], ...]  # designed pairs the generated policy would block
    undesigned_allowed: tuple[tuple[str, str], ...]  # evaluated undesigned pairs it would still allow
    observed_blocked: tuple[tuple[str, str], ...]  # observed pairs it would block (given observed pairs)


def _pod_selector(workload: Workload) -> dict[str, Any]:
    return {"matchLabels": dict(workload.labels)} if workload.labels else {}


def generate_policies(reach: Reachability, designed: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """Objects allowing exactly ``designed`` (pairs of workload keys), sorted by namespace, kind, name."""
    index = reach.index
    callers: dict[str, set[str]] = defaultdict(set)
    for source, target in designed:
        if source in index.workloads and target in index.workloads:
            callers[target].add(source)
    documents: list[dict[str, Any]] = []
    for namespace in sorted(index.by_namespace):
        documents += _namespace_defaults(namespace, index.by_namespace[namespace])
        for workload in sorted(index.by_namespace[namespace], key=lambda w: w.name):
            sources = [index.workloads[k] for k in sorted(callers.get(workload.key, ()))]
            documents += _for_target(reach, workload, sources)
    return documents


def _namespace_defaults(namespace: str, workloads: list[Workload]) -> list[dict[str, Any]]:
    meta = {"name": "default-deny", "namespace": namespace, "labels": {"app.kubernetes.io/managed-by": "trustmap"}}
    documents: list[dict[str, Any]] = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta,
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        },
    ]
    if any(w.mesh_provider == "istio" for w in workloads):
        documents.append(
            {
                "apiVersion": "security.istio.io/v1",
                "kind": "AuthorizationPolicy",
                "metadata": {**meta, "name": "allow-nothing"},
                "spec": {},
            }
        )
    return documents


def _for_target(reach: Reachability, target: Workload, sources: list[Workload]) -> list[dict[str, Any]]:
    if not sources:
        return []
    index = reach.index
    ports = sorted({t.port for t in reach.targets(target)})
    meta = {
        "name": f"allow-{target.name}",
        "namespace": target.namespace,
        "labels": {"app.kubernetes.io/managed-by": "trustmap"},
    }
    peers = []
    for source in sources:
        peer: dict[str, Any] = {"podSelector": _pod_selector(source)}
        if source.namespace != target.namespace:
            peer["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": source.namespace}}
        peers.append(peer)
    rule: dict[str, Any] = {"from": peers}
    if ports:
        rule["ports"] = [{"protocol": "TCP", "port": p} for p in ports]
    documents: list[dict[str, Any]] = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta,
            "spec": {"podSelector": _pod_selector(target), "policyTypes": ["Ingress"], "ingress": [rule]},
        },
    ]
    principals = sorted({index.principal(s) for s in sources if s.mesh_provider == "istio"})
    if target.mesh_provider == "istio" and principals:
        to = [{"operation": {"ports": [str(p) for p in ports]}}] if ports else []
        documents.append(
            {
                "apiVersion": "security.istio.io/v1",
                "kind": "AuthorizationPolicy",
                "metadata": meta,
                "spec": {
                    "selector": _pod_selector(target),
                    "action": "ALLOW",
                    "rules": [{"from": [{"source": {"principals": principals}}], **({"to": to} if to else {})}],
                },
            }
        )
    if target.mesh_provider == "linkerd":
        documents += _linkerd(target, sources, ports, meta)
    return documents


def _linkerd(target: Workload, sources: list[Workload], ports: list[int], meta: dict[str, Any]) -> list[dict[str, Any]]:
    refs = sorted({(s.namespace, s.service_account) for s in sources})
    authn = {
        "apiVersion": "policy.linkerd.io/v1alpha1",
        "kind": "MeshTLSAuthentication",
        "metadata": meta,
        "spec": {"identityRefs": [{"kind": "ServiceAccount", "name": a, "namespace": n} for n, a in refs]},
    }
    documents: list[dict[str, Any]] = [authn]
    for port in ports:
        name = f"{target.name}-{port}"
        server_meta = {**meta, "name": name}
        documents.append(
            {
                "apiVersion": "policy.linkerd.io/v1beta3",
                "kind": "Server",
                "metadata": server_meta,
                "spec": {"podSelector": _pod_selector(target), "port": port},
            }
        )
        documents.append(
            {
                "apiVersion": "policy.linkerd.io/v1alpha1",
                "kind": "AuthorizationPolicy",
                "metadata": server_meta,
                "spec": {
                    "targetRef": {"group": "policy.linkerd.io", "kind": "Server", "name": name},
                    "requiredAuthenticationRefs": [
                        {"group": "policy.linkerd.io", "kind": "MeshTLSAuthentication", "name": meta["name"]}
                    ],
                },
            }
        )
    return documents


def to_yaml(documents: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(documents, sort_keys=False)


def with_generated(manifests: ManifestSet, documents: list[dict[str, Any]]) -> ManifestSet:
    """The manifests with their own policies replaced by ``documents``."""
    generated = read_manifests([ManifestFile("generated-policy.yaml", to_yaml(documents).encode())])
    changes = {name: getattr(generated, name) for name in _POLICY_COLLECTIONS}
    return replace(manifests, **changes)


def dry_run(
    manifests: ManifestSet, designed: Iterable[tuple[str, str]], observed: Iterable[tuple[str, str]] = ()
) -> DryRun:
    designed_pairs = sorted(set(designed))
    documents = generate_policies(Reachability(manifests), designed_pairs)
    reach = Reachability(with_generated(manifests, documents))
    wanted = set(designed_pairs)
    decisions = reach.pairs([*designed_pairs, *observed])
    return DryRun(
        designed_blocked=tuple(
            (p.source, p.target) for p in decisions if (p.source, p.target) in wanted and not p.allowed
        ),
        undesigned_allowed=tuple(
            (p.source, p.target) for p in decisions if (p.source, p.target) not in wanted and p.allowed
        ),
        observed_blocked=tuple(
            sorted(
                (a, b)
                for a, b in set(observed)
                if a in reach.workloads and b in reach.workloads and not reach.decide(a, b).allowed
            )
        ),
    )
