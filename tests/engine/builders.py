"""Small snapshot builders for engine tests (well-configured defaults, so only the tested weakness fires)."""

from __future__ import annotations

from typing import Any

from threatmodel.domain import (
    Component,
    Control,
    DataAsset,
    DataFlow,
    Grant,
    Identity,
    ModelInfo,
    Snapshot,
    TrustBoundary,
)
from threatmodel.vocabulary import (
    Authentication,
    Authorization,
    BoundaryKind,
    Classification,
    ComponentKind,
    Encryption,
    IdentityKind,
    Logging,
    MeshMode,
    Rating,
    TrustLevel,
)

K = ComponentKind

BOUNDARIES = (
    TrustBoundary("internet", "Internet", BoundaryKind.INTERNET, TrustLevel.UNTRUSTED),
    TrustBoundary("dmz", "DMZ", BoundaryKind.NETWORK_ZONE, TrustLevel.LOW),
    TrustBoundary("cluster", "Cluster", BoundaryKind.CLUSTER, TrustLevel.MEDIUM),
    TrustBoundary("ns-a", "namespace: a", BoundaryKind.NAMESPACE, TrustLevel.MEDIUM, parent="cluster"),
    TrustBoundary("ns-b", "namespace: b", BoundaryKind.NAMESPACE, TrustLevel.HIGH, parent="cluster"),
    TrustBoundary("data", "Data subnet", BoundaryKind.NETWORK_ZONE, TrustLevel.HIGH),
    TrustBoundary("third", "Third parties", BoundaryKind.THIRD_PARTY, TrustLevel.LOW),
)
ASSETS = (
    DataAsset("pub", "Public", classification=Classification.PUBLIC),
    DataAsset("int", "Internal", classification=Classification.INTERNAL),
    DataAsset("conf", "Confidential PII", classification=Classification.CONFIDENTIAL, pii=True),
    DataAsset("restr", "Restricted", classification=Classification.RESTRICTED, confidentiality=Rating.CRITICAL),
    DataAsset("cred", "Credentials", classification=Classification.RESTRICTED, credentials=True),
    DataAsset("uncl", "Unclassified", classification=Classification.UNCLASSIFIED),
    DataAsset("crit", "Orders", classification=Classification.CONFIDENTIAL, availability=Rating.CRITICAL),
)


def svc(cid: str, kind: ComponentKind = K.SERVICE, **kw: Any) -> Component:
    values: dict[str, Any] = {
        "kind": kind,
        "boundary": "ns-a",
        "mesh": MeshMode.SIDECAR,
        "authentication": Authentication.MTLS,
        "authorization": Authorization.ATTRIBUTE,
        "logging": Logging.AUDIT,
        "identity": f"sa-{cid}",
        "data_processed": ("int",),
    }
    values.update(kw)
    return Component(cid, cid, **values)


def store(cid: str, kind: ComponentKind = K.DATASTORE, **kw: Any) -> Component:
    values: dict[str, Any] = {
        "kind": kind,
        "boundary": "data",
        "authentication": Authentication.CLOUD_IAM,
        "authorization": Authorization.ROLE,
        "encryption_at_rest": True,
        "logging": Logging.AUDIT,
        "data_stored": ("conf",),
    }
    values.update(kw)
    return Component(cid, cid, **values)


def ext(cid: str, kind: ComponentKind = K.EXTERNAL_ENTITY, boundary: str = "third", **kw: Any) -> Component:
    return Component(cid, cid, kind=kind, boundary=boundary, **kw)


def fl(fid: str, source: str, target: str, **kw: Any) -> DataFlow:
    values: dict[str, Any] = {
        "name": f"Call {target}",
        "protocol": "grpc",
        "encryption": Encryption.MTLS,
        "authentication": Authentication.MTLS,
        "authorization": Authorization.ATTRIBUTE,
        "data_assets": ("int",),
    }
    values.update(kw)
    return DataFlow(fid, source, target, **values)


def model(
    *elements: Any,
    boundaries: tuple[TrustBoundary, ...] = BOUNDARIES,
    assets: tuple[DataAsset, ...] = ASSETS,
    identities: tuple[Identity, ...] = (),
) -> Snapshot:
    comps = [e for e in elements if isinstance(e, Component)]
    flows = [e for e in elements if isinstance(e, DataFlow)]
    grants = [e for e in elements if isinstance(e, Grant)]
    controls = [e for e in elements if isinstance(e, Control)]
    idents = {i.id: i for i in identities}
    idents.update({i.id: i for i in elements if isinstance(i, Identity)})
    for comp in comps:
        if comp.identity and comp.identity not in idents:
            idents[comp.identity] = Identity(comp.identity, comp.identity, IdentityKind.WORKLOAD)
    for grant in grants:
        if grant.identity not in idents:
            idents[grant.identity] = Identity(grant.identity, grant.identity, IdentityKind.WORKLOAD)
    return Snapshot.build(
        ModelInfo("test"),
        data_assets=assets,
        boundaries=boundaries,
        identities=idents.values(),
        components=comps,
        flows=flows,
        grants=grants,
        controls=controls,
    )
