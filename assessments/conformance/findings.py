"""Policy mistakes real clusters have, each pointing at the manifest file and document it comes from.

The rule ids reuse Kiali's validation codes where one exists (KIA0105 "field requires mTLS", KIA0106
"ServiceAccount not found").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assessments.conformance.index import ClusterIndex, policy_name, source_of
from assessments.conformance.istio import IstioEvaluator, glob_match
from threatmodel.interchange.mesh.model import AuthorizationPolicy, LabelSelector, NetworkPolicy
from threatmodel.vocabulary import MeshMode

LEGACY_ANNOTATION = "net.beta.kubernetes.io/network-policy"


@dataclass(frozen=True, slots=True)
class PolicyFinding:
    rule: str
    severity: str  # high | medium | low | info
    policy: str  # "<Kind> <namespace>/<name>"
    source: str  # file#document
    message: str

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in ("rule", "severity", "policy", "source", "message")}


def policy_findings(index: ClusterIndex, restricted_namespaces: frozenset[str] = frozenset()) -> list[PolicyFinding]:
    """Every finding, sorted by (source, rule, message)."""
    evaluator = IstioEvaluator(index)
    found = [
        *_network_policy_findings(index),
        *_legacy_annotations(index),
        *_selector_findings(index),
        *_authorization_findings(index, evaluator),
        *_permissive(index, evaluator, restricted_namespaces),
        *_linkerd_findings(index),
    ]
    return sorted(set(found), key=lambda f: (f.source, f.rule, f.message))


def _namespace_known(index: ClusterIndex, namespace: str) -> bool:
    return bool(index.by_namespace.get(namespace))


def _network_policy_findings(index: ClusterIndex) -> Iterator[PolicyFinding]:
    for policy in index.manifests.network_policies:
        name, source = policy_name("NetworkPolicy", policy), source_of(policy)
        if not _namespace_known(index, policy.namespace):
            continue
        if not index.select(policy.namespace, policy.pod_selector):
            yield PolicyFinding(
                "netpol-selects-nothing",
                "high",
                name,
                source,
                f"podSelector {policy.pod_selector} matches no pod in "
                f"namespace {policy.namespace}: the policy protects nothing",
            )
        yield from _peer_findings(index, policy)


def _peer_findings(index: ClusterIndex, policy: NetworkPolicy) -> Iterator[PolicyFinding]:
    name, source = policy_name("NetworkPolicy", policy), source_of(policy)
    for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
        for rule_number, rule in enumerate(rules):
            for peer in rule.peers:
                if peer.pod_selector is None or peer.pod_selector.is_empty:
                    continue
                namespaces = (
                    [policy.namespace]
                    if peer.namespace_selector is None
                    else [
                        ns for ns, labels in index.namespace_labels.items() if peer.namespace_selector.matches(labels)
                    ]
                )
                if not any(index.select(ns, peer.pod_selector) for ns in namespaces):
                    yield PolicyFinding(
                        "netpol-peer-selects-nothing",
                        "medium",
                        name,
                        source,
                        f"{direction}[{rule_number}] peer podSelector {peer.pod_selector} "
                        "matches no pod: the peer it means is not admitted",
                    )


def _legacy_annotations(index: ClusterIndex) -> Iterator[PolicyFinding]:
    for namespace in index.manifests.namespaces:
        annotations = dict(namespace.annotations)
        if LEGACY_ANNOTATION in annotations:
            yield PolicyFinding(
                "netpol-legacy-annotation",
                "high",
                f"Namespace {namespace.name}",
                source_of(namespace),
                f"annotation {LEGACY_ANNOTATION} (pre-v1 DefaultDeny) is "
                "ignored by Kubernetes: the namespace is not default-deny",
            )


def _selector_findings(index: ClusterIndex) -> Iterator[PolicyFinding]:
    manifests = index.manifests
    objects: list[tuple[str, object, LabelSelector | None]] = [
        *(("AuthorizationPolicy", p, p.selector) for p in manifests.authorization_policies),
        *(("PeerAuthentication", p, p.selector) for p in manifests.peer_authentications),
        *(("RequestAuthentication", p, p.selector) for p in manifests.request_authentications),
        *(("Sidecar", p, p.selector) for p in manifests.sidecars),
    ]
    for kind, obj, selector in objects:
        namespace = str(getattr(obj, "namespace", ""))
        if selector is None or selector.is_empty:
            continue
        scope = (
            list(index.workloads.values())
            if namespace == index.root_namespace
            else index.by_namespace.get(namespace, [])
        )
        if not scope:
            continue
        if not any(selector.matches(w.label_map) for w in scope):
            yield PolicyFinding(
                "mesh-selects-nothing",
                "medium",
                policy_name(kind, obj),
                source_of(obj),
                f"selector {selector} matches no workload: the {kind} has no effect",
            )


def _authorization_findings(index: ClusterIndex, evaluator: IstioEvaluator) -> Iterator[PolicyFinding]:
    accounts = {(a.namespace, a.name) for a in index.manifests.service_accounts} | set(index.by_account)
    known_namespaces = set(index.namespace_labels)
    for policy in index.manifests.authorization_policies:
        name, source = policy_name("AuthorizationPolicy", policy), source_of(policy)
        if policy.action == "ALLOW":
            for number, rule in enumerate(policy.rules):
                if not rule.sources:
                    yield PolicyFinding(
                        "authz-allow-any-source",
                        "medium",
                        name,
                        source,
                        f"rules[{number}] has no `from`: it admits every caller, authenticated or not",
                    )
                elif any(v == "*" for s in rule.sources for m in s if m.field == "principals" for v in m.values):
                    yield PolicyFinding(
                        "authz-allow-any-source",
                        "low",
                        name,
                        source,
                        f"rules[{number}] admits principals ['*']: any authenticated workload of the mesh",
                    )
        if policy.action == "DENY" and policy.rules and not any(_may_match(index, rule) for rule in policy.rules):
            yield PolicyFinding(
                "authz-deny-matches-nothing",
                "medium",
                name,
                source,
                "no rule can match any workload of the manifests (its principals, "
                "service accounts and namespaces name none): the DENY protects nothing",
            )
        yield from _unknown_principals(policy, accounts, known_namespaces, index.trust_domain)
        yield from _requires_mtls(index, evaluator, policy)


def _may_match(index: ClusterIndex, rule: Any) -> bool:
    """Whether some known caller could satisfy the rule's identity fields (other fields: assume yes)."""
    if not rule.sources:
        return True
    principals = {index.principal(w) for w in index.workloads.values()}
    for source in rule.sources:
        fields = {m.field: m for m in source}
        identity = [
            fields[f] for f in ("principals", "serviceAccounts", "namespaces") if f in fields and fields[f].values
        ]
        if not identity:
            return True
        if all(_any_value_matches(m, principals) for m in identity):
            return True
    return False


def _any_value_matches(match: Any, principals: set[str]) -> bool:
    for principal in principals:
        namespace = principal.split("/ns/", 1)[1].split("/", 1)[0]
        account = principal.rsplit("/sa/", 1)[1]
        value = {"principals": principal, "serviceAccounts": f"{namespace}/{account}", "namespaces": namespace}[
            match.field
        ]
        if any(glob_match(p, value) for p in match.values):
            return True
    return False


def _unknown_principals(
    policy: AuthorizationPolicy, accounts: set[tuple[str, str]], namespaces: set[str], trust_domain: str
) -> Iterator[PolicyFinding]:
    name, source = policy_name("AuthorizationPolicy", policy), source_of(policy)
    for rule in policy.rules:
        for src in rule.sources:
            for match in src:
                if match.field != "principals":
                    continue
                for value in match.values:
                    if "*" in value or "/ns/" not in value or not value.startswith(f"{trust_domain}/"):
                        continue
                    namespace, _, account = value.split("/ns/", 1)[1].partition("/sa/")
                    if namespace in namespaces and (namespace, account) not in accounts:
                        yield PolicyFinding(
                            "KIA0106",
                            "medium",
                            name,
                            source,
                            f"principal {value}: ServiceAccount {namespace}/{account} not found",
                        )
                    elif namespace not in namespaces:
                        yield PolicyFinding(
                            "KIA0101",
                            "low",
                            name,
                            source,
                            f"principal {value}: namespace {namespace} not found in the manifests",
                        )


def _requires_mtls(
    index: ClusterIndex, evaluator: IstioEvaluator, policy: AuthorizationPolicy
) -> Iterator[PolicyFinding]:
    """KIA0105: identity fields only match over mTLS; on a non-STRICT workload plaintext callers fail closed."""
    fields = {m.field for r in policy.rules for s in r.sources for m in s} | {
        c.field for r in policy.rules for c in r.conditions
    }
    needing = sorted(
        fields
        & {"principals", "namespaces", "serviceAccounts", "source.principal", "source.namespace", "connection.sni"}
    )
    if not needing:
        return
    scope = (
        index.workloads.values()
        if policy.namespace == index.root_namespace
        else index.by_namespace.get(policy.namespace, [])
    )
    for workload in scope:
        if policy.selector is not None and not policy.selector.matches(workload.label_map):
            continue
        if workload.mesh is MeshMode.NONE:
            yield PolicyFinding(
                "authz-not-enforced",
                "high",
                policy_name("AuthorizationPolicy", policy),
                source_of(policy),
                f"{workload.key} has no sidecar: the policy is not enforced",
            )
            continue
        modes = {evaluator.server_mode(workload, t.port)[0] for t in index.targets(workload)} or {"PERMISSIVE"}
        if modes - {"STRICT"}:
            yield PolicyFinding(
                "KIA0105",
                "low",
                policy_name("AuthorizationPolicy", policy),
                source_of(policy),
                f"{', '.join(needing)} need mTLS but {workload.key} is {'/'.join(sorted(modes))}: "
                "plaintext callers are refused by this policy, not by transport",
            )


def _permissive(index: ClusterIndex, evaluator: IstioEvaluator, restricted: frozenset[str]) -> Iterator[PolicyFinding]:
    """PERMISSIVE (explicit or by default) left on where restricted data is handled."""
    labelled = {
        ns for ns, labels in index.namespace_labels.items() if labels.get("data-classification") == "restricted"
    }
    for namespace in sorted(restricted | labelled):
        for workload in index.by_namespace.get(namespace, []):
            if workload.mesh is MeshMode.NONE or workload.mesh_provider == "linkerd":
                continue
            for target in index.targets(workload):
                mode, reason = evaluator.server_mode(workload, target.port)
                if mode != "STRICT":
                    where = reason.policy or "Istio default"
                    yield PolicyFinding(
                        "mtls-permissive-restricted",
                        "high",
                        reason.policy or f"Namespace {namespace}",
                        reason.source,
                        f"{workload.key} port {target.port} is {mode} ({where}) "
                        f"in namespace {namespace}, which handles restricted data",
                    )


def _linkerd_findings(index: ClusterIndex) -> Iterator[PolicyFinding]:
    manifests = index.manifests
    servers = {(s.namespace, s.name) for s in manifests.linkerd_servers}
    for server in manifests.linkerd_servers:
        if _namespace_known(index, server.namespace) and not index.select(server.namespace, server.pod_selector):
            yield PolicyFinding(
                "mesh-selects-nothing",
                "medium",
                policy_name("Server", server),
                source_of(server),
                f"podSelector {server.pod_selector} matches no pod: the Server has no effect",
            )
    known = set(index.namespace_labels)
    for auth in manifests.server_authorizations:
        for identity in auth.identities:
            parts = identity.split(".")
            if len(parts) > 2 and parts[2] == "serviceaccount" and parts[1] not in known:
                yield PolicyFinding(
                    "linkerd-identity-unknown-namespace",
                    "medium",
                    policy_name("ServerAuthorization", auth),
                    source_of(auth),
                    f"identity {identity} names namespace {parts[1]}, which has "
                    "no workload here: the callers it means are not admitted",
                )
        if auth.server_name and (auth.namespace, auth.server_name) not in servers:
            yield PolicyFinding(
                "linkerd-unknown-server",
                "medium",
                policy_name("ServerAuthorization", auth),
                source_of(auth),
                f"server {auth.server_name} not found",
            )
    for policy in manifests.linkerd_policies:
        if policy.target.kind == "Server" and (policy.namespace, policy.target.name) not in servers:
            yield PolicyFinding(
                "linkerd-unknown-server",
                "medium",
                policy_name("AuthorizationPolicy", policy),
                source_of(policy),
                f"targetRef Server {policy.target.name} not found",
            )
