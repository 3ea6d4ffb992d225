"""Effective reachability per workload pair: network (NetworkPolicy) x transport (mTLS) x authorization
(Istio AuthorizationPolicy or Linkerd policy), each with the objects that decided it.

Computed once per import. Which pairs are evaluated: every ordered pair when the cluster is small
(``ALL_PAIRS_LIMIT`` workloads), otherwise the pairs inside each namespace plus the pairs a caller asks
for (designed and observed flows); a destination's exposure to the rest of the cluster is then given by
``exposure()`` instead of one row per pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from assessments.conformance.index import ClusterIndex, Reason, Target
from assessments.conformance.istio import MTLS, REFUSED, AuthzDecision, IstioEvaluator, Request, Transport
from assessments.conformance.linkerd import LinkerdEvaluator
from assessments.conformance.network import NetworkEvaluator
from threatmodel.interchange.mesh.model import ManifestSet, Workload
from threatmodel.vocabulary import MeshMode

ALL_PAIRS_LIMIT = 400


@dataclass(frozen=True, slots=True)
class PortDecision:
    port: int
    service: str
    protocol: str
    service_port: int | None
    network: str  # open | allowed-specific | allowed-broad | denied
    transport: str  # mtls | plaintext | tls | refused
    enforced: bool  # the port refuses plaintext (STRICT / ambient)
    caller_authenticated: bool  # the server knows the caller's mesh identity
    authz: str  # no-policy | allow-all | broad | least-privilege | denied | not-enforced
    allowed: bool
    reasons: tuple[Reason, ...]

    def names_port(self, ports: set[int]) -> bool:
        """Does a flow on one of ``ports`` (container or Service port numbers) use this port?"""
        return self.port in ports or (self.service_port is not None and self.service_port in ports)


@dataclass(frozen=True, slots=True)
class PairDecision:
    source: str
    target: str
    ports: tuple[PortDecision, ...]

    @property
    def allowed(self) -> bool:
        return any(p.allowed for p in self.ports)

    @property
    def allowed_ports(self) -> tuple[PortDecision, ...]:
        return tuple(p for p in self.ports if p.allowed)

    @property
    def mtls(self) -> bool:
        allowed = self.allowed_ports
        return bool(allowed) and all(p.transport == MTLS for p in allowed)

    @property
    def caller_authenticated(self) -> bool:
        allowed = self.allowed_ports
        return bool(allowed) and all(p.caller_authenticated for p in allowed)

    @property
    def authz(self) -> str:
        """The broadest authorization among the allowed ports (``denied`` when none is)."""
        order = ["least-privilege", "broad", "no-policy", "not-enforced", "allow-all"]
        kinds = [p.authz for p in self.allowed_ports]
        return max(kinds, key=lambda k: order.index(k) if k in order else len(order)) if kinds else "denied"

    @property
    def blocked_by(self) -> str:
        """The first layer that stops every port: network, transport or authz ('' when allowed)."""
        if self.allowed or not self.ports:
            return "" if self.ports else "no-port"
        first = self.ports[0]
        if first.network == "denied":
            return "network"
        if first.transport == REFUSED:
            return "transport"
        return "authz"


class Reachability:
    def __init__(self, manifests: ManifestSet):
        self.index = ClusterIndex.build(manifests)
        self.network = NetworkEvaluator(self.index)
        self.istio = IstioEvaluator(self.index)
        self.linkerd = LinkerdEvaluator(self.index)
        self._targets: dict[str, list[Target]] = {}
        self._cache: dict[tuple[str, str], PairDecision] = {}

    @property
    def workloads(self) -> dict[str, Workload]:
        return self.index.workloads

    def targets(self, workload: Workload) -> list[Target]:
        found = self._targets.get(workload.key)
        if found is None:
            found = self.index.targets(workload)
            self._targets[workload.key] = found
        return found

    def decide(self, source: str, target: str) -> PairDecision:
        key = (source, target)
        found = self._cache.get(key)
        if found is None:
            client, server = self.index.workloads[source], self.index.workloads[target]
            found = PairDecision(source, target, tuple(self._port(client, server, t) for t in self.targets(server)))
            self._cache[key] = found
        return found

    def _port(self, client: Workload, server: Workload, target: Target) -> PortDecision:
        net = self.network.decide(client, server, target.port)
        transport = self._transport(client, server, target)
        authenticated = transport.mode == MTLS
        if server.mesh_provider == "linkerd" and server.mesh is not MeshMode.NONE:
            authz = self.linkerd.authorize(client, server, target)
        else:
            principal = self.index.principal(client) if authenticated else None
            authz = self.istio.authorize(
                server, Request(principal=principal, port=target.port, protocol=target.protocol)
            )
        allowed = net.allowed and transport.mode != REFUSED and authz.allowed
        enforced = transport.enforced
        if transport.server_mode == "LINKERD":
            # Linkerd refuses plaintext only where the authorization asks for a mesh identity.
            enforced = authenticated and authz.kind in ("least-privilege", "broad")
        return PortDecision(
            port=target.port,
            service=target.service,
            protocol=target.protocol,
            service_port=target.service_port,
            network=net.verdict,
            transport=transport.mode,
            enforced=enforced,
            caller_authenticated=authenticated,
            authz=authz.kind,
            allowed=allowed,
            reasons=net.reasons + transport.reasons + authz.reasons,
        )

    def _transport(self, client: Workload, server: Workload, target: Target) -> Transport:
        if server.mesh_provider == "linkerd" or client.mesh_provider == "linkerd":
            both = client.mesh is not MeshMode.NONE and server.mesh is not MeshMode.NONE
            mode = MTLS if both else "plaintext"
            detail = "both proxies are meshed: Linkerd mTLS" if both else "one side is not meshed: plaintext"
            return Transport(mode, "LINKERD", False, (Reason("transport", mode, detail),))
        return self.istio.transport(client, server, target)

    def request(self, source: str, target: str, **request: object) -> tuple[int, PairDecision]:
        """The HTTP status a concrete request would get: 000 (reset), 401, 403 or 200; for the task oracle."""
        decision = self.decide(source, target)
        client, server = self.index.workloads[source], self.index.workloads[target]
        port = decision.ports[0] if decision.ports else None
        if port is None or port.network == "denied" or port.transport == REFUSED:
            return 0, decision
        principal = self.index.principal(client) if port.caller_authenticated else None
        result: AuthzDecision = self.istio.authorize(
            server,
            Request(principal=principal, port=port.port, protocol=port.protocol, **request),  # type: ignore[arg-type]
        )
        return result.status, decision

    def pairs(self, extra: Iterable[tuple[str, str]] = ()) -> list[PairDecision]:
        """The evaluated pairs, sorted: all when small, else same-namespace plus ``extra``."""
        keys = sorted(self.index.workloads)
        wanted: set[tuple[str, str]] = set()
        if len(keys) <= ALL_PAIRS_LIMIT:
            wanted.update((a, b) for a in keys for b in keys if a != b)
        else:
            for members in self.index.by_namespace.values():
                names = [w.key for w in members]
                wanted.update((a, b) for a in names for b in names if a != b)
        wanted.update((a, b) for a, b in extra if a in self.index.workloads and b in self.index.workloads)
        return [self.decide(a, b) for a, b in sorted(wanted)]

    def graph(self, extra: Iterable[tuple[str, str]] = ()) -> nx.DiGraph:
        """Workloads as nodes, allowed pairs as edges carrying the decision."""
        graph = nx.DiGraph()
        for key in sorted(self.index.workloads):
            workload = self.index.workloads[key]
            graph.add_node(
                key, namespace=workload.namespace, mesh=workload.mesh.value, identity=self.index.principal(workload)
            )
        for pair in self.pairs(extra):
            if pair.allowed:
                graph.add_edge(pair.source, pair.target, decision=pair, authz=pair.authz, mtls=pair.mtls)
        return graph

    @property
    def all_pairs(self) -> bool:
        return len(self.index.workloads) <= ALL_PAIRS_LIMIT
