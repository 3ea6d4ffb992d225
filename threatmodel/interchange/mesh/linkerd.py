"""Linkerd policy objects (policy.linkerd.io): Server, ServerAuthorization (legacy), AuthorizationPolicy,
MeshTLSAuthentication, NetworkAuthentication, and HTTPRoute (policy.linkerd.io or gateway.networking.k8s.io)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmodel.interchange.mesh.fields import Doc
from threatmodel.interchange.mesh.model import (
    HTTPRoute,
    IpBlock,
    LinkerdAuthorizationPolicy,
    LinkerdServer,
    MeshTLSAuthentication,
    NetworkAuthentication,
    Ref,
    ServerAuthorization,
    labels_of,
)

ACCESS_POLICIES = (
    "all-unauthenticated", "all-authenticated", "cluster-authenticated", "cluster-unauthenticated", "deny", "audit",
)  # fmt: skip


def _ref(doc: Doc, raw: Any, path: str) -> Ref:
    entry = doc.entry(raw, path)
    if not entry.get("kind") or not entry.get("name"):
        doc.fail(path, "a reference needs kind and name")
    return Ref(str(entry["kind"]), str(entry["name"]), str(entry.get("namespace") or ""), str(entry.get("group") or ""))


def _networks(doc: Doc, body: Mapping[str, Any], path: str) -> tuple[IpBlock, ...]:
    return tuple(doc.ip_block(raw, f"{path}[{i}]") for i, raw in enumerate(doc.items(body, "networks", path)))


def server(doc: Doc) -> LinkerdServer:
    spec = doc.spec
    if spec.get("podSelector") is None:
        doc.fail("spec.podSelector", "is required (externalWorkloadSelector servers are not modelled)")
    if spec.get("port") is None:
        doc.fail("spec.port", "is required")
    access = str(spec.get("accessPolicy") or "deny")
    if access not in ACCESS_POLICIES:
        doc.fail("spec.accessPolicy", f"unknown access policy {access!r}")
    return LinkerdServer(
        namespace=doc.namespace,
        name=doc.name,
        pod_selector=doc.selector(spec.get("podSelector"), "spec.podSelector"),
        port=doc.port(spec.get("port"), "spec.port"),
        proxy_protocol=str(spec.get("proxyProtocol") or "unknown"),
        access_policy=access,
        labels=labels_of(doc.meta.get("labels")),
        source=doc.source,
    )


def server_authorization(doc: Doc) -> ServerAuthorization:
    spec = doc.spec
    target = doc.mapping(spec, "server", "spec.server")
    client = doc.mapping(spec, "client", "spec.client")
    mesh_tls = doc.entry(client.get("meshTLS"), "spec.client.meshTLS")
    accounts = []
    for index, raw in enumerate(doc.items(mesh_tls, "serviceAccounts", "spec.client.meshTLS.serviceAccounts")):
        entry = doc.entry(raw, f"spec.client.meshTLS.serviceAccounts[{index}]")
        accounts.append((str(entry.get("namespace") or doc.namespace), str(entry.get("name") or "")))
    if not target.get("name") and target.get("selector") is None:
        doc.fail("spec.server", "needs name or selector")
    return ServerAuthorization(
        namespace=doc.namespace,
        name=doc.name,
        server_name=str(target["name"]) if target.get("name") else None,
        server_selector=doc.optional_selector(target, "selector", "spec.server.selector"),
        unauthenticated=bool(client.get("unauthenticated")),
        networks=_networks(doc, client, "spec.client.networks"),
        identities=doc.strings(mesh_tls, "identities", "spec.client.meshTLS.identities"),
        service_accounts=tuple(accounts),
        unauthenticated_tls=bool(mesh_tls.get("unauthenticatedTLS")),
        source=doc.source,
    )


def authorization_policy(doc: Doc) -> LinkerdAuthorizationPolicy:
    spec = doc.spec
    if spec.get("targetRef") is None:
        doc.fail("spec.targetRef", "is required")
    refs = doc.items(spec, "requiredAuthenticationRefs")
    return LinkerdAuthorizationPolicy(
        namespace=doc.namespace,
        name=doc.name,
        target=_ref(doc, spec.get("targetRef"), "spec.targetRef"),
        required=tuple(_ref(doc, raw, f"spec.requiredAuthenticationRefs[{i}]") for i, raw in enumerate(refs)),
        source=doc.source,
    )


def mesh_tls_authentication(doc: Doc) -> MeshTLSAuthentication:
    spec = doc.spec
    refs = doc.items(spec, "identityRefs")
    result = MeshTLSAuthentication(
        namespace=doc.namespace,
        name=doc.name,
        identities=doc.strings(spec, "identities"),
        identity_refs=tuple(_ref(doc, raw, f"spec.identityRefs[{i}]") for i, raw in enumerate(refs)),
        source=doc.source,
    )
    if not result.identities and not result.identity_refs:
        doc.fail("spec", "needs identities or identityRefs")
    return result


def network_authentication(doc: Doc) -> NetworkAuthentication:
    return NetworkAuthentication(doc.namespace, doc.name, _networks(doc, doc.spec, "spec.networks"), doc.source)


def http_route(doc: Doc) -> HTTPRoute:
    spec = doc.spec
    parents = tuple(_ref(doc, raw, f"spec.parentRefs[{i}]") for i, raw in enumerate(doc.items(spec, "parentRefs")))
    paths = []
    for index, raw in enumerate(doc.items(spec, "rules")):
        rule = doc.entry(raw, f"spec.rules[{index}]")
        for mindex, match in enumerate(doc.items(rule, "matches", f"spec.rules[{index}].matches")):
            path = doc.entry(doc.entry(match, f"spec.rules[{index}].matches[{mindex}]").get("path"), "path")
            if path.get("value"):
                paths.append(str(path["value"]))
    return HTTPRoute(doc.namespace, doc.name, parents, tuple(sorted(set(paths))), doc.source)
