"""Segmentation and exposure rules (``seg.*``): tiers, trust zones, isolation of sensitive services, egress."""

from __future__ import annotations

from collections.abc import Iterator

from assessments.engine.graph import (
    FlowFacts,
    ModelContext,
)
from assessments.engine.registry import PASS, CheckResult, Hit, ev, rule
from assessments.engine.rules.common import (
    FRONT_KINDS,
    WORKLOADS,
    K,
    flow_evidence,
)
from assessments.engine.traits import (
    SOURCE_EXTERNAL,
    SOURCE_IN_UNTRUSTED_BOUNDARY,
    TARGET_EXTERNAL,
)
from threatmodel.domain import Component
from threatmodel.vocabulary import ComponentKind

STORAGE_TARGETS = frozenset({K.DATASTORE, K.CACHE, K.SECRET_STORE})


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
