"""Data protection rules (``dp.*``): where sensitive data may flow, and whether it is backed up."""

from __future__ import annotations

from assessments.engine.graph import (
    FlowFacts,
    ModelContext,
)
from assessments.engine.registry import PASS, CheckResult, Hit, ev, rule
from assessments.engine.rules.common import (
    NO_AUTHENTICATION,
    OUTSIDE,
    K,
    flow_evidence,
)
from assessments.engine.traits import (
    CARRIES_RESTRICTED,
    CARRIES_SENSITIVE,
    SOURCE_EXTERNAL,
    TARGET_EXTERNAL,
)
from threatmodel.domain import Component
from threatmodel.vocabulary import Encryption, Rating

HIGH_AVAILABILITY = frozenset({Rating.HIGH, Rating.CRITICAL})
#: Telemetry sinks (PII must not reach them).
TELEMETRY_SINKS = frozenset({K.LOGGING, K.ANALYTICS})


@rule("dp.restricted-to-lower-trust", "flow", requires=CARRIES_RESTRICTED)
def restricted_to_lower_trust(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if not f.restricted:
        return None
    if f.trust_drop <= 0 and f.target.kind not in OUTSIDE:
        return PASS
    protected = protected_transfer(f)
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(
            f,
            restricted_data=f.restricted,
            source_trust=f.source_trust,
            target_trust=f.target_trust,
            transfer="encrypted and authenticated" if protected else "unprotected",
        ),
        data_rank=3,
        exposed=f.target_external and not protected,
    )


def protected_transfer(f: FlowFacts) -> bool:
    """The expected pattern of a transfer to a processor: encrypted and authenticated (e.g. TLS + API key).

    It still hands the data over (the finding stays), but it is not *more likely* to leak than any other flow, so
    it is not rated as exposed; a data processing agreement or tokenisation control mitigates it."""
    return f.encryption is not Encryption.NONE and f.flow.authentication not in NO_AUTHENTICATION


@rule("dp.confidential-to-third-party", "flow", requires=TARGET_EXTERNAL, excludes=SOURCE_EXTERNAL)
def confidential_to_third_party(ctx: ModelContext, f: FlowFacts) -> CheckResult:
    if f.source_external or not f.target_external:
        return None
    if not f.sensitive:
        return PASS
    protected = protected_transfer(f)
    return Hit(
        (f.source.id, f.target.id),
        flow_evidence(
            f, sensitive_data=f.sensitive, transfer="encrypted and authenticated" if protected else "unprotected"
        ),
        data_rank=f.data_rank,
        exposed=not protected,
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
