"""Lookups over a ManifestSet, built once per evaluation: workloads by namespace, labels, service and account."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from threatmodel.interchange.mesh.model import LabelSelector, ManifestSet, Service, ServicePort, Workload

HTTP_PREFIXES = ("http", "http2", "grpc", "grpc-web")


@dataclass(frozen=True, slots=True)
class Reason:
    """One step of a decision: which layer said what, because of which object."""

    layer: str  # network | transport | authz | linkerd
    verdict: str
    detail: str
    policy: str = ""  # "<Kind> <namespace>/<name>", empty for a default
    source: str = ""  # file#document of the policy

    def as_dict(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in ("layer", "verdict", "detail", "policy", "source")}


@dataclass(frozen=True, slots=True)
class Target:
    """A destination port of a workload, reached through a Service port or directly."""

    port: int  # container port
    service: str = ""  # "<namespace>/<service>", empty for direct pod traffic
    service_port: int | None = None
    protocol: str = "unknown"  # http | tcp | unknown (Istio sniffs)
    port_name: str = ""


@dataclass
class ClusterIndex:
    manifests: ManifestSet
    workloads: dict[str, Workload] = field(default_factory=dict)
    by_namespace: dict[str, list[Workload]] = field(default_factory=lambda: defaultdict(list))
    namespace_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    services_of: dict[str, list[Service]] = field(default_factory=lambda: defaultdict(list))
    by_account: dict[tuple[str, str], list[Workload]] = field(default_factory=lambda: defaultdict(list))
    by_service: dict[str, list[Workload]] = field(default_factory=lambda: defaultdict(list))
    root_namespace: str = "istio-system"
    trust_domain: str = "cluster.local"

    @classmethod
    def build(cls, manifests: ManifestSet) -> ClusterIndex:
        index = cls(manifests)
        index.root_namespace = str(manifests.settings.get("istio_root_namespace") or "istio-system")
        index.trust_domain = str(manifests.settings.get("trust_domain") or "cluster.local")
        for workload in manifests.workloads:
            index.workloads[workload.key] = workload
            index.by_namespace[workload.namespace].append(workload)
            index.by_account[(workload.namespace, workload.service_account)].append(workload)
        names = {w.namespace for w in manifests.workloads} | {n.name for n in manifests.namespaces}
        for name in names:
            index.namespace_labels[name] = {"kubernetes.io/metadata.name": name}
        for namespace in manifests.namespaces:
            index.namespace_labels[namespace.name].update(dict(namespace.labels))
        for svc in manifests.services:
            if not svc.selector:
                continue
            for workload in index.by_namespace.get(svc.namespace, ()):
                labels = workload.label_map
                if all(labels.get(k) == v for k, v in svc.selector):
                    index.services_of[workload.key].append(svc)
                    index.by_service[svc.key].append(workload)
        return index

    def select(self, namespace: str, selector: LabelSelector | None) -> list[Workload]:
        """Workloads of a namespace matched by a selector (None or empty = all of them)."""
        pods = self.by_namespace.get(namespace, [])
        if selector is None or selector.is_empty:
            return list(pods)
        return [w for w in pods if selector.matches(w.label_map)]

    def targets(self, workload: Workload) -> list[Target]:
        """The ports a caller can reach: every Service port resolved to the container port, else the pod's ports."""
        result: dict[tuple[int, str], Target] = {}
        for svc in self.services_of.get(workload.key, ()):
            for port in svc.ports:
                number = self._container_port(workload, port)
                if number is None:
                    continue
                result[(number, svc.key)] = Target(number, svc.key, port.port, _protocol(port.name), port.name)
        if not result:
            for cport in workload.ports:
                result[(cport.number, "")] = Target(cport.number, "", None, _protocol(cport.name), cport.name)
        return [result[k] for k in sorted(result)]

    @staticmethod
    def _container_port(workload: Workload, port: ServicePort) -> int | None:
        if isinstance(port.target_port, int):
            return port.target_port
        named = workload.port_named(port.target_port)
        return named.number if named else None

    def principal(self, workload: Workload) -> str:
        """The Istio principal (SPIFFE id without the scheme) of a workload."""
        return f"{self.trust_domain}/ns/{workload.namespace}/sa/{workload.service_account}"

    def linkerd_identity(self, workload: Workload) -> str:
        return f"{workload.service_account}.{workload.namespace}.serviceaccount.identity.linkerd.{self.trust_domain}"


def _protocol(port_name: str) -> str:
    """Istio's protocol selection by port name: ``<protocol>[-<suffix>]``."""
    prefix = port_name.split("-")[0].lower()
    if prefix in HTTP_PREFIXES:
        return "http"
    if prefix in ("tcp", "tls", "https", "mongo", "redis", "mysql"):
        return "tcp"
    return "unknown"


def policy_name(kind: str, obj: object) -> str:
    return f"{kind} {getattr(obj, 'namespace', '')}/{getattr(obj, 'name', '')}"


def source_of(obj: object) -> str:
    source = getattr(obj, "source", None)
    return str(source) if source is not None else ""
