"""Threagile model <-> Trustmap snapshot (``threatmodel.domain``).

Import keeps every Threagile id as the element's ``foreign_id`` and every Threagile field the domain has no slot
for under ``attributes["threagile"]``, so that exporting the snapshot gives the same Threagile model back.
Domain ids are unique across element kinds: technical assets keep their Threagile id, communication links become
``<source>:<link-slug>``, and a data asset or trust boundary whose id is also used by another kind gets a
``data:`` or ``boundary:`` prefix. Shared runtimes, custom risk categories, risk tracking, questions, abuse cases
and security requirements live in the model info's ``attributes["threagile"]``.

A snapshot that was not imported from Threagile exports too: Threagile values are derived from the domain fields
(component kind -> asset type and technology, classification and ratings -> C/I/A, flow encryption -> protocol).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmodel import vocabulary as v
from threatmodel.domain import Component, DataAsset, DataFlow, ModelInfo, Snapshot, TrustBoundary
from threatmodel.interchange.threagile import enums
from threatmodel.interchange.threagile.model import ThreagileModel
from threatmodel.interchange.threagile.reader import build_model
from threatmodel.interchange.threagile.writer import model_document

KEY = "threagile"
_CONF_RATING = (v.Rating.LOW, v.Rating.LOW, v.Rating.MEDIUM, v.Rating.HIGH, v.Rating.CRITICAL)
_CRIT_RATING = (v.Rating.LOW, v.Rating.LOW, v.Rating.MEDIUM, v.Rating.HIGH, v.Rating.CRITICAL)
_CLASSIFICATION = (
    v.Classification.PUBLIC,
    v.Classification.INTERNAL,
    v.Classification.INTERNAL,
    v.Classification.CONFIDENTIAL,
    v.Classification.RESTRICTED,
)
_BOUNDARY_KIND = {
    "network-on-prem": v.BoundaryKind.DATACENTER,
    "network-dedicated-hoster": v.BoundaryKind.DATACENTER,
    "network-virtual-lan": v.BoundaryKind.NETWORK_ZONE,
    "network-cloud-provider": v.BoundaryKind.CLOUD_ACCOUNT,
    "network-cloud-security-group": v.BoundaryKind.VPC,
    "network-policy-namespace-isolation": v.BoundaryKind.NAMESPACE,
    "execution-environment": v.BoundaryKind.EXECUTION_ENVIRONMENT,
}
_KIND_BY_TECHNOLOGY = {
    "identity-provider": v.ComponentKind.IDENTITY_PROVIDER,
    "vault": v.ComponentKind.SECRET_STORE,
    "load-balancer": v.ComponentKind.LOAD_BALANCER,
    "reverse-proxy": v.ComponentKind.LOAD_BALANCER,
    "gateway": v.ComponentKind.API_GATEWAY,
    "monitoring": v.ComponentKind.LOGGING,
    "message-queue": v.ComponentKind.QUEUE,
    "function": v.ComponentKind.SERVERLESS_FUNCTION,
    "batch-processing": v.ComponentKind.BATCH_JOB,
    "scheduler": v.ComponentKind.BATCH_JOB,
    "web-application": v.ComponentKind.WEB_FRONTEND,
    "web-server": v.ComponentKind.WEB_FRONTEND,
    "cms": v.ComponentKind.WEB_FRONTEND,
}
_AUTHENTICATION = {
    "none": v.Authentication.NONE,
    "credentials": v.Authentication.PASSWORD,
    "session-id": v.Authentication.SESSION,
    "token": v.Authentication.JWT,
    "client-certificate": v.Authentication.CLIENT_CERTIFICATE,
    "two-factor": v.Authentication.PASSWORD,
    "externalized": v.Authentication.OAUTH2,
}
_AUTHORIZATION = {
    "none": v.Authorization.NONE,
    "technical-user": v.Authorization.ROLE,
    "end-user-identity-propagation": v.Authorization.ATTRIBUTE,
}
_ENCRYPTED = frozenset(
    p
    for p in enums.PROTOCOL
    if p.endswith("-encrypted") or p in {"https", "wss", "ssh", "ssh-tunnel", "ftps", "sftp", "scp", "ldaps"}
)


def _component_kind(asset_type: str, technology: str, human: bool) -> v.ComponentKind:
    if human:
        return v.ComponentKind.HUMAN_USER
    if technology in _KIND_BY_TECHNOLOGY:
        return _KIND_BY_TECHNOLOGY[technology]
    if asset_type == "datastore":
        return v.ComponentKind.DATASTORE
    if asset_type == "external-entity":
        return v.ComponentKind.EXTERNAL_ENTITY
    return v.ComponentKind.SERVICE


def to_snapshot(model: ThreagileModel) -> Snapshot:
    """The Threagile model as a Trustmap snapshot (ids as described in the module docstring)."""
    document = model_document(model)
    asset_ids = set(model.asset_by_id)
    data_id = {d.id: (d.id if d.id not in asset_ids else f"data:{d.id}") for d in model.data_assets}
    taken = asset_ids | set(data_id.values())
    boundary_id = {b.id: (b.id if b.id not in taken else f"boundary:{b.id}") for b in model.trust_boundaries}
    data_assets = [
        DataAsset(
            id=data_id[d.id],
            name=d.title,
            description=d.description,
            classification=_CLASSIFICATION[d.confidentiality],
            confidentiality=_CONF_RATING[d.confidentiality],
            integrity=_CRIT_RATING[d.integrity],
            availability=_CRIT_RATING[d.availability],
            tags=d.tags,
            attributes={KEY: {"title": d.title, **document["data_assets"][d.title]}},
            foreign_id=d.id,
        )
        for d in model.data_assets
    ]
    parents = model.parent_of_boundary
    boundaries = [
        TrustBoundary(
            id=boundary_id[b.id],
            name=b.title,
            kind=_BOUNDARY_KIND[b.type],
            parent=boundary_id[parents[b.id]] if b.id in parents else None,
            description=b.description,
            tags=b.tags,
            attributes={
                KEY: {
                    "title": b.title,
                    "type": b.type,
                    "order": list(b.technical_assets_inside),
                    "nested_order": list(b.trust_boundaries_nested),
                }
            },
            foreign_id=b.id,
        )
        for b in model.trust_boundaries
    ]
    components, flows = [], []
    for a in model.technical_assets:
        raw = {k: val for k, val in document["technical_assets"][a.title].items() if k != "communication_links"}
        boundary = model.boundary_of_asset.get(a.id)
        components.append(
            Component(
                id=a.id,
                name=a.title,
                kind=_component_kind(a.type, a.technology, a.used_as_client_by_human),
                technology=a.technology,
                boundary=boundary_id[boundary.id] if boundary else None,
                description=a.description,
                internet_facing=a.internet,
                encryption_at_rest=a.encryption != "none",
                data_stored=tuple(data_id[d] for d in a.data_assets_stored),
                data_processed=tuple(data_id[d] for d in a.data_assets_processed),
                tags=a.tags,
                attributes={KEY: {"title": a.title, **raw}},
                foreign_id=a.id,
            )
        )
        for link in a.communication_links:
            raw_link = document["technical_assets"][a.title]["communication_links"][link.title]
            moved = tuple(dict.fromkeys(data_id[d] for d in (*link.data_assets_sent, *link.data_assets_received)))
            flows.append(
                DataFlow(
                    id=link.id.replace(">", ":"),
                    source=link.source_id,
                    target=link.target_id,
                    name=link.title,
                    protocol=link.protocol,
                    encryption=v.Encryption.TLS if link.protocol in _ENCRYPTED else v.Encryption.NONE,
                    authentication=_AUTHENTICATION[link.authentication],
                    authorization=_AUTHORIZATION[link.authorization],
                    data_assets=moved,
                    bidirectional=bool(link.data_assets_sent and link.data_assets_received),
                    description=link.description,
                    tags=link.tags,
                    attributes={KEY: {"title": link.title, **raw_link}},
                    foreign_id=link.id,
                )
            )
    rest = {
        k: val
        for k, val in document.items()
        if k not in ("data_assets", "technical_assets", "trust_boundaries", "title")
    }
    info = ModelInfo(
        name=model.title,
        description=model.management_summary_comment,
        business_criticality=v.BusinessCriticality(model.business_criticality),
        attributes={KEY: rest},
    )
    return Snapshot.build(info, data_assets=data_assets, boundaries=boundaries, components=components, flows=flows)


def _from_attributes(element: Any) -> dict[str, Any]:
    raw = element.attributes.get(KEY) if isinstance(element.attributes, Mapping) else None
    return dict(raw) if isinstance(raw, Mapping) else {}


def _derived_asset(component: Component) -> dict[str, Any]:
    """Threagile fields of a component that was not imported from Threagile."""
    kind = v.ComponentKind(component.kind)
    asset_type = (
        "datastore" if kind in v.STORAGE_KINDS else "external-entity" if kind in v.EXTERNAL_KINDS else "process"
    )
    technology = component.technology if component.technology in enums.TECHNOLOGY else "unknown-technology"
    return {
        "type": asset_type,
        "technology": technology,
        "used_as_client_by_human": kind is v.ComponentKind.HUMAN_USER,
        "encryption": "transparent" if component.encryption_at_rest else "none",
        "confidentiality": "internal",
        "integrity": "operational",
        "availability": "operational",
    }


def from_snapshot(snapshot: Snapshot) -> ThreagileModel:
    """A Threagile model of the snapshot: the imported Threagile fields, overridden by what the domain says now."""
    info_raw = _from_attributes(snapshot.info)
    foreign = {
        e.id: (e.foreign_id or e.id)
        for name in ("data_assets", "boundaries", "components")
        for e in getattr(snapshot, name)
    }
    document: dict[str, Any] = {**info_raw, "title": snapshot.info.name}
    document.setdefault("business_criticality", str(snapshot.info.business_criticality))
    document["data_assets"] = {}
    for d in snapshot.data_assets:
        raw = _from_attributes(d)
        title = d.name
        raw.pop("title", None)
        raw.update({"id": foreign[d.id], "description": d.description, "tags": list(d.tags)})
        if "confidentiality" not in raw:
            order = v.CLASSIFICATION_ORDER.get(str(d.classification), 1)
            raw["confidentiality"] = ("public", "internal", "confidential", "strictly-confidential")[order]
        document["data_assets"][title] = raw
    flows_by_source: dict[str, list[DataFlow]] = {}
    for f in snapshot.flows:
        flows_by_source.setdefault(f.source, []).append(f)
    document["technical_assets"] = {}
    for c in snapshot.components:
        raw = _from_attributes(c) or _derived_asset(c)
        raw.pop("title", None)
        raw.update(
            {
                "id": foreign[c.id],
                "description": c.description,
                "tags": list(c.tags),
                "internet": c.internet_facing,
                "data_assets_stored": [foreign[d] for d in c.data_stored],
                "data_assets_processed": [foreign[d] for d in c.data_processed],
            }
        )
        raw["communication_links"] = {f.name or f.id: _link_document(f, foreign) for f in flows_by_source.get(c.id, [])}
        document["technical_assets"][c.name] = raw
    document["trust_boundaries"] = _boundaries_document(snapshot, foreign)
    return build_model(document)


def _link_document(flow: DataFlow, foreign: Mapping[str, str]) -> dict[str, Any]:
    raw = _from_attributes(flow)
    raw.pop("title", None)
    raw["target"] = foreign.get(flow.target, flow.target)
    if "protocol" not in raw:
        raw["protocol"] = flow.protocol if flow.protocol in enums.PROTOCOL else "unknown-protocol"
        moved = [foreign.get(d, d) for d in flow.data_assets]
        raw["data_assets_sent"] = moved
        raw["data_assets_received"] = moved if flow.bidirectional else []
    raw["description"] = flow.description or raw.get("description", "")
    return raw


def _boundaries_document(snapshot: Snapshot, foreign: Mapping[str, str]) -> dict[str, Any]:
    inside: dict[str, list[str]] = {}
    for c in snapshot.components:
        if c.boundary:
            inside.setdefault(c.boundary, []).append(foreign[c.id])
    out: dict[str, Any] = {}
    for b in snapshot.boundaries:
        raw = _from_attributes(b)
        members = _ordered(raw.get("order", []), inside.get(b.id, []))
        out[b.name] = {
            "id": foreign[b.id],
            "description": b.description,
            "type": raw.get("type") or _boundary_type(b.kind),
            "tags": list(b.tags),
            "technical_assets_inside": members,
            "trust_boundaries_nested": _ordered(
                raw.get("nested_order", []), [foreign[n.id] for n in snapshot.boundaries if n.parent == b.id]
            ),
        }
    return out


def _ordered(preferred: list[str], members: list[str]) -> list[str]:
    """The members, in the imported order first (Threagile lists are ordered), new ones after."""
    first = [m for m in preferred if m in members]
    return first + [m for m in members if m not in first]


def _boundary_type(kind: str) -> str:
    for threagile_type, domain_kind in _BOUNDARY_KIND.items():
        if domain_kind == kind:
            return threagile_type
    return "network-on-prem"
