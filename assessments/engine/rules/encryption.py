"""Encryption and secrets rules (``enc.*``): data encrypted in transit and at rest, secrets in a secret store."""

from __future__ import annotations

from assessments.engine.graph import (
    FlowFacts,
    ModelContext,
)
from assessments.engine.registry import PASS, CheckResult, Hit, ev, rule
from assessments.engine.rules.common import (
    BACKING,
    MESHED,
    OUTSIDE,
    PEER,
    SECRET_KEY_WORDS,
    STATIC,
    STORES,
    WORKLOADS,
    K,
    flow_evidence,
)
from assessments.engine.traits import (
    CARRIES_CREDENTIALS,
    CARRIES_SENSITIVE,
    CROSSES_NETWORK,
    LEGACY_PROTOCOL,
    MTLS_ENCRYPTED,
    PEER_AUTH,
    PLAINTEXT,
    SOURCE_MESHED,
    STATIC_AUTH,
    TARGET_MESHED,
    TLS_ENCRYPTED,
)
from threatmodel.domain import Component
from threatmodel.vocabulary import LEGACY_PROTOCOLS, Encryption

#: Kinds whose job is to hold credentials.
CREDENTIAL_HOLDERS = frozenset({K.SECRET_STORE, K.IDENTITY_PROVIDER})


def _plaintext(ctx: ModelContext, f: FlowFacts) -> Hit:
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, encryption="none"),
        data_rank=f.data_rank,
        exposed=f.crosses_network,
    )


@rule("enc.plaintext-sensitive", "flow", any_of=CARRIES_SENSITIVE | CARRIES_CREDENTIALS, fire_requires=PLAINTEXT)
def plaintext_sensitive(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if not f.sensitive and not f.credentials:
        return None
    if f.encryption is not Encryption.NONE:
        return PASS
    hit = _plaintext(ctx, f)
    return Hit(
        hit.elements,
        hit.evidence + ev(sensitive_data=f.sensitive + f.credentials),
        data_rank=max(f.data_rank, 2),
        exposed=hit.exposed,
    )


@rule("enc.plaintext-crossing", "flow", requires=CROSSES_NETWORK, fire_requires=PLAINTEXT)
def plaintext_crossing(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if not f.crosses_network:
        return None
    if f.encryption is not Encryption.NONE:
        return PASS
    hit = _plaintext(ctx, f)
    return Hit(
        hit.elements,
        hit.evidence + ev(source_boundary=f.source_boundary or "", target_boundary=f.target_boundary or ""),
        data_rank=f.data_rank,
        exposed=True,
    )


@rule("enc.plaintext-flow", "flow", fire_requires=PLAINTEXT)
def plaintext_flow(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.encryption is not Encryption.NONE:
        return PASS
    return _plaintext(ctx, f)


@rule(
    "enc.tls-without-client-auth",
    "flow",
    source_kinds=WORKLOADS,
    target_kinds=BACKING,
    fire_requires=TLS_ENCRYPTED,
    fire_excludes=PEER_AUTH,
)
def tls_without_client_auth(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.source.kind not in WORKLOADS or f.target.kind not in BACKING:
        return None
    if f.encryption is not Encryption.TLS or f.flow.authentication in PEER:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, encryption="tls", authentication=f.flow.authentication.value),
        data_rank=max(f.data_rank, ctx.component_rank(f.target)),
    )


@rule("enc.at-rest-unencrypted", "component", kinds=tuple(STORES))
def at_rest_unencrypted(ctx: ModelContext, comp: Component) -> CheckResult:
    sensitive = ctx.sensitive_stored(comp)
    if not sensitive:
        return None
    if comp.encryption_at_rest:
        return PASS
    return Hit((), ev(encryption_at_rest=False, sensitive_data=sensitive), data_rank=ctx.component_rank(comp))


@rule("enc.credentials-outside-secret-store", "component")
def credentials_outside_secret_store(ctx: ModelContext, comp: Component) -> CheckResult:
    creds = tuple(a for a in comp.data_stored if a in ctx.data_assets and ctx.data_assets[a].credentials)
    if not creds:
        return None
    if comp.kind in CREDENTIAL_HOLDERS:
        return PASS
    return Hit((), ev(credentials_stored=creds, kind=comp.kind.value), data_rank=max(2, ctx.rank_of(creds)))


def secret_attributes(comp: Component) -> tuple[str, ...]:
    """Attribute keys that look like secrets with a literal value (not a reference to a secret store)."""
    keys: list[str] = []
    for key, value in comp.attributes.items():
        lowered = str(key).lower()
        if not any(word in lowered for word in SECRET_KEY_WORDS):
            continue
        text = str(value).strip().lower()
        if not text or text.startswith(("vault:", "secretref:", "secret-store:", "kms:", "arn:aws:secretsmanager")):
            continue
        keys.append(str(key))
    return tuple(sorted(keys))


@rule("enc.secret-in-configuration", "component")
def secret_in_configuration(ctx: ModelContext, comp: Component) -> CheckResult:
    if comp.kind in OUTSIDE:
        return None
    keys = secret_attributes(comp)
    if not keys:
        return PASS
    return Hit((), ev(attributes=keys, values=tuple(str(comp.attributes[k]) for k in keys)), data_rank=2)


@rule("enc.legacy-protocol", "flow", fire_requires=LEGACY_PROTOCOL)
def legacy_protocol(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.flow.protocol.lower() not in LEGACY_PROTOCOLS:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, encryption=f.flow.encryption.value),
        data_rank=f.data_rank,
        exposed=f.crosses_network,
    )


@rule("enc.basic-auth-over-plaintext", "flow", fire_requires=STATIC_AUTH | PLAINTEXT)
def basic_auth_over_plaintext(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.flow.authentication not in STATIC or f.encryption is not Encryption.NONE:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, encryption="none", authentication=f.flow.authentication.value),
        data_rank=max(2, f.data_rank),
        exposed=f.crosses_network,
    )


@rule("enc.mesh-permissive", "flow", requires=SOURCE_MESHED | TARGET_MESHED, fire_excludes=MTLS_ENCRYPTED)
def mesh_permissive(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.source.mesh not in MESHED or f.target.mesh not in MESHED:
        return None
    if f.encryption is Encryption.MTLS:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(
            f, encryption=f.flow.encryption.value, source_mesh=f.source.mesh.value, target_mesh=f.target.mesh.value
        ),
        data_rank=f.data_rank,
    )
