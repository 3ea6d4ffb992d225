"""Model hygiene rules (``hyg.*``): a model complete enough for the other rules to judge it."""

from __future__ import annotations

from assessments.engine.graph import (
    FlowFacts,
    ModelContext,
)
from assessments.engine.registry import PASS, CheckResult, Hit, ev, rule
from assessments.engine.rules.common import (
    K,
    flow_evidence,
)
from assessments.engine.traits import (
    NO_DATA,
)
from threatmodel.domain import Component, DataAsset
from threatmodel.vocabulary import Classification


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


@rule("hyg.flow-unknown-assets", "flow", fire_requires=NO_DATA)
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
