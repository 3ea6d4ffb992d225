"""Linkerd inbound policy: Servers, (legacy) ServerAuthorizations, AuthorizationPolicies with their
MeshTLS/Network authentications, and the default inbound policy when no Server covers a port.

Meshed-to-meshed traffic is mTLS automatically; the caller's identity is
``<sa>.<ns>.serviceaccount.identity.linkerd.<trust-domain>``. Client addresses are not known statically, so
a network authentication admits a caller only when it covers every address (0.0.0.0/0 or ::/0).
"""

from __future__ import annotations

from collections import defaultdict

from assessments.conformance.index import ClusterIndex, Reason, Target, policy_name, source_of
from assessments.conformance.istio import AuthzDecision
from threatmodel.interchange.mesh.model import IpBlock, LinkerdServer, Ref, ServerAuthorization, Workload
from threatmodel.vocabulary import MeshMode

_ANYWHERE = {"0.0.0.0/0", "::/0"}
_DEFAULTS = {
    "all-unauthenticated": (True, False, "allow-all"),
    "cluster-unauthenticated": (True, False, "allow-all"),
    "all-authenticated": (True, True, "broad"),
    "cluster-authenticated": (True, True, "broad"),
    "audit": (True, False, "allow-all"),
    "deny": (False, False, "denied"),
}


class LinkerdEvaluator:
    def __init__(self, index: ClusterIndex):
        self.index = index
        manifests = index.manifests
        self.default_policy = str(manifests.settings.get("linkerd_default_policy") or "all-unauthenticated")
        self.servers_of: dict[str, list[LinkerdServer]] = defaultdict(list)
        for server in manifests.linkerd_servers:
            for workload in index.select(server.namespace, server.pod_selector):
                self.servers_of[workload.key].append(server)
        self.mtls = {(a.namespace, a.name): a for a in manifests.mtls_authentications}
        self.networks = {(a.namespace, a.name): a for a in manifests.network_authentications}
        self.routes = {(r.namespace, r.name): r for r in manifests.http_routes}

    def server_for(self, workload: Workload, port: int) -> LinkerdServer | None:
        for server in self.servers_of.get(workload.key, []):
            if server.port == port:
                return server
            if isinstance(server.port, str):
                named = workload.port_named(server.port)
                if named is not None and named.number == port:
                    return server
        return None

    def authorize(self, client: Workload | None, server_workload: Workload, target: Target) -> AuthzDecision:
        """Is ``client`` (None = a caller outside the cluster) authorized on the port of ``server_workload``?"""
        meshed_client = client is not None and client.mesh is not MeshMode.NONE
        server = self.server_for(server_workload, target.port)
        if server is None:
            return self._default(client, meshed_client, server_workload)
        admitted: list[tuple[str, str, str]] = []  # (breadth, policy, source)
        for auth in self.index.manifests.server_authorizations:
            if auth.namespace == server.namespace and _targets(auth, server):
                breadth = self._legacy(auth, client, meshed_client)
                if breadth:
                    admitted.append((breadth, policy_name("ServerAuthorization", auth), source_of(auth)))
        for policy in self.index.manifests.linkerd_policies:
            if policy.namespace != server.namespace or not self._policy_targets(policy.target, server):
                continue
            breadth = self._required(policy.required, policy.namespace, client, meshed_client)
            if breadth:
                scope = breadth if policy.target.kind != "HTTPRoute" else f"{breadth} (routes {policy.target.name})"
                admitted.append((scope, policy_name("AuthorizationPolicy", policy), source_of(policy)))
        server_ref = policy_name("Server", server)
        if not admitted:
            who = client.key if client else "an unmeshed caller"
            reason = Reason(
                "linkerd",
                "denied",
                f"Server covers port {target.port}; no authorization admits {who}",
                server_ref,
                source_of(server),
            )
            return AuthzDecision(False, "denied", 403, (reason,))
        order = ["least-privilege", "broad", "allow-all"]
        kind = max((a[0].split(" ")[0] for a in admitted), key=order.index)
        reasons = tuple(
            Reason("linkerd", breadth, f"admits the caller on Server {server.name}", name, src)
            for breadth, name, src in admitted
        )
        return AuthzDecision(True, kind, 200, reasons, tuple(sorted({a[1] for a in admitted})))

    def _default(self, client: Workload | None, meshed_client: bool, server: Workload) -> AuthzDecision:
        annotations = {**dict(self._namespace_annotations(server.namespace)), **dict(server.annotations)}
        policy = annotations.get("config.linkerd.io/default-inbound-policy", self.default_policy)
        allowed, needs_identity, kind = _DEFAULTS.get(policy, _DEFAULTS["all-unauthenticated"])
        if needs_identity and not meshed_client:
            allowed, kind = False, "denied"
        detail = f"no Server covers the port: default inbound policy {policy}"
        return AuthzDecision(allowed, kind, 200 if allowed else 403, (Reason("linkerd", kind, detail),))

    def _namespace_annotations(self, namespace: str) -> tuple[tuple[str, str], ...]:
        found = self.index.manifests.namespace(namespace)
        return found.annotations if found else ()

    def _policy_targets(self, ref: Ref, server: LinkerdServer) -> bool:
        if ref.kind == "Server":
            return ref.name == server.name
        if ref.kind == "Namespace":
            return ref.name == server.namespace
        if ref.kind in ("HTTPRoute", "GRPCRoute"):
            route = self.routes.get((server.namespace, ref.name))
            return route is not None and any(p.kind == "Server" and p.name == server.name for p in route.parents)
        return False

    def _legacy(self, auth: ServerAuthorization, client: Workload | None, meshed: bool) -> str:
        if auth.unauthenticated:
            return "allow-all" if _covers_all(auth.networks) else ""
        if not meshed or client is None:
            return ""
        if auth.unauthenticated_tls:
            return "broad"
        identity = self.index.linkerd_identity(client)
        for pattern in auth.identities:
            if pattern == "*":
                return "broad"
            if _identity_match(pattern, identity):
                return "least-privilege" if "*" not in pattern else "broad"
        if (client.namespace, client.service_account) in auth.service_accounts:
            return "least-privilege"
        return ""

    def _required(self, refs: tuple[Ref, ...], namespace: str, client: Workload | None, meshed: bool) -> str:
        """All required authentications must hold; the breadth is the broadest of them."""
        if not refs:
            return ""
        breadths = []
        for ref in refs:
            breadth = self._authentication(ref, namespace, client, meshed)
            if not breadth:
                return ""
            breadths.append(breadth)
        order = ["least-privilege", "broad", "allow-all"]
        identity_breadths = [b for b in breadths if b != "network"]
        if not identity_breadths:
            return "allow-all"
        return max(identity_breadths, key=order.index)

    def _authentication(self, ref: Ref, namespace: str, client: Workload | None, meshed: bool) -> str:
        ns = ref.namespace or namespace
        if ref.kind == "NetworkAuthentication":
            found = self.networks.get((ns, ref.name))
            return "network" if found and _covers_all(found.networks) else ""
        if not meshed or client is None:
            return ""
        if ref.kind == "ServiceAccount":
            return "least-privilege" if (client.namespace, client.service_account) == (ns, ref.name) else ""
        if ref.kind == "MeshTLSAuthentication":
            authn = self.mtls.get((ns, ref.name))
            if authn is None:
                return ""
            identity = self.index.linkerd_identity(client)
            for pattern in authn.identities:
                if pattern == "*":
                    return "broad"
                if _identity_match(pattern, identity):
                    return "least-privilege" if "*" not in pattern else "broad"
            for identity_ref in authn.identity_refs:
                ref_ns = identity_ref.namespace or authn.namespace
                if identity_ref.kind == "ServiceAccount" and (client.namespace, client.service_account) == (
                    ref_ns,
                    identity_ref.name,
                ):
                    return "least-privilege"
                if identity_ref.kind == "Namespace" and client.namespace == identity_ref.name:
                    return "broad"
        return ""


def _targets(auth: ServerAuthorization, server: LinkerdServer) -> bool:
    if auth.server_name is not None:
        return auth.server_name == server.name
    return auth.server_selector is not None and auth.server_selector.matches(dict(server.labels))


def _covers_all(networks: tuple[IpBlock, ...]) -> bool:
    """Without networks a legacy unauthenticated authorization admits every address."""
    return not networks or any(n.cidr in _ANYWHERE and not n.excepts for n in networks)


def _identity_match(pattern: str, identity: str) -> bool:
    if pattern.startswith("*."):
        return identity.endswith(pattern[1:])
    return pattern == identity
