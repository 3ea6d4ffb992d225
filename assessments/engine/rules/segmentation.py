"""Segmentation, exposure, data protection, visibility and model hygiene rules (``seg.*``, ``dp.*``,
``vis.*``, ``hyg.*``)."""

from __future__ import annotations

from collections.abc import Iterator

from assessments.engine.graph import (
    CARRIES_RESTRICTED,
    CARRIES_SENSITIVE,
    SOURCE_EXTERNAL,
    SOURCE_IN_UNTRUSTED_BOUNDARY,
    TARGET_EXTERNAL,
    FlowFacts,
    ModelContext,
)
from assessments.engine.registry import PASS, CheckResult, Hit, ev, rule
from assessments.engine.rules.common import (
    FRONT_KINDS,
    OUTSIDE,
    WORKLOADS,
    K,
    flow_evidence,
)
from threatmodel.domain import Component, DataAsset
from threatmodel.vocabulary import Classification, ComponentKind, Logging, Provenance, Rating

STORAGE_TARGETS = frozenset({K.DATASTORE, K.CACHE, K.SECRET_STORE})
HIGH_AVAILABILITY = frozenset({Rating.HIGH, Rating.CRITICAL})


#: Telemetry sinks (PII must not reach them).
TELEMETRY_SINKS = frozenset({K.LOGGING, K.ANALYTICS})
#: Kinds that need audit logs even without sensitive data.
AUDIT_ALWAYS = frozenset({K.SECRET_STORE, K.IDENTITY_PROVIDER})


# -- segmentation and exposure -----------------------------------------------------------------


@rule("seg.datastore-with-internet-facing", "component", kinds=(K.DATASTORE, K.CACHE, K.QUEUE, K.SECRET_STORE))
def datastore_with_internet_facing(ctx: ModelContext, comp: Component) -> CheckResult:
    if comp.boundary is None:
        return None
    exposed = sorted(m for m in ctx.internet_facing_members(comp.boundary) if m != comp.id)
    if not exposed:
        return PASS
    return Hit(
        (),
        ev(boundary=comp.boundary, internet_facing_neighbours=tuple(exposed)),
        data_rank=ctx.component_rank(comp),
        exposed=True,
        related=tuple(exposed),
    )


@rule("seg.internet-facing-datastore", "component", kinds=(K.DATASTORE, K.CACHE, K.QUEUE, K.SECRET_STORE))
def internet_facing_datastore(ctx: ModelContext, comp: Component) -> CheckResult:
    if not comp.internet_facing:
        return PASS
    return Hit(
        (), ev(internet_facing=True, data_stored=comp.data_stored), data_rank=ctx.component_rank(comp), exposed=True
    )


@rule("seg.flat-model", "model")
def flat_model(ctx: ModelContext) -> Iterator[tuple[str, CheckResult]]:
    comps = ctx.snapshot.components
    if len(comps) < 2:
        return
    placed = {c.boundary for c in comps}
    if len(placed - {None}) >= 2:
        yield "", PASS
        return
    yield (
        "",
        Hit((), ev(boundaries=len(ctx.snapshot.boundaries), components=len(comps), distinct_placements=len(placed))),
    )


@rule("seg.tier-skipping", "flow", source_kinds=FRONT_KINDS, target_kinds=STORAGE_TARGETS)
def tier_skipping(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.source.kind not in FRONT_KINDS or f.target.kind not in STORAGE_TARGETS:
        return None
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, source_kind=f.source.kind.value, target_kind=f.target.kind.value),
        data_rank=max(f.data_rank, ctx.component_rank(f.target)),
        exposed=ctx.exposed(f.source),
    )


@rule("seg.untrusted-to-trusted", "flow", requires=SOURCE_IN_UNTRUSTED_BOUNDARY)
def untrusted_to_trusted(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.source_trust != 0 or f.source.boundary is None:
        return None
    if f.target_trust <= 1:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, source_trust=f.source_trust, target_trust=f.target_trust),
        data_rank=ctx.component_rank(f.target),
        exposed=True,
    )


def _not_isolated(ctx: ModelContext, comp: Component, allowed: frozenset[ComponentKind]) -> CheckResult:
    if comp.boundary is None:
        return None
    others = sorted(m for m in ctx.members.get(comp.boundary, ()) if ctx.components[m].kind not in allowed)
    if not others:
        return PASS
    return Hit((), ev(boundary=comp.boundary, other_components=tuple(others)), data_rank=ctx.component_rank(comp))


@rule("seg.idp-not-isolated", "component", kinds=(K.IDENTITY_PROVIDER,))
def idp_not_isolated(ctx: ModelContext, comp: Component) -> CheckResult:
    return _not_isolated(ctx, comp, frozenset({K.IDENTITY_PROVIDER}))


@rule("seg.vault-not-isolated", "component", kinds=(K.SECRET_STORE,))
def vault_not_isolated(ctx: ModelContext, comp: Component) -> CheckResult:
    return _not_isolated(ctx, comp, frozenset({K.SECRET_STORE}))


@rule("seg.egress-unrestricted", "flow", source_kinds=WORKLOADS, requires=TARGET_EXTERNAL, excludes=SOURCE_EXTERNAL)
def egress_unrestricted(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.source.kind not in WORKLOADS or f.source_external or not f.target_external:
        return None
    return Hit(
        (f.source.id, f.target.id), flow_evidence(f, target_boundary=f.target_boundary or ""), data_rank=f.data_rank
    )


@rule("seg.missing-waf", "component", kinds=(K.WEB_FRONTEND, K.SERVICE, K.API_GATEWAY, K.SERVERLESS_FUNCTION))
def missing_waf(ctx: ModelContext, comp: Component) -> CheckResult:
    if not ctx.exposed(comp):
        return None
    return Hit(
        (), ev(internet_facing=comp.internet_facing, waf="none"), data_rank=ctx.component_rank(comp), exposed=True
    )


# -- data protection -----------------------------------------------------------------------------


@rule("dp.restricted-to-lower-trust", "flow", requires=CARRIES_RESTRICTED)
def restricted_to_lower_trust(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if not f.restricted:
        return None
    if f.trust_drop <= 0 and f.target.kind not in OUTSIDE:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, restricted_data=f.restricted, source_trust=f.source_trust, target_trust=f.target_trust),
        data_rank=3,
        exposed=f.target_external,
    )


@rule("dp.confidential-to-third-party", "flow", requires=TARGET_EXTERNAL, excludes=SOURCE_EXTERNAL)
def confidential_to_third_party(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.source_external or not f.target_external:
        return None
    if not f.sensitive:
        return PASS
    return Hit(
        (f.source.id, f.target.id), flow_evidence(f, sensitive_data=f.sensitive), data_rank=f.data_rank, exposed=True
    )


@rule("dp.pii-to-analytics", "flow", target_kinds=TELEMETRY_SINKS)
def pii_to_analytics(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.target.kind not in TELEMETRY_SINKS:
        return None
    if not f.pii:
        return PASS
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(f, pii_data=f.pii, target_kind=f.target.kind.value),
        data_rank=max(2, f.data_rank),
        exposed=f.target_external,
    )


UNNECESSARY_EXEMPT = frozenset(
    {K.LOAD_BALANCER, K.API_GATEWAY, K.LOGGING, K.ANALYTICS, K.QUEUE, K.EXTERNAL_ENTITY, K.HUMAN_USER}
)


@rule(
    "dp.unnecessary-data-transfer", "flow", target_kinds=frozenset(K) - UNNECESSARY_EXEMPT, requires=CARRIES_SENSITIVE
)
def unnecessary_data_transfer(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if not f.sensitive or f.target.kind in UNNECESSARY_EXEMPT:
        return None
    used = ctx.used_data(f.target)
    if used.issuperset(f.sensitive):
        return PASS
    unneeded = tuple(a for a in f.sensitive if a not in used)
    return Hit((f.source.id, f.target.id), flow_evidence(f, unneeded_data=unneeded), data_rank=ctx.rank_of(unneeded))


@rule("dp.no-backup", "component", kinds=(K.DATASTORE, K.QUEUE, K.SECRET_STORE))
def no_backup(ctx: ModelContext, comp: Component) -> CheckResult:
    critical = tuple(
        a for a in comp.data_stored if a in ctx.data_assets and ctx.data_assets[a].availability in HIGH_AVAILABILITY
    )
    if not critical:
        return None
    return Hit((), ev(backup="none", high_availability_data=critical), data_rank=ctx.rank_of(critical))


# -- visibility ----------------------------------------------------------------------------------


@rule("vis.no-audit-logging", "component")
def no_audit_logging(ctx: ModelContext, comp: Component) -> CheckResult:
    if ctx.is_external(comp):
        return None
    rank = ctx.component_rank(comp)
    if rank < 2 and comp.kind not in AUDIT_ALWAYS:
        return None
    if comp.logging is Logging.AUDIT:
        return PASS
    return Hit(
        (),
        ev(logging=comp.logging.value, data_stored=comp.data_stored, data_processed=comp.data_processed),
        data_rank=rank,
    )


@rule("vis.no-logging", "component")
def no_logging(ctx: ModelContext, comp: Component) -> CheckResult:
    if ctx.is_external(comp):
        return None
    if comp.logging is not Logging.NONE:
        return PASS
    return Hit((), ev(logging="none"), data_rank=ctx.component_rank(comp))


@rule("vis.observed-undeclared-flow", "flow")
def observed_undeclared_flow(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.flow.provenance is not Provenance.OBSERVED:
        return PASS
    return Hit((f.source.id, f.target.id), flow_evidence(f, provenance="observed"), data_rank=f.data_rank)


# -- model hygiene -------------------------------------------------------------------------------


@rule("hyg.unconnected-element", "component")
def unconnected_element(ctx: ModelContext, comp: Component) -> CheckResult:
    if ctx.in_flows.get(comp.id) or ctx.out_flows.get(comp.id):
        return PASS
    return Hit((), ev(incoming_flows=0, outgoing_flows=0))


@rule("hyg.unclassified-data", "data_asset")
def unclassified_data(ctx: ModelContext, asset: DataAsset) -> CheckResult:
    if asset.classification is not Classification.UNCLASSIFIED:
        return PASS
    return Hit((), ev(classification="unclassified", pii=asset.pii, credentials=asset.credentials))


@rule("hyg.flow-unknown-assets", "flow")
def flow_unknown_assets(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.flow.data_assets:
        return PASS
    return Hit((f.source.id, f.target.id), flow_evidence(f))


@rule("hyg.component-outside-boundary", "component")
def component_outside_boundary(ctx: ModelContext, comp: Component) -> CheckResult:
    if not ctx.boundaries:
        return None
    if comp.boundary is not None:
        return PASS
    return Hit((), ev(boundary=None))


@rule("hyg.unused-data-asset", "data_asset")
def unused_data_asset(ctx: ModelContext, asset: DataAsset) -> CheckResult:
    if ctx.asset_usage.get(asset.id, 0) > 0:
        return PASS
    return Hit((), ev(stored_by=(), processed_by=(), carried_by=(), granted=()))


@rule("hyg.storage-without-data", "component", kinds=(K.DATASTORE, K.CACHE, K.QUEUE, K.SECRET_STORE))
def storage_without_data(ctx: ModelContext, comp: Component) -> CheckResult:
    if comp.data_stored:
        return PASS
    return Hit((), ev(data_stored=()))
