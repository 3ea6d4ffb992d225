"""Kubernetes core objects: Namespace, workloads (pod templates), Service, ServiceAccount, Ingress,
Gateway, and NetworkPolicy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmodel.interchange.mesh.fields import Doc
from threatmodel.interchange.mesh.model import (
    ContainerPort,
    Entrypoint,
    Namespace,
    NetPeer,
    NetPort,
    NetRule,
    NetworkPolicy,
    Service,
    ServiceAccount,
    ServicePort,
    Workload,
    labels_of,
)
from threatmodel.vocabulary import MeshMode

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")


def namespace(doc: Doc) -> Namespace:
    return Namespace(doc.name, labels_of(doc.meta.get("labels")), labels_of(doc.meta.get("annotations")), doc.source)


def service_account(doc: Doc) -> ServiceAccount:
    return ServiceAccount(doc.namespace, doc.name, doc.source)


def _pod_template(doc: Doc) -> tuple[Mapping[str, Any], str]:
    if doc.kind == "Pod":
        return doc.body, ""
    spec = doc.spec
    if doc.kind == "CronJob":
        job = doc.mapping(spec, "jobTemplate", "spec.jobTemplate")
        spec = doc.mapping(job, "spec", "spec.jobTemplate.spec")
        return doc.mapping(spec, "template", "spec.jobTemplate.spec.template"), "spec.jobTemplate.spec.template"
    return doc.mapping(spec, "template", "spec.template"), "spec.template"


def workload(doc: Doc) -> Workload:
    template, path = _pod_template(doc)
    meta = doc.entry(template.get("metadata"), f"{path}.metadata".lstrip("."))
    pod_spec = doc.entry(template.get("spec"), f"{path}.spec".lstrip("."))
    labels = meta.get("labels") if doc.kind != "Pod" else doc.meta.get("labels")
    annotations = meta.get("annotations") if doc.kind != "Pod" else doc.meta.get("annotations")
    ports: list[ContainerPort] = []
    images: list[str] = []
    for kind in ("containers", "initContainers"):
        for index, raw in enumerate(doc.items(pod_spec, kind, f"{path}.spec.{kind}")):
            container = doc.entry(raw, f"{path}.spec.{kind}[{index}]")
            images.append(str(container.get("image") or ""))
            for pindex, raw_port in enumerate(doc.items(container, "ports", f"{path}.spec.{kind}[{index}].ports")):
                port = doc.entry(raw_port, f"{path}.spec.{kind}[{index}].ports[{pindex}]")
                number = doc.port(
                    port.get("containerPort"), f"{path}.spec.{kind}[{index}].ports[{pindex}].containerPort"
                )
                if not isinstance(number, int):
                    doc.fail(f"{path}.spec.{kind}[{index}].ports[{pindex}].containerPort", "must be a number")
                ports.append(
                    ContainerPort(int(number), str(port.get("name") or ""), str(port.get("protocol") or "TCP"))
                )
    account = pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount") or "default"
    return Workload(
        namespace=doc.namespace,
        name=doc.name,
        kind=doc.kind,
        labels=labels_of(labels if isinstance(labels, Mapping) else None),
        annotations=labels_of(annotations if isinstance(annotations, Mapping) else None),
        service_account=str(account),
        ports=tuple(sorted(set(ports), key=lambda p: (p.number, p.name))),
        images=tuple(images),
        mesh=MeshMode.NONE,  # decided once every Namespace is known (kubernetes.py)
        source=doc.source,
    )


def service(doc: Doc) -> Service:
    spec = doc.spec
    selector = spec.get("selector")
    if selector is not None and not isinstance(selector, Mapping):
        doc.fail("spec.selector", "must be a mapping")
    ports = []
    for index, raw in enumerate(doc.items(spec, "ports")):
        entry = doc.entry(raw, f"spec.ports[{index}]")
        number = doc.port(entry.get("port"), f"spec.ports[{index}].port")
        if not isinstance(number, int):
            doc.fail(f"spec.ports[{index}].port", "must be a number")
        target = entry.get("targetPort")
        target_port = number if target is None else doc.port(target, f"spec.ports[{index}].targetPort")
        ports.append(
            ServicePort(int(number), target_port, str(entry.get("name") or ""), str(entry.get("protocol") or "TCP"))
        )
    return Service(
        namespace=doc.namespace,
        name=doc.name,
        type=str(spec.get("type") or "ClusterIP"),
        selector=labels_of(selector) if selector else None,
        ports=tuple(ports),
        source=doc.source,
    )


def ingress(doc: Doc) -> Entrypoint:
    spec = doc.spec
    hosts: list[str] = []
    backends: list[str] = []
    default = doc.mapping(spec, "defaultBackend")
    if default:
        backends.append(str(doc.mapping(default, "service", "spec.defaultBackend.service").get("name") or ""))
    for index, raw in enumerate(doc.items(spec, "rules")):
        rule = doc.entry(raw, f"spec.rules[{index}]")
        if rule.get("host"):
            hosts.append(str(rule["host"]))
        http = doc.entry(rule.get("http"), f"spec.rules[{index}].http")
        for pindex, raw_path in enumerate(doc.items(http, "paths", f"spec.rules[{index}].http.paths")):
            path = doc.entry(raw_path, f"spec.rules[{index}].http.paths[{pindex}]")
            backend = doc.entry(path.get("backend"), f"spec.rules[{index}].http.paths[{pindex}].backend")
            svc = doc.entry(backend.get("service"), f"spec.rules[{index}].http.paths[{pindex}].backend.service")
            name = svc.get("name") or backend.get("serviceName")
            if name:
                backends.append(str(name))
    return Entrypoint(doc.namespace, doc.name, "Ingress", tuple(hosts), (), tuple(sorted(set(backends))), doc.source)


def gateway(doc: Doc) -> Entrypoint:
    spec = doc.spec
    hosts: list[str] = []
    if "networking.istio.io" in str(doc.body.get("apiVersion")):
        for index, raw in enumerate(doc.items(spec, "servers")):
            hosts.extend(doc.strings(doc.entry(raw, f"spec.servers[{index}]"), "hosts", f"spec.servers[{index}].hosts"))
        selector = spec.get("selector")
        return Entrypoint(doc.namespace, doc.name, "Gateway", tuple(hosts), labels_of(selector), (), doc.source)
    for index, raw in enumerate(doc.items(spec, "listeners")):
        listener = doc.entry(raw, f"spec.listeners[{index}]")
        if listener.get("hostname"):
            hosts.append(str(listener["hostname"]))
    # Gateway API: the gateway's pods carry gateway.networking.k8s.io/gateway-name=<name>.
    selector = (("gateway.networking.k8s.io/gateway-name", doc.name),)
    return Entrypoint(doc.namespace, doc.name, "Gateway", tuple(hosts), selector, (), doc.source)


# -- NetworkPolicy --------------------------------------------------------------------------------


def _peers(doc: Doc, rule: Mapping[str, Any], key: str, path: str) -> tuple[NetPeer, ...]:
    peers = []
    for index, raw in enumerate(doc.items(rule, key, f"{path}.{key}")):
        entry = doc.entry(raw, f"{path}.{key}[{index}]")
        where = f"{path}.{key}[{index}]"
        peer = NetPeer(
            pod_selector=doc.optional_selector(entry, "podSelector", f"{where}.podSelector"),
            namespace_selector=doc.optional_selector(entry, "namespaceSelector", f"{where}.namespaceSelector"),
            ip_block=doc.ip_block(entry["ipBlock"], f"{where}.ipBlock") if entry.get("ipBlock") is not None else None,
        )
        if peer.ip_block is not None and (peer.pod_selector or peer.namespace_selector):
            doc.fail(where, "ipBlock cannot be combined with podSelector or namespaceSelector")
        if peer == NetPeer():
            doc.fail(where, "a peer needs podSelector, namespaceSelector or ipBlock")
        peers.append(peer)
    return tuple(peers)


def _ports(doc: Doc, rule: Mapping[str, Any], path: str) -> tuple[NetPort, ...]:
    ports = []
    for index, raw in enumerate(doc.items(rule, "ports", f"{path}.ports")):
        entry = doc.entry(raw, f"{path}.ports[{index}]")
        port = entry.get("port")
        end = entry.get("endPort")
        ports.append(
            NetPort(
                protocol=str(entry.get("protocol") or "TCP"),
                port=None if port is None else doc.port(port, f"{path}.ports[{index}].port"),
                end_port=None if end is None else int(doc.port(end, f"{path}.ports[{index}].endPort")),
            )
        )
    return tuple(ports)


def network_policy(doc: Doc) -> NetworkPolicy:
    spec = doc.spec
    rules: dict[str, tuple[NetRule, ...]] = {}
    for key, peer_key in (("ingress", "from"), ("egress", "to")):
        parsed = []
        for index, raw in enumerate(doc.items(spec, key)):
            rule = doc.entry(raw, f"spec.{key}[{index}]")
            path = f"spec.{key}[{index}]"
            parsed.append(NetRule(_peers(doc, rule, peer_key, path), _ports(doc, rule, path)))
        rules[key] = tuple(parsed)
    types = doc.strings(spec, "policyTypes")
    if not types:
        # The API server's default: Ingress always, Egress when the policy has egress rules.
        types = ("Ingress", "Egress") if spec.get("egress") else ("Ingress",)
    for index, value in enumerate(types):
        if value not in ("Ingress", "Egress"):
            doc.fail(f"spec.policyTypes[{index}]", f"unknown policy type {value!r}")
    return NetworkPolicy(
        namespace=doc.namespace,
        name=doc.name,
        pod_selector=doc.selector(spec.get("podSelector"), "spec.podSelector"),
        policy_types=tuple(sorted(set(types))),
        ingress=rules["ingress"],
        egress=rules["egress"],
        source=doc.source,
    )
