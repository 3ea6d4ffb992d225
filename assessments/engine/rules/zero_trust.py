"""Zero-trust rules (``zt.*``): authenticate and authorise every request, never trust the network."""

from __future__ import annotations

from typing import cast

from assessments.engine.graph import (
    FlowFacts,
    ModelContext,
)
from assessments.engine.registry import PASS, CheckResult, Hit, ev, rule
from assessments.engine.rules.common import (
    APP_KINDS,
    BACKING,
    END_USER,
    MESHED,
    NO_AUTHENTICATION,
    PEER,
    STATIC,
    STRONG_AUTH,
    K,
    flow_evidence,
)
from assessments.engine.traits import (
    CARRIES_SENSITIVE,
    CROSSES_NETWORK,
    LOCATION_AUTHZ,
    MTLS_ENCRYPTED,
    NO_AUTH,
    PEER_AUTH,
    PER_REQUEST_AUTHORIZATION,
    PLAINTEXT,
    SOURCE_EXTERNAL,
    STATIC_AUTH,
    TARGET_EXTERNAL,
    TARGET_PER_REQUEST_AUTHZ,
)
from threatmodel.domain import Component
from threatmodel.vocabulary import Authentication, Authorization, Encryption, MeshMode

#: Callers of service-to-service peer authentication (app workloads and load balancers).
PEER_CALLERS = frozenset(APP_KINDS | {K.LOAD_BALANCER})
#: Targets where end-user identity must arrive (they authorise per request).
PROPAGATION_TARGETS = frozenset({K.SERVICE, K.SERVERLESS_FUNCTION})
#: Callers that hold the end user's credentials (besides exposed components).
USER_FACING = frozenset({K.WEB_FRONTEND, K.API_GATEWAY})
#: Authorised by location at best (``unspecified`` is judged as none: docs/scoring.md §4a).
LOCATION_AUTHORIZATION = frozenset({Authorization.UNSPECIFIED, Authorization.NONE, Authorization.NETWORK})


@rule("zt.flow-unauthenticated", "flow", fire_requires=NO_AUTH)
def flow_unauthenticated(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.flow.authentication not in NO_AUTHENTICATION:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, authentication=f.flow.authentication.value),
        data_rank=max(f.data_rank, ctx.component_rank(f.target)),
        exposed=f.crosses_network or ctx.in_untrusted_zone(f.source),
    )


@rule(
    "zt.service-without-peer-auth",
    "flow",
    source_kinds=PEER_CALLERS,
    target_kinds=APP_KINDS,
    fire_excludes=MTLS_ENCRYPTED | PEER_AUTH,
)
def service_without_peer_auth(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.source.kind not in PEER_CALLERS or f.target.kind not in APP_KINDS:
        return None
    if f.encryption is Encryption.MTLS or f.flow.authentication in PEER:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, authentication=f.flow.authentication.value, encryption=f.flow.encryption.value),
        data_rank=f.data_rank,
        exposed=f.crosses_network,
    )


@rule(
    "zt.network-location-trust",
    "component",
    kinds=(
        K.SERVICE,
        K.SERVERLESS_FUNCTION,
        K.WEB_FRONTEND,
        K.API_GATEWAY,
        K.BATCH_JOB,
        K.DATASTORE,
        K.CACHE,
        K.QUEUE,
        K.SECRET_STORE,
    ),
)
def network_location_trust(ctx: ModelContext, comp: Component) -> CheckResult:
    rank = ctx.component_rank(comp)
    if rank < 1 or not ctx.in_flows.get(comp.id):
        return None
    if comp.authorization not in LOCATION_AUTHORIZATION:
        return PASS
    return Hit(
        (),
        ev(authorization=comp.authorization.value, data_stored=comp.data_stored, data_processed=comp.data_processed),
        data_rank=rank,
    )


@rule("zt.boundary-crossing-unprotected", "flow", requires=CROSSES_NETWORK, fire_any_of=PLAINTEXT | NO_AUTH)
def boundary_crossing_unprotected(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if not f.crosses_network:
        return None
    missing = []
    if f.encryption is Encryption.NONE:
        missing.append("encryption")
    if f.flow.authentication in NO_AUTHENTICATION:
        missing.append("authentication")
    if not missing:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        ev(
            source=f.source.id,
            target=f.target.id,
            source_boundary=f.source_boundary or "",
            target_boundary=f.target_boundary or "",
            missing=tuple(missing),
            encryption=f.flow.encryption.value,
            authentication=f.flow.authentication.value,
            data=f.flow.data_assets,
        ),
        data_rank=f.data_rank,
        exposed=f.source_trust > f.target_trust or f.source_trust == 0,
        title=f"Boundary-crossing flow without {' and '.join(missing)}",
    )


@rule(
    "zt.internet-facing-without-gateway",
    "component",
    kinds=(K.SERVICE, K.WEB_FRONTEND, K.SERVERLESS_FUNCTION, K.BATCH_JOB),
)
def internet_facing_without_gateway(ctx: ModelContext, comp: Component) -> CheckResult:
    if not ctx.exposed(comp):
        return None
    if comp.authentication in STRONG_AUTH:
        return PASS
    return Hit(
        (),
        ev(internet_facing=comp.internet_facing, authentication=comp.authentication.value, kind=comp.kind.value),
        data_rank=ctx.component_rank(comp),
        exposed=True,
    )


@rule(
    "zt.no-rate-limit-at-entry",
    "component",
    kinds=(K.LOAD_BALANCER, K.API_GATEWAY, K.WEB_FRONTEND, K.SERVICE, K.SERVERLESS_FUNCTION),
)
def no_rate_limit_at_entry(ctx: ModelContext, comp: Component) -> CheckResult:
    if not ctx.exposed(comp):
        return None
    if comp.kind is K.LOAD_BALANCER:
        targets = sorted({ctx.flows[fid].target for fid in ctx.out_flows.get(comp.id, ())})
        if targets and all(any(c.control == "rate-limit" for c in ctx.implemented_controls(t)) for t in targets):
            return PASS
    return Hit((), ev(internet_facing=comp.internet_facing, kind=comp.kind.value, rate_limit="none"), exposed=True)


@rule("zt.identity-not-propagated", "flow", target_kinds=PROPAGATION_TARGETS, requires=TARGET_PER_REQUEST_AUTHZ)
def identity_not_propagated(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    target = f.target
    if target.kind not in PROPAGATION_TARGETS or target.authorization not in PER_REQUEST_AUTHORIZATION:
        return None
    rank = ctx.component_rank(target)
    if rank < 2:
        return None
    if f.source.kind not in USER_FACING and not ctx.exposed(f.source):
        return None
    if f.flow.authentication in END_USER:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, authentication=f.flow.authentication.value, target_authorization=f.target.authorization.value),
        data_rank=rank,
    )


def _meshed_workloads(ctx: ModelContext) -> frozenset[str]:
    """Ids of the app workloads in a mesh, once per context."""
    key = ("meshed_workloads",)
    cached = ctx.memo.get(key)
    if cached is None:
        cached = ctx.memo[key] = frozenset(
            c.id for c in ctx.components.values() if c.kind in APP_KINDS and c.mesh in MESHED
        )
    return cast(frozenset[str], cached)


@rule("zt.workload-outside-mesh", "component", kinds=tuple(APP_KINDS))
def workload_outside_mesh(ctx: ModelContext, comp: Component) -> CheckResult:
    meshed = _meshed_workloads(ctx)
    flows = ctx.flows
    if comp.mesh is not MeshMode.NONE:  # applicable iff it has a meshed peer; complies either way
        for fid in ctx.out_flows.get(comp.id, ()):
            if flows[fid].target in meshed:
                return PASS
        for fid in ctx.in_flows.get(comp.id, ()):
            if flows[fid].source in meshed:
                return PASS
        return None
    meshed_peers = sorted(ctx.neighbours(comp.id) & meshed)
    if not meshed_peers:
        return None
    return Hit((), ev(mesh=comp.mesh.value, meshed_peers=tuple(meshed_peers)), data_rank=ctx.component_rank(comp))


@rule(
    "zt.component-unauthenticated",
    "component",
    kinds=(K.SERVICE, K.SERVERLESS_FUNCTION, K.API_GATEWAY, K.DATASTORE, K.CACHE, K.QUEUE, K.SECRET_STORE),
)
def component_unauthenticated(ctx: ModelContext, comp: Component) -> CheckResult:
    inbound = ctx.in_flows.get(comp.id)
    if not inbound:
        return None
    if comp.authentication is Authentication.UNSPECIFIED:
        # unspecified: the component requires what its callers present; only unauthenticated callers count
        open_callers = sorted(
            {ctx.flows[f].source for f in inbound if ctx.flows[f].authentication in NO_AUTHENTICATION}
        )
        if not open_callers:
            return PASS
        return Hit(
            (),
            ev(authentication="unspecified", unauthenticated_callers=tuple(open_callers)),
            data_rank=ctx.component_rank(comp),
            title="Component reached by unauthenticated flows and its own authentication is not specified",
        )
    if comp.authentication is not Authentication.NONE:
        return PASS
    callers = sorted({ctx.flows[fid].source for fid in inbound})
    return Hit((), ev(authentication="none", callers=tuple(callers)), data_rank=ctx.component_rank(comp))


@rule("zt.static-credential-auth", "flow", source_kinds=frozenset(K) - {K.HUMAN_USER}, fire_requires=STATIC_AUTH)
def static_credential_auth(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.source.kind is K.HUMAN_USER:
        return None
    if f.flow.authentication not in STATIC:
        return PASS
    if f.target_external and f.encryption is not Encryption.NONE:
        # the expected pattern with an external processor: the API key it issues, sent over TLS; the key's risk
        # does not grow with the data the flow carries (that is dp.*'s finding), so it is rated at its defaults
        return Hit(
            (f.source.id, f.target.id),
            flow_evidence(f, authentication=f.flow.authentication.value, pattern="provider-issued key over TLS"),
            title="External processor authenticated with a long-lived API key (over TLS)",
        )
    return Hit(
        (f.source.id, f.target.id), flow_evidence(f, authentication=f.flow.authentication.value), data_rank=f.data_rank
    )


#: Targets that decide per request who may do what (load balancers forward, they do not authorise).
AUTHORIZING_TARGETS = frozenset(APP_KINDS - {K.LOAD_BALANCER}) | BACKING


@rule(
    "zt.flow-authorized-by-location",
    "flow",
    requires=CARRIES_SENSITIVE,
    excludes=TARGET_EXTERNAL | SOURCE_EXTERNAL,
    target_kinds=AUTHORIZING_TARGETS,
    fire_requires=LOCATION_AUTHZ,
)
def flow_authorized_by_location(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    """Sensitive data between our own components, authorised by network location only or not at all (both: a
    rule that fired on ``network`` alone would make ``none`` -> ``network`` lower the score)."""
    if not f.sensitive or f.target_external or f.source_external or f.target.kind not in AUTHORIZING_TARGETS:
        return None
    authorization = f.authorization  # judged: unspecified reads as none
    if authorization not in LOCATION_AUTHORIZATION:
        return PASS
    title = (
        "Flow authorised by network location only"
        if authorization is Authorization.NETWORK
        else "Flow carrying sensitive data without per-request authorization"
    )
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, authorization=f.flow.authorization.value, sensitive_data=f.sensitive),
        data_rank=f.data_rank,
        exposed=f.crosses_network,
        title=title,
    )
