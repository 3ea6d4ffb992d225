"""Normalised cluster inventory and policy set read from Kubernetes, Istio and Linkerd manifests.

Frozen dataclasses only, no Django. Every object remembers where it came from (``SourceRef``: file, 1-based
document number and the line it starts at) so a finding can point into the manifest. Labels are kept as sorted
tuples of pairs so that every object is hashable and every output is deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from threatmodel.vocabulary import MeshMode

Labels = tuple[tuple[str, str], ...]


@lru_cache(maxsize=65536)
def _label_dict(labels: Labels) -> Mapping[str, str]:
    return dict(labels)


def labels_of(value: Mapping[str, Any] | None) -> Labels:
    return tuple(sorted((str(k), "" if v is None else str(v)) for k, v in (value or {}).items()))


@dataclass(frozen=True, slots=True)
class SourceRef:
    file: str
    document: int  # 1-based position of the YAML document in the file
    #: 1-based line where the object starts in the file (its document, or its item of a ``kind: List``); 0 when
    #: unknown. Not part of equality: file and document identify the object's origin.
    line: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"{self.file}#{self.document}"


@dataclass(frozen=True, slots=True)
class LabelExpression:
    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "In":
            return labels.get(self.key) in self.values
        if self.operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels  # DoesNotExist


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A Kubernetes label selector; the empty selector matches everything."""

    match_labels: Labels = ()
    expressions: tuple[LabelExpression, ...] = ()
    _required: frozenset[tuple[str, str]] = field(init=False, repr=False, compare=False, default=frozenset())

    def __post_init__(self) -> None:
        object.__setattr__(self, "_required", frozenset(self.match_labels))

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        # dict item views are set-like: one subset test instead of a lookup per label
        if not self._required <= labels.items():
            return False
        return all(e.matches(labels) for e in self.expressions) if self.expressions else True

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels] + [
            f"{e.key} {e.operator} ({','.join(e.values)})" for e in self.expressions
        ]
        return ",".join(parts) or "{}"


# -- inventory ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    labels: Labels = ()
    annotations: Labels = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class ContainerPort:
    number: int
    name: str = ""
    protocol: str = "TCP"


@dataclass(frozen=True, slots=True)
class Workload:
    """A Deployment, StatefulSet, DaemonSet, Job, CronJob or bare Pod (its pod template)."""

    namespace: str
    name: str
    kind: str
    labels: Labels = ()
    annotations: Labels = ()
    service_account: str = "default"
    ports: tuple[ContainerPort, ...] = ()
    images: tuple[str, ...] = ()
    mesh: MeshMode = MeshMode.NONE
    mesh_provider: str = ""  # istio | linkerd when meshed
    source: SourceRef | None = None
    key: str = field(init=False, repr=False, compare=False, default="")  # "<namespace>/<name>"

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.namespace}/{self.name}")

    @property
    def label_map(self) -> Mapping[str, str]:
        """The labels as a mapping (shared between equal label sets: do not mutate)."""
        return _label_dict(self.labels)

    def port_named(self, name: str) -> ContainerPort | None:
        return next((p for p in self.ports if p.name == name), None)


@dataclass(frozen=True, slots=True)
class ServicePort:
    port: int
    target_port: int | str
    name: str = ""
    protocol: str = "TCP"


@dataclass(frozen=True, slots=True)
class Service:
    namespace: str
    name: str
    type: str = "ClusterIP"
    selector: Labels | None = None  # None = no selector (endpoints managed elsewhere)
    ports: tuple[ServicePort, ...] = ()
    source: SourceRef | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    namespace: str
    name: str
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class Entrypoint:
    """An Ingress, Istio Gateway or Gateway API Gateway: where traffic enters the cluster."""

    namespace: str
    name: str
    kind: str
    hosts: tuple[str, ...] = ()
    selector: Labels = ()  # Istio Gateway: the gateway pods
    backends: tuple[str, ...] = ()  # Ingress: service names
    source: SourceRef | None = None


# -- Kubernetes NetworkPolicy ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IpBlock:
    cidr: str
    excepts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NetPeer:
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IpBlock | None = None


@dataclass(frozen=True, slots=True)
class NetPort:
    protocol: str = "TCP"
    port: int | str | None = None  # None = every port
    end_port: int | None = None


@dataclass(frozen=True, slots=True)
class NetRule:
    peers: tuple[NetPeer, ...] = ()  # empty = every peer
    ports: tuple[NetPort, ...] = ()  # empty = every port


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: tuple[str, ...]
    ingress: tuple[NetRule, ...] = ()
    egress: tuple[NetRule, ...] = ()
    source: SourceRef | None = None


# -- Istio ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeerAuthentication:
    namespace: str
    name: str
    selector: LabelSelector | None
    mode: str  # UNSET | DISABLE | PERMISSIVE | STRICT
    port_modes: tuple[tuple[int, str], ...] = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class DestinationRule:
    namespace: str
    name: str
    host: str
    mode: str | None  # DISABLE | SIMPLE | MUTUAL | ISTIO_MUTUAL; None = not set
    port_modes: tuple[tuple[int, str], ...] = ()
    subset_modes: tuple[tuple[str, str], ...] = ()
    workload_selector: LabelSelector | None = None
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """One field of an Istio source/operation: values and not-values (exact, prefix*, *suffix, *)."""

    field: str
    values: tuple[str, ...] = ()
    not_values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthzRule:
    sources: tuple[tuple[Match, ...], ...] = ()  # empty = any source
    operations: tuple[tuple[Match, ...], ...] = ()  # empty = any operation
    conditions: tuple[Match, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthorizationPolicy:
    namespace: str
    name: str
    selector: LabelSelector | None
    action: str  # ALLOW | DENY | CUSTOM | AUDIT
    rules: tuple[AuthzRule, ...] = ()
    target_refs: tuple[tuple[str, str], ...] = ()  # (kind, name)
    provider: str = ""
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class RequestAuthentication:
    namespace: str
    name: str
    selector: LabelSelector | None
    issuers: tuple[str, ...] = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    namespace: str
    name: str
    hosts: tuple[str, ...]
    location: str = "MESH_EXTERNAL"
    resolution: str = "NONE"
    ports: tuple[tuple[int, str, str], ...] = ()  # (number, protocol, name)
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class Sidecar:
    namespace: str
    name: str
    selector: LabelSelector | None
    egress_hosts: tuple[str, ...] = ()
    outbound_mode: str = "ALLOW_ANY"
    source: SourceRef | None = None


# -- Linkerd --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkerdServer:
    namespace: str
    name: str
    pod_selector: LabelSelector
    port: int | str
    proxy_protocol: str = "unknown"
    access_policy: str = "deny"
    labels: Labels = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class ServerAuthorization:
    """Legacy policy.linkerd.io/v1beta1 ServerAuthorization."""

    namespace: str
    name: str
    server_name: str | None
    server_selector: LabelSelector | None
    unauthenticated: bool = False
    networks: tuple[IpBlock, ...] = ()
    identities: tuple[str, ...] = ()
    service_accounts: tuple[tuple[str, str], ...] = ()  # (namespace, name)
    unauthenticated_tls: bool = False
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    kind: str
    name: str
    namespace: str = ""
    group: str = ""


@dataclass(frozen=True, slots=True)
class LinkerdAuthorizationPolicy:
    namespace: str
    name: str
    target: Ref
    required: tuple[Ref, ...] = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class MeshTLSAuthentication:
    namespace: str
    name: str
    identities: tuple[str, ...] = ()
    identity_refs: tuple[Ref, ...] = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class NetworkAuthentication:
    namespace: str
    name: str
    networks: tuple[IpBlock, ...] = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class HTTPRoute:
    namespace: str
    name: str
    parents: tuple[Ref, ...] = ()
    paths: tuple[str, ...] = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    source: SourceRef
    kind: str
    reason: str


@dataclass(frozen=True)
class ManifestSet:
    """Everything read from one set of manifests, each collection sorted by (namespace, name)."""

    namespaces: tuple[Namespace, ...] = ()
    workloads: tuple[Workload, ...] = ()
    services: tuple[Service, ...] = ()
    service_accounts: tuple[ServiceAccount, ...] = ()
    entrypoints: tuple[Entrypoint, ...] = ()
    network_policies: tuple[NetworkPolicy, ...] = ()
    peer_authentications: tuple[PeerAuthentication, ...] = ()
    destination_rules: tuple[DestinationRule, ...] = ()
    authorization_policies: tuple[AuthorizationPolicy, ...] = ()
    request_authentications: tuple[RequestAuthentication, ...] = ()
    service_entries: tuple[ServiceEntry, ...] = ()
    sidecars: tuple[Sidecar, ...] = ()
    linkerd_servers: tuple[LinkerdServer, ...] = ()
    server_authorizations: tuple[ServerAuthorization, ...] = ()
    linkerd_policies: tuple[LinkerdAuthorizationPolicy, ...] = ()
    mtls_authentications: tuple[MeshTLSAuthentication, ...] = ()
    network_authentications: tuple[NetworkAuthentication, ...] = ()
    http_routes: tuple[HTTPRoute, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    files: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    def namespace(self, name: str) -> Namespace | None:
        return next((n for n in self.namespaces if n.name == name), None)

    def source_lines(self) -> dict[str, int]:
        """``file#document`` (how findings and decisions name their origin) -> the first line of that document's
        objects in the file, for every object read (skipped kinds too)."""
        lines: dict[str, int] = {}
        collections = [getattr(self, f.name) for f in fields(self) if f.name not in ("files", "settings")]
        for collection in collections:
            for item in collection:
                source = getattr(item, "source", None)
                if source is not None and source.line:
                    key = str(source)
                    lines[key] = min(lines.get(key, source.line), source.line)
        return dict(sorted(lines.items()))
