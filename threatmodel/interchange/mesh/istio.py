"""Istio security and traffic objects: PeerAuthentication, DestinationRule, AuthorizationPolicy,
RequestAuthentication, ServiceEntry, Sidecar (security.istio.io and networking.istio.io, v1/v1beta1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmodel.interchange.mesh.fields import Doc
from threatmodel.interchange.mesh.model import (
    AuthorizationPolicy,
    AuthzRule,
    DestinationRule,
    LabelSelector,
    Match,
    PeerAuthentication,
    RequestAuthentication,
    ServiceEntry,
    Sidecar,
    labels_of,
)

PA_MODES = ("UNSET", "DISABLE", "PERMISSIVE", "STRICT")
DR_MODES = ("DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL")
ACTIONS = ("ALLOW", "DENY", "CUSTOM", "AUDIT")
SOURCE_FIELDS = (
    "principals", "requestPrincipals", "namespaces", "serviceAccounts", "ipBlocks", "remoteIpBlocks", "trustDomains",
)  # fmt: skip
OPERATION_FIELDS = ("hosts", "ports", "methods", "paths")


def _workload_selector(doc: Doc, spec: Mapping[str, Any], key: str) -> LabelSelector | None:
    body = spec.get(key)
    if body is None:
        return None
    entry = doc.entry(body, f"spec.{key}")
    if key == "workloadSelector":  # Sidecar / DestinationRule: {labels: {...}}
        return LabelSelector(labels_of(entry.get("labels")))
    return doc.selector(entry, f"spec.{key}")


def _mode(doc: Doc, value: Any, allowed: tuple[str, ...], path: str, default: str) -> str:
    if value is None:
        return default
    mode = str(value).upper()
    if mode not in allowed:
        doc.fail(path, f"unknown mode {value!r} (expected one of {', '.join(allowed)})")
    return mode


def peer_authentication(doc: Doc) -> PeerAuthentication:
    spec = doc.spec
    mtls = doc.mapping(spec, "mtls", "spec.mtls")
    port_modes = []
    for port, raw in doc.mapping(spec, "portLevelMtls", "spec.portLevelMtls").items():
        number = doc.port(port, f"spec.portLevelMtls.{port}")
        if not isinstance(number, int):
            doc.fail(f"spec.portLevelMtls.{port}", "must be a port number")
        entry = doc.entry(raw, f"spec.portLevelMtls.{port}")
        port_modes.append(
            (int(number), _mode(doc, entry.get("mode"), PA_MODES, f"spec.portLevelMtls.{port}.mode", "UNSET"))
        )
    selector = _workload_selector(doc, spec, "selector")
    if port_modes and selector is None:
        doc.fail("spec.portLevelMtls", "needs a workload selector (Istio ignores it otherwise)")
    return PeerAuthentication(
        namespace=doc.namespace,
        name=doc.name,
        selector=selector,
        mode=_mode(doc, mtls.get("mode"), PA_MODES, "spec.mtls.mode", "UNSET"),
        port_modes=tuple(sorted(port_modes)),
        source=doc.source,
    )


def _tls_mode(doc: Doc, policy: Mapping[str, Any], path: str) -> str | None:
    tls = doc.entry(policy.get("tls"), f"{path}.tls")
    return _mode(doc, tls.get("mode"), DR_MODES, f"{path}.tls.mode", "") or None if tls else None


def destination_rule(doc: Doc) -> DestinationRule:
    spec = doc.spec
    host = spec.get("host")
    if not isinstance(host, str) or not host:
        doc.fail("spec.host", "is required")
    policy = doc.mapping(spec, "trafficPolicy", "spec.trafficPolicy")
    port_modes = []
    for index, raw in enumerate(doc.items(policy, "portLevelSettings", "spec.trafficPolicy.portLevelSettings")):
        path = f"spec.trafficPolicy.portLevelSettings[{index}]"
        entry = doc.entry(raw, path)
        number = doc.entry(entry.get("port"), f"{path}.port").get("number")
        mode = _tls_mode(doc, entry, path)
        if mode and number is not None:
            port_modes.append((int(doc.port(number, f"{path}.port.number")), mode))
    subset_modes = []
    for index, raw in enumerate(doc.items(spec, "subsets")):
        entry = doc.entry(raw, f"spec.subsets[{index}]")
        mode = _tls_mode(
            doc,
            doc.entry(entry.get("trafficPolicy"), f"spec.subsets[{index}].trafficPolicy"),
            f"spec.subsets[{index}].trafficPolicy",
        )
        if mode:
            subset_modes.append((str(entry.get("name") or ""), mode))
    return DestinationRule(
        namespace=doc.namespace,
        name=doc.name,
        host=str(host),
        mode=_tls_mode(doc, policy, "spec.trafficPolicy"),
        port_modes=tuple(sorted(port_modes)),
        subset_modes=tuple(sorted(subset_modes)),
        workload_selector=_workload_selector(doc, spec, "workloadSelector"),
        source=doc.source,
    )


def _matches(doc: Doc, body: Mapping[str, Any], names: tuple[str, ...], path: str) -> tuple[Match, ...]:
    known = set(names) | {"not" + n[0].upper() + n[1:] for n in names}
    for key in body:
        if key not in known:
            doc.fail(f"{path}.{key}", "unknown field")
    result = []
    for name in names:
        negative = "not" + name[0].upper() + name[1:]
        values, not_values = (
            doc.strings(body, name, f"{path}.{name}"),
            doc.strings(body, negative, f"{path}.{negative}"),
        )
        if name in body or negative in body:
            result.append(Match(name, values, not_values))
    return tuple(result)


def _rule(doc: Doc, raw: Any, path: str) -> AuthzRule:
    rule = doc.entry(raw, path)
    sources = []
    for index, item in enumerate(doc.items(rule, "from", f"{path}.from")):
        entry = doc.entry(doc.entry(item, f"{path}.from[{index}]").get("source"), f"{path}.from[{index}].source")
        sources.append(_matches(doc, entry, SOURCE_FIELDS, f"{path}.from[{index}].source"))
    operations = []
    for index, item in enumerate(doc.items(rule, "to", f"{path}.to")):
        entry = doc.entry(doc.entry(item, f"{path}.to[{index}]").get("operation"), f"{path}.to[{index}].operation")
        operations.append(_matches(doc, entry, OPERATION_FIELDS, f"{path}.to[{index}].operation"))
    conditions = []
    for index, item in enumerate(doc.items(rule, "when", f"{path}.when")):
        entry = doc.entry(item, f"{path}.when[{index}]")
        key = entry.get("key")
        if not isinstance(key, str) or not key:
            doc.fail(f"{path}.when[{index}].key", "is required")
        values = doc.strings(entry, "values", f"{path}.when[{index}].values")
        not_values = doc.strings(entry, "notValues", f"{path}.when[{index}].notValues")
        conditions.append(Match(str(key), values, not_values))
    return AuthzRule(tuple(sources), tuple(operations), tuple(conditions))


def authorization_policy(doc: Doc) -> AuthorizationPolicy:
    spec = doc.spec
    action = _mode(doc, spec.get("action"), ACTIONS, "spec.action", "ALLOW")
    provider = doc.mapping(spec, "provider", "spec.provider").get("name") or ""
    if action == "CUSTOM" and not provider:
        doc.fail("spec.provider.name", "a CUSTOM policy needs an extension provider")
    refs = []
    for key in ("targetRef", "targetRefs"):
        raw_refs = (
            [spec[key]] if key == "targetRef" and spec.get(key) else doc.items(spec, key) if key == "targetRefs" else []
        )
        for index, raw in enumerate(raw_refs):
            entry = doc.entry(raw, f"spec.{key}[{index}]")
            refs.append((str(entry.get("kind") or ""), str(entry.get("name") or "")))
    selector = _workload_selector(doc, spec, "selector")
    if refs and selector is not None:
        doc.fail("spec", "selector and targetRefs are mutually exclusive")
    return AuthorizationPolicy(
        namespace=doc.namespace,
        name=doc.name,
        selector=selector,
        action=action,
        rules=tuple(_rule(doc, raw, f"spec.rules[{i}]") for i, raw in enumerate(doc.items(spec, "rules"))),
        target_refs=tuple(refs),
        provider=str(provider),
        source=doc.source,
    )


def request_authentication(doc: Doc) -> RequestAuthentication:
    spec = doc.spec
    issuers = []
    for index, raw in enumerate(doc.items(spec, "jwtRules")):
        entry = doc.entry(raw, f"spec.jwtRules[{index}]")
        if not entry.get("issuer"):
            doc.fail(f"spec.jwtRules[{index}].issuer", "is required")
        issuers.append(str(entry["issuer"]))
    return RequestAuthentication(
        doc.namespace, doc.name, _workload_selector(doc, spec, "selector"), tuple(issuers), doc.source
    )


def service_entry(doc: Doc) -> ServiceEntry:
    spec = doc.spec
    hosts = doc.strings(spec, "hosts")
    if not hosts:
        doc.fail("spec.hosts", "needs at least one host")
    ports = []
    for index, raw in enumerate(doc.items(spec, "ports")):
        entry = doc.entry(raw, f"spec.ports[{index}]")
        number = doc.port(entry.get("number"), f"spec.ports[{index}].number")
        ports.append((int(number), str(entry.get("protocol") or ""), str(entry.get("name") or "")))
    return ServiceEntry(
        namespace=doc.namespace,
        name=doc.name,
        hosts=hosts,
        location=str(spec.get("location") or "MESH_EXTERNAL"),
        resolution=str(spec.get("resolution") or "NONE"),
        ports=tuple(ports),
        source=doc.source,
    )


def sidecar(doc: Doc) -> Sidecar:
    spec = doc.spec
    hosts: list[str] = []
    for index, raw in enumerate(doc.items(spec, "egress")):
        hosts.extend(doc.strings(doc.entry(raw, f"spec.egress[{index}]"), "hosts", f"spec.egress[{index}].hosts"))
    outbound = doc.mapping(spec, "outboundTrafficPolicy", "spec.outboundTrafficPolicy").get("mode") or "ALLOW_ANY"
    return Sidecar(
        doc.namespace,
        doc.name,
        _workload_selector(doc, spec, "workloadSelector"),
        tuple(hosts),
        str(outbound),
        doc.source,
    )
