"""Seeded generator of realistic, large threat-model snapshots (pure Python).

Used by the engine, database, API, UI and report benchmarks and by tests. The shape mimics a
microservice estate: cloud accounts > VPC > {DMZ, EKS-style cluster > namespaces, private data subnet},
plus the internet and third-party SaaS. Every component kind, every data classification, workload and
human identities with grants, and a mix of good and weak encryption/authentication so that rules fire.

``generate_snapshot(components, flows, seed)`` is deterministic for a given (components, flows, seed):
the same arguments always give an equal ``Snapshot``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
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
    BusinessCriticality,
    Classification,
    ComponentKind,
    ControlStatus,
    Encryption,
    GrantAction,
    IdentityKind,
    Logging,
    MeshMode,
    Rating,
    TrustLevel,
)

__all__ = ["generate_snapshot"]

#: Share of components per kind (the rest are services).
_KIND_SHARE: tuple[tuple[ComponentKind, float], ...] = (
    (ComponentKind.HUMAN_USER, 0.01),
    (ComponentKind.EXTERNAL_ENTITY, 0.02),
    (ComponentKind.LOAD_BALANCER, 0.01),
    (ComponentKind.API_GATEWAY, 0.01),
    (ComponentKind.WEB_FRONTEND, 0.05),
    (ComponentKind.DATASTORE, 0.10),
    (ComponentKind.CACHE, 0.04),
    (ComponentKind.QUEUE, 0.03),
    (ComponentKind.SERVERLESS_FUNCTION, 0.04),
    (ComponentKind.BATCH_JOB, 0.03),
    (ComponentKind.SECRET_STORE, 0.005),
    (ComponentKind.IDENTITY_PROVIDER, 0.005),
    (ComponentKind.LOGGING, 0.01),
    (ComponentKind.ANALYTICS, 0.01),
)
_NAMESPACE_WORDS = (
    "storefront",
    "checkout",
    "payments",
    "catalog",
    "search",
    "identity",
    "shipping",
    "billing",
    "inventory",
    "reviews",
    "ads",
    "messaging",
    "reporting",
    "platform",
    "risk",
    "loyalty",
)
_TECH = {
    ComponentKind.SERVICE: ("Go", "Java Spring", "Python FastAPI", "Node.js", "C# .NET", "Rust"),
    ComponentKind.WEB_FRONTEND: ("React SSR", "Django", "Next.js"),
    ComponentKind.DATASTORE: ("PostgreSQL 15", "MySQL 8", "MongoDB 7", "DynamoDB", "S3"),
    ComponentKind.CACHE: ("Redis 7", "Memcached"),
    ComponentKind.QUEUE: ("Kafka", "RabbitMQ", "SQS"),
}
_DB_PROTOCOL = {
    "PostgreSQL 15": "postgresql",
    "MySQL 8": "mysql",
    "MongoDB 7": "mongodb",
    "DynamoDB": "https",
    "S3": "https",
    "Redis 7": "redis",
    "Memcached": "memcached",
    "Kafka": "kafka",
    "RabbitMQ": "amqp",
    "SQS": "https",
}


@dataclass
class _Pools:
    by_kind: dict[ComponentKind, list[Component]] = field(default_factory=dict)

    def get(self, *kinds: ComponentKind) -> list[Component]:
        out: list[Component] = []
        for kind in kinds:
            out.extend(self.by_kind.get(kind, ()))
        return out


def _kind_counts(total: int) -> list[tuple[ComponentKind, int]]:
    counts: list[tuple[ComponentKind, int]] = []
    used = 0
    for kind, share in _KIND_SHARE:
        n = max(1, int(total * share))
        counts.append((kind, n))
        used += n
    counts.append((ComponentKind.SERVICE, max(1, total - used)))
    return counts


def _boundaries(components: int, rng: random.Random) -> tuple[list[TrustBoundary], dict[str, list[str]]]:
    """Boundaries plus placement pools: 'dmz', 'ns', 'data', 'platform-ns'."""
    out = [
        TrustBoundary("internet", "Internet", BoundaryKind.INTERNET, TrustLevel.UNTRUSTED),
        TrustBoundary("third-parties", "Third-party SaaS", BoundaryKind.THIRD_PARTY, TrustLevel.LOW),
    ]
    pools: dict[str, list[str]] = {"dmz": [], "ns": [], "data": [], "platform": []}
    accounts = 1 + components // 5000
    namespaces_total = max(3, min(400, components // 40))
    per_cluster = max(3, namespaces_total // accounts)
    for a in range(1, accounts + 1):
        acct, vpc, dmz, cluster, data = (f"acct-{a}", f"vpc-{a}", f"dmz-{a}", f"cluster-{a}", f"data-subnet-{a}")
        out += [
            TrustBoundary(acct, f"Cloud account prod-{a}", BoundaryKind.CLOUD_ACCOUNT, TrustLevel.HIGH),
            TrustBoundary(vpc, f"VPC prod-{a}", BoundaryKind.VPC, TrustLevel.HIGH, parent=acct),
            TrustBoundary(dmz, f"Public subnets {a}", BoundaryKind.NETWORK_ZONE, TrustLevel.LOW, parent=vpc),
            TrustBoundary(cluster, f"Cluster {a}", BoundaryKind.CLUSTER, TrustLevel.MEDIUM, parent=vpc),
            TrustBoundary(data, f"Private data subnets {a}", BoundaryKind.NETWORK_ZONE, TrustLevel.HIGH, parent=vpc),
        ]
        pools["dmz"].append(dmz)
        pools["data"].append(data)
        for n in range(per_cluster):
            word = _NAMESPACE_WORDS[n % len(_NAMESPACE_WORDS)]
            ns_id = f"ns-{a}-{word}" + (f"-{n // len(_NAMESPACE_WORDS)}" if n >= len(_NAMESPACE_WORDS) else "")
            level = (
                TrustLevel.HIGH
                if word in ("checkout", "payments", "identity", "platform", "billing")
                else rng.choice((TrustLevel.MEDIUM, TrustLevel.MEDIUM, TrustLevel.HIGH))
            )
            out.append(TrustBoundary(ns_id, f"namespace: {word}", BoundaryKind.NAMESPACE, level, parent=cluster))
            (pools["platform"] if word == "platform" else pools["ns"]).append(ns_id)
    if not pools["platform"]:
        pools["platform"] = pools["ns"][:1]
    return out, pools


def _data_assets(components: int, rng: random.Random) -> list[DataAsset]:
    count = max(len(Classification) * 2, components // 20)
    classes = list(Classification)
    ratings = list(Rating)
    out: list[DataAsset] = []
    for i in range(count):
        classification = (
            classes[i % len(classes)]
            if i < len(classes) * 2
            else rng.choice(
                (
                    Classification.PUBLIC,
                    Classification.INTERNAL,
                    Classification.INTERNAL,
                    Classification.CONFIDENTIAL,
                    Classification.CONFIDENTIAL,
                    Classification.RESTRICTED,
                    Classification.UNCLASSIFIED,
                )
            )
        )
        sensitive = classification in (Classification.CONFIDENTIAL, Classification.RESTRICTED)
        out.append(
            DataAsset(
                id=f"data-{i:05d}",
                name=f"Data set {i}",
                classification=classification,
                confidentiality=ratings[min(3, 2 + (classification == Classification.RESTRICTED))]
                if sensitive
                else rng.choice(ratings[:2]),
                integrity=rng.choice(ratings),
                availability=rng.choice(ratings),
                pii=sensitive and rng.random() < 0.5 or (i % 7 == 3),
                credentials=(i % 11 == 5),
            )
        )
    return out


def generate_snapshot(components: int, flows: int, seed: int = 7) -> Snapshot:
    """A realistic snapshot with ``components`` components and ``flows`` data flows (deterministic per seed)."""
    if components < 20:
        raise ValueError("generate_snapshot needs at least 20 components")
    rng = random.Random(f"trustmap-synthetic:{components}:{flows}:{seed}")
    boundaries, places = _boundaries(components, rng)
    assets = _data_assets(components, rng)
    sensitive = [d.id for d in assets if d.classification in (Classification.CONFIDENTIAL, Classification.RESTRICTED)]
    ordinary = [d.id for d in assets if d.id not in set(sensitive)]
    creds = [d.id for d in assets if d.credentials]

    identities: list[Identity] = []
    comps: list[Component] = []
    pools = _Pools()
    serial = 0
    for kind, count in _kind_counts(components):
        for _ in range(count):
            serial += 1
            comp = _component(kind, serial, rng, places, sensitive, ordinary, creds, identities)
            comps.append(comp)
            pools.by_kind.setdefault(kind, []).append(comp)

    # human roles
    n_roles = max(2, components // 200)
    for r in range(n_roles):
        identities.append(Identity(f"role-{r:04d}", f"Human role {r}", IdentityKind.HUMAN_ROLE, mfa=r % 3 != 0))

    flow_list = _flows(flows, rng, pools)
    grants = _grants(rng, identities, comps, flow_list, assets)
    controls = _controls(rng, comps, flow_list, identities)
    info = ModelInfo(
        name=f"Synthetic estate {components}/{flows} (seed {seed})",
        # the module's former name, kept: the text is part of every generated model and of its reports
        description="Generated by threatmodel.synthetic for tests and benchmarks.",
        business_criticality=BusinessCriticality.CRITICAL,
        tags=("synthetic",),
    )
    return Snapshot.build(
        info,
        data_assets=assets,
        boundaries=boundaries,
        identities=identities,
        components=comps,
        flows=flow_list,
        grants=grants,
        controls=controls,
    )


@dataclass(frozen=True)
class _DataPools:
    sensitive: list[str]
    ordinary: list[str]
    creds: list[str]


def _component(
    kind: ComponentKind,
    serial: int,
    rng: random.Random,
    places: dict[str, list[str]],
    sensitive: list[str],
    ordinary: list[str],
    creds: list[str],
    identities: list[Identity],
) -> Component:
    name = f"{kind.value.replace('-', ' ').title()} {serial}"
    tech = rng.choice(_TECH.get(kind, ("",)))
    data = _DataPools(sensitive, ordinary, creds)
    traits: dict[str, Any] = {"attributes": {}}
    if kind is ComponentKind.HUMAN_USER:
        traits.update(boundary="internet", data_processed=(rng.choice(sensitive),))
    elif kind in (ComponentKind.EXTERNAL_ENTITY, ComponentKind.ANALYTICS):
        traits.update(_third_party_traits(kind, rng, data))
    elif kind in (ComponentKind.LOAD_BALANCER, ComponentKind.API_GATEWAY):
        traits.update(_edge_traits(kind, rng, places))
    elif kind in (ComponentKind.DATASTORE, ComponentKind.CACHE, ComponentKind.QUEUE):
        traits.update(_store_traits(rng, places, data))
    elif kind in (ComponentKind.SECRET_STORE, ComponentKind.IDENTITY_PROVIDER, ComponentKind.LOGGING):
        traits.update(_platform_traits(kind, rng, places, data))
    else:
        traits.update(_workload_traits(kind, serial, name, rng, places, data, identities))
    if rng.random() < 0.004 and kind not in (ComponentKind.HUMAN_USER, ComponentKind.EXTERNAL_ENTITY):
        traits["boundary"] = None  # hygiene: unplaced element
    return Component(id=f"{kind.value}-{serial:05d}", name=name, kind=kind, technology=tech, **traits)


def _third_party_traits(kind: ComponentKind, rng: random.Random, data: _DataPools) -> dict[str, Any]:
    if kind is ComponentKind.ANALYTICS:
        return {"boundary": "third-parties", "data_stored": (rng.choice(data.ordinary), rng.choice(data.sensitive))}
    return {"boundary": "third-parties", "data_processed": (rng.choice(data.sensitive),)}


def _edge_traits(kind: ComponentKind, rng: random.Random, places: dict[str, list[str]]) -> dict[str, Any]:
    boundary = rng.choice(places["dmz"])
    internet_facing = kind is ComponentKind.LOAD_BALANCER or rng.random() < 0.3
    auth = Authentication.JWT if kind is ComponentKind.API_GATEWAY and rng.random() < 0.7 else Authentication.NONE
    authz = Authorization.ROLE if auth is not Authentication.NONE else Authorization.NONE
    logging = Logging.AUDIT if rng.random() < 0.5 else Logging.BASIC
    return {
        "boundary": boundary,
        "internet_facing": internet_facing,
        "authentication": auth,
        "authorization": authz,
        "logging": logging,
    }


def _store_traits(rng: random.Random, places: dict[str, list[str]], data: _DataPools) -> dict[str, Any]:
    boundary = rng.choice(places["data"]) if rng.random() < 0.6 else rng.choice(places["ns"])
    stored = tuple(sorted({rng.choice(data.sensitive if rng.random() < 0.6 else data.ordinary) for _ in range(2)}))
    auth = rng.choice((Authentication.PASSWORD, Authentication.CLOUD_IAM, Authentication.MTLS, Authentication.NONE))
    authz = rng.choice((Authorization.ROLE, Authorization.NETWORK, Authorization.NONE))
    at_rest = rng.random() < 0.6
    logging = rng.choice((Logging.NONE, Logging.BASIC, Logging.AUDIT))
    return {
        "boundary": boundary,
        "data_stored": stored,
        "authentication": auth,
        "authorization": authz,
        "encryption_at_rest": at_rest,
        "logging": logging,
    }


def _platform_traits(
    kind: ComponentKind, rng: random.Random, places: dict[str, list[str]], data: _DataPools
) -> dict[str, Any]:
    traits: dict[str, Any] = {
        "boundary": rng.choice(places["platform"]),
        "mesh": MeshMode.SIDECAR,
        "authentication": Authentication.MTLS
        if kind is not ComponentKind.IDENTITY_PROVIDER
        else Authentication.PASSWORD,
        "authorization": Authorization.ATTRIBUTE if kind is ComponentKind.SECRET_STORE else Authorization.ROLE,
        "encryption_at_rest": rng.random() < 0.8,
        "logging": Logging.AUDIT,
    }
    if kind is ComponentKind.SECRET_STORE:
        traits["data_stored"] = (rng.choice(data.creds),)
    elif kind is ComponentKind.IDENTITY_PROVIDER:
        traits["data_stored"] = (rng.choice(data.creds), rng.choice(data.sensitive))
    return traits


def _workload_traits(
    kind: ComponentKind,
    serial: int,
    name: str,
    rng: random.Random,
    places: dict[str, list[str]],
    data: _DataPools,
    identities: list[Identity],
) -> dict[str, Any]:
    traits: dict[str, Any] = {"boundary": rng.choice(places["ns"]), "attributes": {}}
    if kind is ComponentKind.WEB_FRONTEND and rng.random() < 0.2:
        traits.update(boundary=rng.choice(places["dmz"]), internet_facing=True)
    meshed = rng.random() < 0.8
    traits["mesh"] = (MeshMode.SIDECAR if rng.random() < 0.8 else MeshMode.AMBIENT) if meshed else MeshMode.NONE
    traits["authentication"] = (
        Authentication.MTLS if meshed else rng.choice((Authentication.NONE, Authentication.JWT, Authentication.API_KEY))
    )
    traits["authorization"] = rng.choice(
        (Authorization.ATTRIBUTE, Authorization.ROLE, Authorization.ROLE, Authorization.NETWORK, Authorization.NONE)
    )
    traits["logging"] = rng.choice((Logging.BASIC, Logging.BASIC, Logging.AUDIT, Logging.NONE))
    traits["data_processed"] = tuple(
        sorted({rng.choice(data.sensitive if rng.random() < 0.4 else data.ordinary) for _ in range(2)})
    )
    if rng.random() < 0.1:
        traits["data_stored"] = (rng.choice(data.sensitive),)
    if rng.random() < 0.02:
        traits["attributes"]["db_password"] = "set via environment variable"
    if rng.random() < 0.85:
        if identities and rng.random() < 0.05:  # shared identity
            traits["identity"] = identities[rng.randrange(len(identities))].id
        else:
            traits["identity"] = f"sa-{serial:05d}"
            identities.append(Identity(traits["identity"], f"{name} SA", IdentityKind.WORKLOAD))
    return traits


#: (share, source kinds, target kinds) of generated flows after the mandatory entry chain.
_FLOW_TEMPLATES: tuple[tuple[float, tuple[ComponentKind, ...], tuple[ComponentKind, ...]], ...] = (
    (0.06, (ComponentKind.WEB_FRONTEND,), (ComponentKind.SERVICE,)),
    (0.40, (ComponentKind.SERVICE,), (ComponentKind.SERVICE, ComponentKind.SERVERLESS_FUNCTION)),
    (0.22, (ComponentKind.SERVICE,), (ComponentKind.DATASTORE, ComponentKind.CACHE, ComponentKind.QUEUE)),
    (0.04, (ComponentKind.SERVICE, ComponentKind.BATCH_JOB), (ComponentKind.SECRET_STORE,)),
    (0.05, (ComponentKind.SERVICE, ComponentKind.WEB_FRONTEND), (ComponentKind.LOGGING,)),
    (0.03, (ComponentKind.SERVICE, ComponentKind.BATCH_JOB), (ComponentKind.EXTERNAL_ENTITY, ComponentKind.ANALYTICS)),
    (0.02, (ComponentKind.WEB_FRONTEND,), (ComponentKind.DATASTORE,)),
    (
        0.06,
        (ComponentKind.BATCH_JOB, ComponentKind.SERVERLESS_FUNCTION),
        (ComponentKind.DATASTORE, ComponentKind.QUEUE, ComponentKind.SERVICE),
    ),
    (0.04, (ComponentKind.API_GATEWAY,), (ComponentKind.WEB_FRONTEND, ComponentKind.SERVICE)),
    (
        0.03,
        (ComponentKind.WEB_FRONTEND, ComponentKind.SERVICE, ComponentKind.API_GATEWAY),
        (ComponentKind.IDENTITY_PROVIDER,),
    ),
    (0.05, (ComponentKind.SERVICE,), (ComponentKind.SERVICE,)),
)
_MESHED = (MeshMode.SIDECAR, MeshMode.AMBIENT)


def _flow(rng: random.Random, fid: str, src: Component, dst: Component) -> DataFlow:
    meshed = src.mesh in _MESHED and dst.mesh in _MESHED
    roll = rng.random()
    if meshed:
        enc = Encryption.MTLS if roll < 0.85 else (Encryption.TLS if roll < 0.95 else Encryption.NONE)
        auth = Authentication.MTLS if enc is Encryption.MTLS else rng.choice((Authentication.JWT, Authentication.NONE))
    else:
        enc = Encryption.TLS if roll < 0.65 else (Encryption.MTLS if roll < 0.7 else Encryption.NONE)
        auth = rng.choice(
            (
                Authentication.NONE,
                Authentication.API_KEY,
                Authentication.PASSWORD,
                Authentication.JWT,
                Authentication.CLOUD_IAM,
                Authentication.OAUTH2,
            )
        )
    if src.kind is ComponentKind.HUMAN_USER:
        enc, auth = (Encryption.TLS, rng.choice((Authentication.SESSION, Authentication.OAUTH2, Authentication.NONE)))
    protocol = _DB_PROTOCOL.get(dst.technology, "grpc" if meshed else "https")
    if enc is Encryption.NONE and protocol == "https":
        protocol = "http"
    if dst.kind is ComponentKind.EXTERNAL_ENTITY and rng.random() < 0.1:
        protocol, enc, auth = "ftp", Encryption.NONE, Authentication.BASIC
    authz = rng.choice((Authorization.ROLE, Authorization.ATTRIBUTE, Authorization.NETWORK, Authorization.NONE))
    pool = dst.data_stored or dst.data_processed or src.data_processed
    data = tuple(sorted(set(rng.sample(pool, min(len(pool), rng.randint(1, 2)))))) if pool else ()
    return DataFlow(
        id=fid,
        source=src.id,
        target=dst.id,
        name=f"{src.name} to {dst.name}",
        protocol=protocol,
        encryption=enc,
        authentication=auth,
        authorization=authz,
        data_assets=data,
    )


def _flows(total: int, rng: random.Random, pools: _Pools) -> list[DataFlow]:
    out: list[DataFlow] = []
    users = pools.get(ComponentKind.HUMAN_USER)
    lbs = pools.get(ComponentKind.LOAD_BALANCER)
    gateways = pools.get(ComponentKind.API_GATEWAY)
    fronts = pools.get(ComponentKind.WEB_FRONTEND)
    external_fronts = [c for c in fronts if c.internet_facing]
    chain: list[tuple[Component, Component]] = []
    for user in users:
        chain.append((user, rng.choice(lbs)))
        if external_fronts and rng.random() < 0.5:
            chain.append((user, rng.choice(external_fronts)))
    for lb in lbs:
        chain.append((lb, rng.choice(gateways)))
    for gw in gateways:
        chain.append((gw, rng.choice(fronts)))
    for src, dst in chain[:total]:
        out.append(_flow(rng, f"flow-{len(out):06d}", src, dst))
    weights = [t[0] for t in _FLOW_TEMPLATES]
    resolved = [(pools.get(*s), pools.get(*t)) for _, s, t in _FLOW_TEMPLATES]
    while len(out) < total:
        sources, targets = resolved[rng.choices(range(len(resolved)), weights)[0]]
        if not sources or not targets:
            continue
        src = sources[rng.randrange(len(sources))]
        dst = targets[rng.randrange(len(targets))]
        if src.id == dst.id:
            continue
        out.append(_flow(rng, f"flow-{len(out):06d}", src, dst))
    return out


def _grants(
    rng: random.Random,
    identities: list[Identity],
    comps: list[Component],
    flows: list[DataFlow],
    assets: list[DataAsset],
) -> list[Grant]:
    by_identity: dict[str, list[str]] = {}
    comp_by_id = {c.id: c for c in comps}
    for flow in flows:
        src = comp_by_id[flow.source]
        if src.identity:
            by_identity.setdefault(src.identity, []).append(flow.target)
    stores = [
        c.id
        for c in comps
        if c.kind in (ComponentKind.DATASTORE, ComponentKind.SECRET_STORE, ComponentKind.QUEUE, ComponentKind.CACHE)
    ]
    out: list[Grant] = []
    for ident in identities:
        targets = sorted(set(by_identity.get(ident.id, ())))
        storage_targets = [
            t
            for t in targets
            if comp_by_id[t].kind
            in (ComponentKind.DATASTORE, ComponentKind.SECRET_STORE, ComponentKind.QUEUE, ComponentKind.CACHE)
        ]
        for n, target in enumerate(storage_targets[:3]):
            actions = (GrantAction.READ,) if rng.random() < 0.5 else (GrantAction.READ, GrantAction.WRITE)
            if rng.random() < 0.05:
                actions = (GrantAction.ANY,)
            out.append(Grant(f"g-{ident.id}-{n}", ident.id, target, actions))
        if ident.kind is IdentityKind.HUMAN_ROLE and stores:
            out.append(Grant(f"g-{ident.id}-admin", ident.id, rng.choice(stores), (GrantAction.ADMIN,)))
        elif stores and rng.random() < 0.05:  # never exercised
            out.append(Grant(f"g-{ident.id}-unused", ident.id, rng.choice(stores), (GrantAction.WRITE,)))
        if rng.random() < 0.01:
            out.append(Grant(f"g-{ident.id}-wild", ident.id, "*", (GrantAction.READ,)))
    if assets and identities:
        out.append(Grant("g-data-direct", identities[0].id, assets[0].id, (GrantAction.READ,)))
    return out


def _controls(
    rng: random.Random, comps: list[Component], flows: list[DataFlow], identities: list[Identity]
) -> list[Control]:
    out: list[Control] = []
    for comp in comps:
        if comp.internet_facing and rng.random() < 0.5:
            out.append(Control(f"c-{comp.id}-rl", "rate-limit", comp.id))
        if comp.kind in (ComponentKind.DATASTORE,) and rng.random() < 0.1:
            out.append(Control(f"c-{comp.id}-audit", "audit-log", comp.id))
        if comp.kind is ComponentKind.WEB_FRONTEND and rng.random() < 0.1:
            out.append(
                Control(
                    f"c-{comp.id}-waf",
                    "waf",
                    comp.id,
                    ControlStatus.IMPLEMENTED if rng.random() < 0.7 else ControlStatus.PLANNED,
                )
            )
    for ident in identities:
        if ident.kind is IdentityKind.HUMAN_ROLE and not ident.mfa and rng.random() < 0.3:
            out.append(Control(f"c-{ident.id}-mfa", "mfa", ident.id))
    for flow in flows[:: max(1, len(flows) // 50)]:
        out.append(Control(f"c-{flow.id}-np", "network-policy", flow.id))
    return out
