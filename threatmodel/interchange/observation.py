"""Observed traffic, whatever recorded it (a Kiali graph, ``linkerd viz edges``): frozen dataclasses, no Django.

Nodes are keyed by what they are (cluster, namespace, kind, name, version), never by the recorder's ids,
so two pulls of the same mesh give the same keys. Absent security data is ``None`` (unknown), not false.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ObservedNode:
    cluster: str
    namespace: str
    kind: str  # workload | app | service | unknown (a caller without mesh identity)
    name: str
    version: str = ""
    workload: str = ""
    app: str = ""
    service: str = ""
    flags: tuple[str, ...] = ()  # isOutOfMesh, isServiceEntry, isWaypoint, isGateway, isOutside, isRoot, ...
    hosts: tuple[str, ...] = ()  # service entry hosts
    group: str = ""  # key of the enclosing box (Kiali app/namespace/cluster box), if any

    @property
    def key(self) -> str:
        base = f"{self.cluster}/{self.namespace}/{self.kind}/{self.name}"
        return f"{base}@{self.version}" if self.version and self.kind == "app" else base

    @property
    def identityless(self) -> bool:
        """A caller the server cannot identify: Kiali's ``unknown`` node or a pod outside the mesh."""
        return self.kind == "unknown" or "isOutOfMesh" in self.flags


@dataclass(frozen=True, slots=True)
class ObservedFlow:
    source: str  # ObservedNode.key
    target: str
    protocol: str  # http | grpc | tcp
    rate: float | None = None  # requests/s (http, grpc) or bytes/s (tcp)
    error_percent: float | None = None
    mtls_percent: float | None = None  # share of the traffic seen with mutual TLS; None = not recorded
    source_principal: str = ""
    target_principal: str = ""
    no_tls_reason: str = ""
    waypoint: str = ""  # ambient: to | from


@dataclass(frozen=True)
class Observation:
    recorder: str  # kiali | linkerd-viz
    graph_type: str  # workload | app | versionedApp | service (Kiali); workload (Linkerd)
    nodes: tuple[ObservedNode, ...]
    flows: tuple[ObservedFlow, ...]
    timestamp: int | None = None
    duration_s: int | None = None

    def node(self, key: str) -> ObservedNode | None:
        return self._nodes.get(key)

    @property
    def _nodes(self) -> dict[str, ObservedNode]:
        return {n.key: n for n in self.nodes}
