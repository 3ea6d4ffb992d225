"""Visibility rules (``vis.*``): logging, audit trails, traffic the design does not declare."""

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
    OBSERVED,
)
from threatmodel.domain import Component
from threatmodel.vocabulary import Logging, Provenance

#: Kinds that need audit logs even without sensitive data.
AUDIT_ALWAYS = frozenset({K.SECRET_STORE, K.IDENTITY_PROVIDER})


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


@rule("vis.observed-undeclared-flow", "flow", fire_requires=OBSERVED)
def observed_undeclared_flow(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.flow.provenance is not Provenance.OBSERVED:
        return PASS
    return Hit((f.source.id, f.target.id), flow_evidence(f, provenance="observed"), data_rank=f.data_rank)
