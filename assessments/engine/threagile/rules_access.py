"""Threagile rules about who may reach an asset: authentication, identity propagation, guards and deployment."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from assessments.engine.threagile import kinds
from assessments.engine.threagile.context import (
    CONFIDENTIAL,
    CRITICAL,
    HIGH,
    IMPORTANT,
    IMPROBABLE,
    INTERNAL,
    LIKELY,
    LOW,
    MEDIUM,
    MISSION_CRITICAL,
    OPERATIONAL,
    POSSIBLE,
    RESTRICTED,
    STRICTLY_CONFIDENTIAL,
    UNLIKELY,
    VERY_LIKELY,
    Context,
    Risk,
    sensitive,
    very_sensitive,
)
from assessments.engine.threagile.risk import make_risk
from threatmodel.interchange.threagile.model import CommunicationLink, TechnicalAsset

_NO_AUTH_CHECK = frozenset({"load-balancer", "reverse-proxy", "service-registry", "waf", "ids", "ips"})


def _auth_risk(
    ctx: Context,
    category: str,
    target: TechnicalAsset,
    link: CommunicationLink,
    origin: CommunicationLink,
    hop: str,
    impact: int,
    likelihood: int,
) -> Risk:
    factor = "Two-Factor " if category == "missing-authentication-second-factor" else ""
    via = f"forwarded via <b>{hop}</b> " if hop else ""
    synthetic_id = f"{category}@{link.id}@{ctx.assets[link.source_id].id}@{target.id}"
    return make_risk(
        category,
        likelihood,
        impact,
        f"<b>Missing {factor}Authentication</b> covering communication link <b>{link.title}</b> "
        f"from <b>{ctx.assets[origin.source_id].title}</b> {via}to <b>{target.title}</b>",
        synthetic_id,
        asset=target.id,
        link=link.id,
        breach=POSSIBLE,
        breach_assets=(target.id,),
    )


def _needs_auth(ctx: Context, asset: TechnicalAsset) -> bool:
    return sensitive(*ctx.highest(asset)) or asset.multi_tenant


def _skipped_caller(caller: TechnicalAsset) -> bool:
    return kinds.has(caller, kinds.UNPROTECTED_COMMS_TOLERATED) or caller.type == "datastore"


def missing_authentication(ctx: Context) -> list[Risk]:
    out = []
    for target in ctx.sorted_assets:
        if target.out_of_scope or kinds.has(target, _NO_AUTH_CHECK) or not _needs_auth(ctx, target):
            continue
        for link in ctx.incoming.get(target.id, ()):
            if _skipped_caller(ctx.assets[link.source_id]):
                continue
            c, i, _ = ctx.link_highest(link)
            impact = MEDIUM
            if c == STRICTLY_CONFIDENTIAL or i == MISSION_CRITICAL:
                impact = HIGH
            elif c <= INTERNAL and i == OPERATIONAL:
                impact = LOW
            if link.authentication == "none" and link.protocol not in kinds.PROCESS_LOCAL:
                out.append(_auth_risk(ctx, "missing-authentication", target, link, link, "", impact, LIKELY))
    return out


def _needs_second_factor(ctx: Context, link: CommunicationLink) -> bool:
    c, i, _ = ctx.link_highest(link)
    return (c >= CONFIDENTIAL or i >= CRITICAL) and link.authentication != "two-factor"


def missing_authentication_second_factor(ctx: Context) -> list[Risk]:
    category = "missing-authentication-second-factor"
    out: list[tuple[Risk, str]] = []  # with the link the human caller used
    for target in ctx.sorted_assets:
        if target.out_of_scope or kinds.has(target, kinds.TRAFFIC_FORWARDING):
            continue
        if kinds.has(target, kinds.UNPROTECTED_COMMS_TOLERATED) or not _needs_auth(ctx, target):
            continue
        for link in ctx.incoming.get(target.id, ()):
            caller = ctx.assets[link.source_id]
            if _skipped_caller(caller):
                continue
            if caller.used_as_client_by_human:
                if _needs_second_factor(ctx, link):
                    out.append((_auth_risk(ctx, category, target, link, link, "", MEDIUM, UNLIKELY), link.id))
            elif kinds.has(caller, kinds.TRAFFIC_FORWARDING):
                for origin in ctx.incoming.get(caller.id, ()):
                    human = ctx.assets[origin.source_id]
                    if (
                        not _skipped_caller(human)
                        and human.used_as_client_by_human
                        and _needs_second_factor(ctx, origin)
                    ):
                        risk = _auth_risk(ctx, category, target, link, origin, caller.title, MEDIUM, UNLIKELY)
                        out.append((risk, origin.id))
    return _unique_ids(ctx, out)


def _unique_ids(ctx: Context, risks: list[tuple[Risk, str]]) -> list[Risk]:
    """Threagile gives several risks one id (one per human caller behind a forwarder, one per deployment target
    of a pipeline); the fixed mode appends the distinguishing link id to those ids only, so unique ids keep the
    upstream form and the tracking entries written for them."""
    if not ctx.fixed:
        return [risk for risk, _ in risks]
    counts = Counter(risk.synthetic_id for risk, _ in risks)
    return [
        replace(risk, synthetic_id=f"{risk.synthetic_id}@{suffix}") if counts[risk.synthetic_id] > 1 else risk
        for risk, suffix in risks
    ]


def missing_identity_propagation(ctx: Context) -> list[Risk]:
    out = []
    for target in ctx.sorted_assets:
        if target.out_of_scope or not kinds.has(target, kinds.PROCESSES_END_USER_REQUESTS):
            continue
        own = (target.confidentiality, target.integrity, target.availability)
        multi_tenant_relevant = target.multi_tenant and (
            target.confidentiality >= RESTRICTED or target.integrity >= IMPORTANT or target.availability >= IMPORTANT
        )
        if not (sensitive(*own) or multi_tenant_relevant):
            continue
        for link in ctx.incoming.get(target.id, ()):
            caller = ctx.assets[link.source_id]
            if not kinds.has(caller, kinds.PROPAGATES_IDENTITY) or caller.type == "datastore":
                continue
            if link.authentication == "none" or link.authorization == "end-user-identity-propagation":
                continue
            if link.usage == "devops" and link.authorization != "none":
                continue
            out.append(
                make_risk(
                    "missing-identity-propagation",
                    UNLIKELY,
                    MEDIUM if very_sensitive(*own) else LOW,
                    f"<b>Missing Enduser Identity Propagation</b> over communication link <b>{link.title}</b> "
                    f"from <b>{caller.title}</b> to <b>{target.title}</b>",
                    f"missing-identity-propagation@{link.id}@{caller.id}@{target.id}",
                    asset=target.id,
                    link=link.id,
                    breach=IMPROBABLE,
                    breach_assets=(target.id,),
                )
            )
    return out


def _dos_risk(ctx: Context, target: TechnicalAsset, link: CommunicationLink, hop: str) -> Risk | None:
    if not ctx.crosses_network_boundary(link) or link.protocol in kinds.PROCESS_LOCAL or link.usage == "devops":
        return None
    more = target.availability == MISSION_CRITICAL and not link.vpn and not link.ip_filtered and not target.redundant
    client = ctx.assets[link.source_id]
    via = f" forwarded via <b>{hop}</b>" if hop else ""
    return make_risk(
        "dos-risky-access-across-trust-boundary",
        UNLIKELY,
        MEDIUM if more else LOW,
        f"<b>Denial-of-Service</b> risky access of <b>{target.title}</b> by <b>{client.title}</b> "
        f"via <b>{link.title}</b>{via}",
        f"dos-risky-access-across-trust-boundary@{target.id}@{client.id}@{link.id}",
        asset=target.id,
        link=link.id,
        breach=IMPROBABLE,
    )


def dos_risky_access_across_trust_boundary(ctx: Context) -> list[Risk]:
    out = []
    for target in ctx.sorted_assets:
        if target.out_of_scope or kinds.has(target, "load-balancer") or target.availability < CRITICAL:
            continue
        for link in ctx.incoming.get(target.id, ()):
            source = ctx.assets[link.source_id]
            if kinds.has(source, kinds.TRAFFIC_FORWARDING):
                candidates = [(origin, source.title) for origin in ctx.incoming.get(source.id, ())]
            else:
                candidates = [(link, "")]
            for candidate, hop in candidates:
                risk = _dos_risk(ctx, target, candidate, hop)
                if risk is not None:
                    out.append(risk)
    return out


def missing_waf(ctx: Context) -> list[Risk]:
    out = []
    for asset in ctx.sorted_assets:
        if asset.out_of_scope or not kinds.has(asset, kinds.WEB_APPLICATION | kinds.WEB_SERVICE):
            continue
        unguarded = any(
            ctx.crosses_network_boundary(link)
            and link.protocol in kinds.WEB_ACCESS
            and not kinds.has(ctx.assets[link.source_id], "waf")
            for link in ctx.incoming.get(asset.id, ())
        )
        if unguarded:
            out.append(
                make_risk(
                    "missing-waf",
                    UNLIKELY,
                    MEDIUM if very_sensitive(*ctx.highest(asset)) else LOW,
                    f"<b>Missing Web Application Firewall (WAF)</b> risk at <b>{asset.title}</b>",
                    f"missing-waf@{asset.id}",
                    asset=asset.id,
                    breach=IMPROBABLE,
                    breach_assets=(asset.id,),
                )
            )
    return out


def push_instead_of_pull_deployment(ctx: Context) -> list[Risk]:
    """Threagile keeps one impact variable across all pipelines and targets (once medium, every later target is
    medium, in Go's random map order; here: document order) and ids each risk by the pipeline alone."""
    out: list[tuple[Risk, str]] = []
    impact = LOW
    for pipeline in ctx.model.technical_assets:
        if not kinds.has(pipeline, "build-pipeline"):
            continue
        for link in pipeline.communication_links:
            target = ctx.assets[link.target_id]
            if link.readonly or link.usage != "devops" or target.out_of_scope:
                continue
            if kinds.has(target, kinds.DEVELOPMENT_RELEVANT) or target.usage != "business":
                continue
            if ctx.fixed:
                impact = LOW
            if sensitive(*ctx.highest(target)):
                impact = MEDIUM
            risk = make_risk(
                "push-instead-of-pull-deployment",
                UNLIKELY,
                impact,
                f"<b>Push instead of Pull Deployment</b> at <b>{target.title}</b> via build pipeline asset "
                f"<b>{pipeline.title}</b>",
                f"push-instead-of-pull-deployment@{pipeline.id}",
                asset=target.id,
                link=link.id,
                breach=IMPROBABLE,
                breach_assets=(target.id,),
            )
            out.append((risk, link.id))
    return _unique_ids(ctx, out)


_WEB_FRONT = frozenset({"web-server", "web-application", "reverse-proxy", "waf", "gateway"})


def _guarded_entry(target: TechnicalAsset, link: CommunicationLink) -> bool:
    """Off-the-shelf front doors serving plain web (or, for gateways, file transfer) are expected on the internet."""
    if target.custom_developed_parts:
        return False
    if kinds.has(target, _WEB_FRONT) and link.protocol in ("http", "https"):
        return True
    return kinds.has(target, "gateway") and link.protocol in ("ftp", "ftps", "sftp")


def unguarded_access_from_internet(ctx: Context) -> list[Risk]:
    out = []
    for target in ctx.sorted_assets:
        if target.out_of_scope or kinds.has(target, "load-balancer"):
            continue
        if not (target.confidentiality >= CONFIDENTIAL or target.integrity >= CRITICAL):
            continue
        for link in ctx.incoming.get(target.id, ()):
            source = ctx.assets[link.source_id]
            if _guarded_entry(target, link) or kinds.has(source, "monitoring") or link.vpn or not source.internet:
                continue
            more = target.confidentiality == STRICTLY_CONFIDENTIAL or target.integrity == MISSION_CRITICAL
            out.append(
                make_risk(
                    "unguarded-access-from-internet",
                    VERY_LIKELY,
                    MEDIUM if more or ctx.raa[target.id] > 40 else LOW,
                    f"<b>Unguarded Access from Internet</b> of <b>{target.title}</b> by <b>{source.title}</b> "
                    f"via <b>{link.title}</b>",
                    f"unguarded-access-from-internet@{target.id}@{source.id}@{link.id}",
                    asset=target.id,
                    link=link.id,
                    breach=POSSIBLE,
                    breach_assets=(target.id,),
                )
            )
    return out


def unguarded_direct_datastore_access(ctx: Context) -> list[Risk]:
    out = []
    for target in ctx.sorted_assets:
        if target.out_of_scope or target.type != "datastore":
            continue
        if not (target.confidentiality >= CONFIDENTIAL or target.integrity >= CRITICAL):
            continue
        for link in ctx.incoming.get(target.id, ()):
            source = ctx.assets[link.source_id]
            if kinds.has(target, kinds.IDENTITY_STORE) and kinds.has(source, "identity-provider"):
                continue
            file_transfer = kinds.has(target, "file-server") and link.protocol in ("ftp", "ftps", "sftp")
            if not ctx.crosses_network_boundary(link) or file_transfer or link.usage == "devops":
                continue
            if ctx.share_parent_boundary(target, source):
                continue
            more = target.confidentiality == STRICTLY_CONFIDENTIAL or target.integrity == MISSION_CRITICAL
            out.append(
                make_risk(
                    "unguarded-direct-datastore-access",
                    LIKELY,
                    MEDIUM if more or ctx.raa[target.id] > 40 else LOW,
                    f"<b>Unguarded Direct Datastore Access</b> of <b>{target.title}</b> by <b>{source.title}</b> "
                    f"via <b>{link.title}</b>",
                    f"unguarded-direct-datastore-access@{link.id}@{source.id}@{target.id}",
                    asset=target.id,
                    link=link.id,
                    breach=IMPROBABLE,
                    breach_assets=(target.id,),
                )
            )
    return out


RULES = {
    "dos-risky-access-across-trust-boundary": dos_risky_access_across_trust_boundary,
    "missing-authentication": missing_authentication,
    "missing-authentication-second-factor": missing_authentication_second_factor,
    "missing-identity-propagation": missing_identity_propagation,
    "missing-waf": missing_waf,
    "push-instead-of-pull-deployment": push_instead_of_pull_deployment,
    "unguarded-access-from-internet": unguarded_access_from_internet,
    "unguarded-direct-datastore-access": unguarded_direct_datastore_access,
}
