"""Kubernetes, Istio and Linkerd manifests -> a normalised ``ManifestSet`` and a threat-model ``Snapshot``.

Pure Python (no Django). Input is one or more multi-document YAML (or JSON) files, or a directory of
them. Loading is safe (a SafeLoader without aliases, so no YAML bombs), bounded (file size, document
count, nesting depth) and all-or-nothing: bad input raises ``ModelValidationError`` naming the file, the
document number and the field. Kinds that mean nothing for security (ConfigMap, HorizontalPodAutoscaler...)
are listed in ``ManifestSet.skipped`` and otherwise ignored.

Which workloads are in the mesh is read from the manifests (namespace label ``istio-injection``,
``istio.io/rev`` or ``istio.io/dataplane-mode: ambient``; pod or namespace annotation ``linkerd.io/inject``;
pod ``sidecar.istio.io/inject``) and can be given for namespaces the manifests do not describe
(``ImportOptions.meshed_namespaces``), because injection is often set with ``kubectl label`` outside Git.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from threatmodel.domain import Component, Identity, ModelInfo, Snapshot, TrustBoundary
from threatmodel.gcpause import gc_paused
from threatmodel.interchange.base import SourceLocation
from threatmodel.interchange.mesh import core, istio, linkerd
from threatmodel.interchange.mesh.fields import Doc
from threatmodel.interchange.mesh.model import ManifestSet, Namespace, Skipped, SourceRef, Workload
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.vocabulary import BoundaryKind, ComponentKind, IdentityKind, MeshMode, TrustLevel

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_DOCUMENTS = 50_000
MAX_DEPTH = 40
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class ManifestFile:
    name: str  # as shown in errors and findings (a path relative to the upload or directory)
    content: bytes
    namespace: str | None = None  # like `kubectl apply -n`: the namespace of documents that name none


@dataclass(frozen=True, slots=True)
class ImportOptions:
    default_namespace: str = "default"
    meshed_namespaces: frozenset[str] = frozenset()  # namespaces injected outside the manifests
    ambient_namespaces: frozenset[str] = frozenset()
    istio_root_namespace: str = "istio-system"
    trust_domain: str = "cluster.local"
    linkerd_default_policy: str = "all-unauthenticated"  # proxy.defaultInboundPolicy of the cluster
    cluster_name: str = "cluster"
    mesh_provider: str = "istio"  # the mesh of ``meshed_namespaces`` (istio | linkerd)


_Parser = Callable[[Doc], Any]
#: kind -> (collection of ManifestSet, parser). Kinds shared by Istio and Linkerd are told apart by group.
_PARSERS: dict[str, tuple[str, _Parser]] = {
    "Namespace": ("namespaces", core.namespace),
    "ServiceAccount": ("service_accounts", core.service_account),
    "Service": ("services", core.service),
    "Ingress": ("entrypoints", core.ingress),
    "Gateway": ("entrypoints", core.gateway),
    "NetworkPolicy": ("network_policies", core.network_policy),
    "PeerAuthentication": ("peer_authentications", istio.peer_authentication),
    "DestinationRule": ("destination_rules", istio.destination_rule),
    "RequestAuthentication": ("request_authentications", istio.request_authentication),
    "ServiceEntry": ("service_entries", istio.service_entry),
    "Sidecar": ("sidecars", istio.sidecar),
    "Server": ("linkerd_servers", linkerd.server),
    "ServerAuthorization": ("server_authorizations", linkerd.server_authorization),
    "MeshTLSAuthentication": ("mtls_authentications", linkerd.mesh_tls_authentication),
    "NetworkAuthentication": ("network_authentications", linkerd.network_authentication),
    "HTTPRoute": ("http_routes", linkerd.http_route),
}
_PARSERS.update(dict.fromkeys(core.WORKLOAD_KINDS, ("workloads", core.workload)))
#: Kinds read but irrelevant to topology and policy: skipped without a warning reason.
_QUIET_KINDS = {
    "ConfigMap", "Secret", "HorizontalPodAutoscaler", "PodDisruptionBudget", "VirtualService", "Kustomization",
    "Component", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "PersistentVolumeClaim",
    "StorageClass", "PersistentVolume", "CustomResourceDefinition", "Telemetry", "EnvoyFilter", "WasmPlugin",
}  # fmt: skip


def _compose_without_aliases(loader: Any, parent: Any, index: Any) -> Any:
    """Refuse aliases (defeats "billion laughs" expansion), then compose as PyYAML does."""
    if loader.check_event(yaml.events.AliasEvent):
        event = loader.peek_event()
        raise yaml.MarkedYAMLError(problem="YAML aliases (*name) are not allowed", problem_mark=event.start_mark)
    return yaml.composer.Composer.compose_node(loader, parent, index)  # type: ignore[no-untyped-call]


class _NoAliasSafeLoader(yaml.SafeLoader):
    """Safe YAML without aliases."""

    compose_node = _compose_without_aliases


_Loader: type = _NoAliasSafeLoader
if getattr(yaml, "__with_libyaml__", False):
    from yaml import _yaml  # type: ignore[attr-defined]

    class _FastNoAliasLoader(  # type: ignore[misc]
        yaml.composer.Composer, _yaml.CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
    ):
        """libyaml's parser with PyYAML's composer on top, so the alias check above still runs (4x faster)."""

        def __init__(self, stream: str) -> None:
            _yaml.CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)  # type: ignore[no-untyped-call]

        compose_node = _compose_without_aliases

    _Loader = _FastNoAliasLoader


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed data, stopping as soon as it passes ``limit``."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, Mapping) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, Mapping | list))
    return deepest


@dataclass(frozen=True, slots=True)
class Document:
    """One non-empty document of a manifest file: its 1-based number, its data, the line it starts at and, for a
    ``kind: List``, the line of each item (PyYAML's composed nodes carry these marks)."""

    number: int
    data: Any
    line: int = 1
    item_lines: tuple[int, ...] = ()


def parse_documents(manifest: ManifestFile) -> list[Document]:
    """One file -> its non-empty YAML documents, numbered from 1 as in the file."""
    if len(manifest.content) > MAX_FILE_BYTES:
        raise ModelValidationError(
            [Issue(manifest.name, f"file is {len(manifest.content):,} bytes; the limit is {MAX_FILE_BYTES:,}")]
        )
    try:
        text = manifest.content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelValidationError([Issue(manifest.name, f"file is not UTF-8 text (byte {exc.start})")]) from None
    if manifest.name.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelValidationError([Issue(f"{manifest.name}: line {exc.lineno}", f"invalid JSON: {exc.msg}")])
        raw_documents: Iterable[tuple[Any, int, tuple[int, ...]]] = [(data, 1, ())]
    else:
        raw_documents = _yaml_documents(manifest.name, text)
    documents = []
    for number, (data, line, item_lines) in enumerate(raw_documents, start=1):
        if data is None:
            continue
        if _depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise ModelValidationError([Issue(f"{manifest.name}#{number}", f"nested deeper than {MAX_DEPTH} levels")])
        documents.append(Document(number, data, line, item_lines))
        if len(documents) > MAX_DOCUMENTS:
            raise ModelValidationError([Issue(manifest.name, f"more than {MAX_DOCUMENTS:,} documents")])
    return documents


def _item_lines(node: Any) -> tuple[int, ...]:
    """The start line of each item of a ``kind: List`` document's ``items`` (else nothing)."""
    if not isinstance(node, yaml.MappingNode):
        return ()
    pairs = {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}
    kind, items = pairs.get("kind"), pairs.get("items")
    if isinstance(kind, yaml.ScalarNode) and kind.value == "List" and isinstance(items, yaml.SequenceNode):
        return tuple(item.start_mark.line + 1 for item in items.value)
    return ()


def _yaml_documents(name: str, text: str) -> list[tuple[Any, int, tuple[int, ...]]]:
    """Each document's data, start line and List item lines: ``yaml.load_all`` step by step, keeping the
    composed node's marks."""
    documents: list[tuple[Any, int, tuple[int, ...]]] = []
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            documents.append((loader.construct_document(node), node.start_mark.line + 1, _item_lines(node)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{name}#{len(documents) + 1}" + (f", line {mark.line + 1}, column {mark.column + 1}" if mark else "")
        raise ModelValidationError([Issue(where, f"invalid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ModelValidationError([Issue(f"{name}#{len(documents) + 1}", f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise ModelValidationError([Issue(f"{name}#{len(documents) + 1}", "document is nested too deeply")]) from None
    finally:
        loader.dispose()
    return documents


def files_from_directory(root: Path) -> list[ManifestFile]:
    """Every ``*.yaml``/``*.yml``/``*.json`` under ``root``, in path order, named relative to it."""
    if root.is_file():
        return [ManifestFile(root.name, root.read_bytes())]
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES)
    total = sum(p.stat().st_size for p in paths)
    if total > MAX_TOTAL_BYTES:
        raise ModelValidationError(
            [Issue(str(root), f"manifests total {total:,} bytes; the limit is {MAX_TOTAL_BYTES:,}")]
        )
    return [ManifestFile(p.relative_to(root).as_posix(), p.read_bytes()) for p in paths]


def _expand(document: Document, source: SourceRef) -> Iterable[tuple[Any, SourceRef]]:
    """A `kind: List` document (kubectl get -o yaml) stands for its items, each at its own line."""
    data = document.data
    if isinstance(data, Mapping) and data.get("kind") == "List" and isinstance(data.get("items"), list):
        lines = document.item_lines if len(document.item_lines) == len(data["items"]) else ()
        return [(item, replace(source, line=lines[i]) if lines else source) for i, item in enumerate(data["items"])]
    return [(data, source)]


def read_manifests(files: Sequence[ManifestFile], options: ImportOptions | None = None) -> ManifestSet:
    """Manifest files -> one ManifestSet (raises ModelValidationError on the first bad document). The cyclic
    collector is paused meanwhile: parsed documents are many small acyclic objects."""
    with gc_paused():
        return _read_manifests(files, options or ImportOptions())


def _read_manifests(files: Sequence[ManifestFile], options: ImportOptions) -> ManifestSet:
    if sum(len(f.content) for f in files) > MAX_TOTAL_BYTES:
        raise ModelValidationError([Issue("", f"manifests total more than {MAX_TOTAL_BYTES:,} bytes")])
    collected: dict[str, list[Any]] = defaultdict(list)
    skipped: list[Skipped] = []
    for manifest in files:
        for document in parse_documents(manifest):
            source = SourceRef(manifest.name, document.number, document.line)
            for item, item_source in _expand(document, source):
                _read_one(item, item_source, manifest.namespace or options.default_namespace, collected, skipped)
    _check_duplicates(collected)
    sets = {name: tuple(sorted(items, key=_sort_key)) for name, items in collected.items()}
    result = ManifestSet(
        **sets,
        skipped=tuple(skipped),
        files=tuple(f.name for f in files),
        settings={
            "istio_root_namespace": options.istio_root_namespace,
            "trust_domain": options.trust_domain,
            "linkerd_default_policy": options.linkerd_default_policy,
            "cluster_name": options.cluster_name,
            "mesh_provider": options.mesh_provider,
        },
    )
    return replace(result, workloads=tuple(_with_mesh(w, result, options) for w in result.workloads))


def _read_one(
    data: Any, source: SourceRef, namespace: str, collected: dict[str, list[Any]], skipped: list[Skipped]
) -> None:
    if not isinstance(data, Mapping):
        raise ModelValidationError([Issue(str(source), "a manifest document must be a mapping")])
    kind = data.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ModelValidationError([Issue(str(source), "document has no kind")])
    doc = Doc(data, source, namespace)
    if kind not in _PARSERS and kind != "AuthorizationPolicy":
        reason = "not relevant to topology or policy" if kind in _QUIET_KINDS else "unknown kind"
        skipped.append(Skipped(source, kind, reason))
        return
    if not doc.name:
        doc.fail("metadata.name", "is required")
    if kind == "AuthorizationPolicy":
        collection, parsed = _read_authorization_policy(doc)
        collected[collection].append(parsed)
        return
    collection, parser = _PARSERS[kind]
    collected[collection].append(parser(doc))


def _read_authorization_policy(doc: Doc) -> tuple[str, Any]:
    if str(doc.body.get("apiVersion") or "").startswith("policy.linkerd.io"):
        return "linkerd_policies", linkerd.authorization_policy(doc)
    return "authorization_policies", istio.authorization_policy(doc)


def _sort_key(item: Any) -> tuple[str, str, str]:
    return (getattr(item, "namespace", ""), item.name, getattr(item, "kind", ""))


def _check_duplicates(collected: dict[str, list[Any]]) -> None:
    """The same object twice is an error, unless both copies say the same (then the first is kept)."""
    for collection, items in collected.items():
        seen: dict[tuple[str, str, str], Any] = {}
        kept = []
        for item in items:
            key = _sort_key(item) if collection != "workloads" else (item.namespace, item.name, "")
            first = seen.get(key)
            if first is None:
                seen[key] = item
                kept.append(item)
            elif collection == "namespaces":
                # A Namespace applied twice (e.g. once more to annotate it): labels and annotations merge.
                merged = replace(
                    first,
                    labels=tuple(sorted({**dict(first.labels), **dict(item.labels)}.items())),
                    annotations=tuple(sorted({**dict(first.annotations), **dict(item.annotations)}.items())),
                )
                seen[key] = merged
                kept[kept.index(first)] = merged
            elif replace(first, source=None) != replace(item, source=None):
                what = collection[:-1].replace("_", " ")
                where = f"{key[0]}/{key[1]}" if collection != "namespaces" else key[1]
                raise ModelValidationError(
                    [Issue(str(item.source), f"{what} {where} is also defined, differently, in {first.source}")]
                )
        collected[collection] = kept


def _with_mesh(workload: Workload, manifests: ManifestSet, options: ImportOptions) -> Workload:
    namespace = manifests.namespace(workload.namespace)
    mode = mesh_mode(workload, namespace, options)
    if mode is MeshMode.NONE:
        return replace(workload, mesh=mode)
    annotations = {**(dict(namespace.annotations) if namespace else {}), **dict(workload.annotations)}
    if "linkerd.io/inject" in annotations:
        provider = "linkerd"
    elif any(k.startswith(("sidecar.istio.io", "istio")) for k in annotations) or mode is MeshMode.AMBIENT:
        provider = "istio"
    else:
        labels = dict(namespace.labels) if namespace else {}
        provider = "istio" if any(k.startswith("istio") for k in labels) else options.mesh_provider
    return replace(workload, mesh=mode, mesh_provider=provider)


def mesh_mode(workload: Workload, namespace: Namespace | None, options: ImportOptions) -> MeshMode:
    """Sidecar, ambient or none, from pod and namespace labels/annotations, most specific first."""
    pod = {**workload.label_map, **dict(workload.annotations)}
    ns_labels = dict(namespace.labels) if namespace else {}
    ns_annotations = dict(namespace.annotations) if namespace else {}
    linkerd_pod = pod.get("linkerd.io/inject")
    if linkerd_pod in ("enabled", "ingress"):
        return MeshMode.SIDECAR
    istio_pod = pod.get("sidecar.istio.io/inject")
    if istio_pod == "false" or linkerd_pod == "disabled":
        return MeshMode.NONE
    if istio_pod == "true":
        return MeshMode.SIDECAR
    if ns_labels.get("istio.io/dataplane-mode") == "ambient" or workload.namespace in options.ambient_namespaces:
        return MeshMode.AMBIENT
    if ns_labels.get("istio-injection") == "enabled" or ns_labels.get("istio.io/rev"):
        return MeshMode.SIDECAR
    if ns_annotations.get("linkerd.io/inject") in ("enabled", "ingress"):
        return MeshMode.SIDECAR
    if ns_labels.get("istio-injection") == "disabled":
        return MeshMode.NONE
    return MeshMode.SIDECAR if workload.namespace in options.meshed_namespaces else MeshMode.NONE


# -- ManifestSet -> Snapshot ----------------------------------------------------------------------

_DATASTORE_IMAGES = ("mongo", "mysql", "postgres", "mariadb", "cassandra", "cockroach", "couchdb", "elasticsearch")
_CACHE_IMAGES = ("redis", "memcached", "valkey")
_QUEUE_IMAGES = ("rabbitmq", "kafka", "nats", "activemq", "pulsar")


def workload_component_id(namespace: str, name: str) -> str:
    return f"wl:{namespace}:{name}"


def identity_id(namespace: str, service_account: str) -> str:
    return f"sa:{namespace}:{service_account}"


def _component_kind(workload: Workload, gateway_selectors: Sequence[Mapping[str, str]]) -> ComponentKind:
    labels = workload.label_map
    if any(sel and all(labels.get(k) == v for k, v in sel.items()) for sel in gateway_selectors):
        return ComponentKind.API_GATEWAY
    images = " ".join(workload.images).lower()
    for names, kind in (
        (_CACHE_IMAGES, ComponentKind.CACHE),
        (_QUEUE_IMAGES, ComponentKind.QUEUE),
        (_DATASTORE_IMAGES, ComponentKind.DATASTORE),
    ):
        if any(n in images for n in names):
            return kind
    if workload.kind in ("Job", "CronJob"):
        return ComponentKind.BATCH_JOB
    return ComponentKind.SERVICE


@dataclass
class _SnapshotParts:
    boundaries: dict[str, TrustBoundary] = field(default_factory=dict)
    identities: dict[str, Identity] = field(default_factory=dict)
    components: list[Component] = field(default_factory=list)


def to_snapshot(manifests: ManifestSet, name: str = "Imported cluster") -> Snapshot:
    """Workloads become components, ServiceAccounts identities, namespaces boundaries inside the cluster."""
    settings = manifests.settings
    cluster = str(settings.get("cluster_name") or "cluster")
    trust_domain = str(settings.get("trust_domain") or "cluster.local")
    parts = _SnapshotParts()
    cluster_id = f"cluster:{cluster}"
    parts.boundaries[cluster_id] = TrustBoundary(
        cluster_id, cluster, kind=BoundaryKind.CLUSTER, trust_level=TrustLevel.MEDIUM
    )
    namespaces = sorted({w.namespace for w in manifests.workloads} | {n.name for n in manifests.namespaces})
    for ns in namespaces:
        parts.boundaries[f"ns:{ns}"] = TrustBoundary(f"ns:{ns}", ns, kind=BoundaryKind.NAMESPACE, parent=cluster_id)
    for account in manifests.service_accounts:
        _add_identity(parts, account.namespace, account.name, trust_domain, str(account.source))
    exposed = _exposed_workloads(manifests)
    gateway_selectors = [dict(e.selector) for e in manifests.entrypoints if e.selector]
    for workload in manifests.workloads:
        ident = _add_identity(parts, workload.namespace, workload.service_account, trust_domain, "")
        parts.components.append(
            Component(
                id=workload_component_id(workload.namespace, workload.name),
                name=workload.name,
                kind=_component_kind(workload, gateway_selectors),
                technology=", ".join(sorted(set(workload.images))),
                boundary=f"ns:{workload.namespace}",
                internet_facing=workload.key in exposed,
                mesh=workload.mesh,
                identity=ident,
                attributes={
                    "kubernetes": {
                        "namespace": workload.namespace,
                        "kind": workload.kind,
                        "name": workload.name,
                        "labels": dict(workload.labels),
                        "service_account": workload.service_account,
                        "ports": [p.number for p in workload.ports],
                    },
                    "source": str(workload.source),
                },
                foreign_id=f"k8s:{workload.namespace}/{workload.kind}/{workload.name}",
            )
        )
    _add_external_services(parts, manifests)
    return Snapshot.build(
        ModelInfo(name=name, attributes={"imported_from": "kubernetes", "files": list(manifests.files)}),
        boundaries=parts.boundaries.values(),
        identities=parts.identities.values(),
        components=parts.components,
    )


def element_locations(manifests: ManifestSet, snapshot: Snapshot) -> dict[str, SourceLocation]:
    """Element id -> the manifest file (as named in ``manifests``) and the line of the document it comes from:
    components (their workload's Deployment, StatefulSet...), identities (their ServiceAccount, when one is in
    the manifests) and namespace boundaries (their Namespace), for SARIF and other reports."""
    lines = manifests.source_lines()
    found: dict[str, SourceLocation] = {}

    def put(element_id: str, source: str) -> None:
        if source in lines:
            found[element_id] = SourceLocation(source.rsplit("#", 1)[0], lines[source])

    for component in snapshot.components:
        put(component.id, str(component.attributes.get("source") or ""))
    for identity in snapshot.identities:
        put(identity.id, str(identity.attributes.get("source") or ""))
    for namespace in manifests.namespaces:
        put(f"ns:{namespace.name}", str(namespace.source))
    return dict(sorted(found.items()))


def _add_identity(parts: _SnapshotParts, namespace: str, account: str, trust_domain: str, source: str) -> str:
    ident = identity_id(namespace, account)
    if ident not in parts.identities:
        parts.identities[ident] = Identity(
            id=ident,
            name=f"{namespace}/{account}",
            kind=IdentityKind.SERVICE_ACCOUNT,
            attributes={"spiffe": f"spiffe://{trust_domain}/ns/{namespace}/sa/{account}", "source": source},
            foreign_id=f"k8s:{namespace}/ServiceAccount/{account}",
        )
    return ident


def _exposed_workloads(manifests: ManifestSet) -> set[str]:
    """Workloads behind a LoadBalancer/NodePort Service or an Ingress backend, and gateway pods."""
    exposed_services = {s.key for s in manifests.services if s.type in ("LoadBalancer", "NodePort")}
    for entry in manifests.entrypoints:
        exposed_services.update(f"{entry.namespace}/{b}" for b in entry.backends)
    result: set[str] = set()
    selectors = [dict(e.selector) for e in manifests.entrypoints if e.selector]
    for workload in manifests.workloads:
        labels = workload.label_map
        if any(all(labels.get(k) == v for k, v in sel.items()) for sel in selectors):
            result.add(workload.key)
    for svc in manifests.services:
        if svc.key in exposed_services and svc.selector:
            for workload in manifests.workloads:
                if workload.namespace == svc.namespace and all(workload.label_map.get(k) == v for k, v in svc.selector):
                    result.add(workload.key)
    return result


def _add_external_services(parts: _SnapshotParts, manifests: ManifestSet) -> None:
    external = [e for e in manifests.service_entries if e.location != "MESH_INTERNAL"]
    if not external:
        return
    parts.boundaries["internet"] = TrustBoundary(
        "internet", "Internet", kind=BoundaryKind.INTERNET, trust_level=TrustLevel.UNTRUSTED
    )
    for entry in external:
        parts.components.append(
            Component(
                id=f"ext:{entry.namespace}:{entry.name}",
                name=", ".join(entry.hosts),
                kind=ComponentKind.EXTERNAL_ENTITY,
                boundary="internet",
                attributes={"hosts": list(entry.hosts), "source": str(entry.source)},
                foreign_id=f"k8s:{entry.namespace}/ServiceEntry/{entry.name}",
            )
        )
