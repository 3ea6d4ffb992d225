"""Threagile rules that look at communication links: injection, forgery, encryption and link hygiene."""

from __future__ import annotations

from assessments.engine.threagile import kinds
from assessments.engine.threagile.context import (
    CONFIDENTIAL,
    CRITICAL,
    HIGH,
    IMPROBABLE,
    INTERNAL,
    LIKELY,
    LOW,
    MEDIUM,
    MISSION_CRITICAL,
    OPERATIONAL,
    POSSIBLE,
    PROBABLE,
    STRICTLY_CONFIDENTIAL,
    UNLIKELY,
    VERY_LIKELY,
    Context,
    Risk,
)
from assessments.engine.threagile.risk import make_risk
from threatmodel.interchange.threagile.model import CommunicationLink, TechnicalAsset


def _callers(ctx: Context, target: TechnicalAsset) -> list[tuple[CommunicationLink, TechnicalAsset]]:
    """In-scope callers of the target with their links."""
    return [
        (link, ctx.assets[link.source_id])
        for link in ctx.incoming.get(target.id, ())
        if not ctx.assets[link.source_id].out_of_scope
    ]


def _injection(
    ctx: Context,
    category: str,
    label: str,
    against: str,
    target: TechnicalAsset,
    link: CommunicationLink,
    likelihood: int,
    impact: int,
) -> Risk:
    caller = ctx.assets[link.source_id]
    return make_risk(
        category,
        likelihood,
        impact,
        f"<b>{label}</b> risk at <b>{caller.title}</b> against {against} <b>{target.title}</b> via <b>{link.title}</b>",
        f"{category}@{caller.id}@{target.id}@{link.id}",
        asset=caller.id,
        link=link.id,
        breach=PROBABLE,
        breach_assets=(target.id,),
    )


def _injection_impact(ctx: Context, target: TechnicalAsset) -> int:
    c, i, _ = ctx.highest(target)
    return HIGH if c == STRICTLY_CONFIDENTIAL or i == MISSION_CRITICAL else MEDIUM


def ldap_injection(ctx: Context) -> list[Risk]:
    out = []
    for target in ctx.sorted_assets:
        for link, _ in _callers(ctx, target):
            if link.protocol in ("ldap", "ldaps"):
                likelihood = UNLIKELY if link.usage == "devops" else LIKELY
                impact = _injection_impact(ctx, target)
                out.append(
                    _injection(ctx, "ldap-injection", "LDAP-Injection", "LDAP server", target, link, likelihood, impact)
                )
    return out


def path_traversal(ctx: Context) -> list[Risk]:
    out = []
    for target in ctx.sorted_assets:
        if not kinds.has(target, frozenset({"file-server", "local-file-system"})):
            continue
        for link, _ in _callers(ctx, target):
            likelihood = LIKELY if link.usage == "devops" else VERY_LIKELY
            impact = _injection_impact(ctx, target)
            out.append(
                _injection(ctx, "path-traversal", "Path-Traversal", "filesystem", target, link, likelihood, impact)
            )
    return out


_SEARCH_PROTOCOLS = frozenset({"http", "https", "binary", "binary-encrypted"})


def search_query_injection(ctx: Context) -> list[Risk]:
    out = []
    for target in ctx.sorted_assets:
        if not kinds.has(target, frozenset({"search-engine", "search-index"})):
            continue
        for link, _ in _callers(ctx, target):
            if link.protocol not in _SEARCH_PROTOCOLS:
                continue
            likelihood = LIKELY if link.usage == "devops" else VERY_LIKELY
            c, i, _ = ctx.highest(target)
            impact = MEDIUM
            if c == STRICTLY_CONFIDENTIAL or i == MISSION_CRITICAL:
                impact = HIGH
            elif c <= INTERNAL and i == OPERATIONAL:
                impact = LOW
            out.append(
                _injection(
                    ctx,
                    "search-query-injection",
                    "Search Query Injection",
                    "search engine server",
                    target,
                    link,
                    likelihood,
                    impact,
                )
            )
    return out


def sql_nosql_injection(ctx: Context) -> list[Risk]:
    out = []
    for target in ctx.sorted_assets:
        is_database = kinds.has(target, frozenset({"database", "identity-store-database"}))
        for link, _ in _callers(ctx, target):
            lax = link.protocol in kinds.DATABASE_LAX and is_database
            if lax or link.protocol in kinds.DATABASE_STRICT:
                likelihood = LIKELY if link.usage == "devops" else VERY_LIKELY
                impact = _injection_impact(ctx, target)
                out.append(
                    _injection(
                        ctx, "sql-nosql-injection", "SQL/NoSQL-Injection", "database", target, link, likelihood, impact
                    )
                )
    return out


def cross_site_request_forgery(ctx: Context) -> list[Risk]:
    out = []
    for asset in ctx.sorted_assets:
        if asset.out_of_scope or not kinds.has(asset, kinds.WEB_APPLICATION):
            continue
        for link in ctx.incoming.get(asset.id, ()):
            if link.protocol not in kinds.WEB_ACCESS:
                continue
            likelihood = LIKELY if link.usage == "devops" else VERY_LIKELY
            impact = MEDIUM if ctx.link_highest(link)[1] == MISSION_CRITICAL else LOW
            source = ctx.assets[link.source_id]
            out.append(
                make_risk(
                    "cross-site-request-forgery",
                    likelihood,
                    impact,
                    f"<b>Cross-Site Request Forgery (CSRF)</b> risk at <b>{asset.title}</b> via <b>{link.title}</b> "
                    f"from <b>{source.title}</b>",
                    f"cross-site-request-forgery@{asset.id}@{link.id}",
                    asset=asset.id,
                    link=link.id,
                    breach=IMPROBABLE,
                    breach_assets=(asset.id,),
                )
            )
    return out


def server_side_request_forgery(ctx: Context) -> list[Risk]:
    out = []
    for asset in ctx.sorted_assets:
        if asset.out_of_scope or kinds.has(asset, kinds.CLIENT) or kinds.has(asset, "load-balancer"):
            continue
        for link in asset.communication_links:
            if link.protocol in kinds.WEB_ACCESS:
                out.append(_ssrf_risk(ctx, asset, link))
    return out


def _web_reachable_by_segment(ctx: Context) -> dict[str, list[tuple[str, int]]]:
    """Per network segment: the assets with an incoming web link, with their highest confidentiality."""
    cached: dict[str, list[tuple[str, int]]] | None = getattr(ctx, "_ssrf_segments", None)
    if cached is not None:
        return cached
    segments: dict[str, list[tuple[str, int]]] = {}
    for candidate in ctx.model.technical_assets:
        if any(link.protocol in kinds.WEB_ACCESS for link in ctx.incoming.get(candidate.id, ())):
            segment = ctx.network_boundary_of(candidate.id).id
            segments.setdefault(segment, []).append((candidate.id, ctx.highest(candidate)[0]))
    ctx._ssrf_segments = segments  # type: ignore[attr-defined]
    return segments


def _ssrf_risk(ctx: Context, asset: TechnicalAsset, link: CommunicationLink) -> Risk:
    target = ctx.assets[link.target_id]
    impact = MEDIUM if ctx.highest(target)[0] == STRICTLY_CONFIDENTIAL else LOW
    breach = {asset.id}
    for candidate_id, confidentiality in _web_reachable_by_segment(ctx).get(ctx.network_boundary_of(asset.id).id, ()):
        breach.add(candidate_id)
        if confidentiality == STRICTLY_CONFIDENTIAL:
            impact = MEDIUM
    if impact == LOW and ctx.boundary_of(asset.id).type in ("network-cloud-provider", "network-cloud-security-group"):
        impact = MEDIUM
    return make_risk(
        "server-side-request-forgery",
        UNLIKELY if link.usage == "devops" else LIKELY,
        impact,
        f"<b>Server-Side Request Forgery (SSRF)</b> risk at <b>{asset.title}</b> server-side web-requesting "
        f"the target <b>{target.title}</b> via <b>{link.title}</b>",
        f"server-side-request-forgery@{asset.id}@{target.id}@{link.id}",
        asset=asset.id,
        link=link.id,
        breach=POSSIBLE,
        breach_assets=tuple(sorted(breach)),
    )


def _high_sensitivity(ctx: Context, data_id: str) -> bool:
    d = ctx.data[data_id]
    return d.confidentiality == STRICTLY_CONFIDENTIAL or d.integrity == MISSION_CRITICAL


def _medium_sensitivity(ctx: Context, data_id: str) -> bool:
    d = ctx.data[data_id]
    return d.confidentiality == CONFIDENTIAL or d.integrity == CRITICAL


def _unencrypted_rating(ctx: Context, link: CommunicationLink) -> bool | None:
    """True: high impact, False: medium impact, None: no risk (sent data first, then received data)."""
    auth_data = link.authentication != "none"
    for data_ids in (link.data_assets_sent, link.data_assets_received):
        for data_id in data_ids:
            if _high_sensitivity(ctx, data_id) or auth_data:
                return True
            if not link.vpn and _medium_sensitivity(ctx, data_id):
                return False
    return None


def unencrypted_communication(ctx: Context) -> list[Risk]:
    out = []
    for asset in ctx.model.technical_assets:
        for link in asset.communication_links:
            target = ctx.assets[link.target_id]
            # Threagile tests the link's own source twice here, so links from out-of-scope assets are never checked.
            in_scope = not target.out_of_scope or not asset.out_of_scope if ctx.fixed else not asset.out_of_scope
            if not in_scope or link.protocol in kinds.ENCRYPTED or link.protocol in kinds.PROCESS_LOCAL:
                continue
            if kinds.has(asset, kinds.UNPROTECTED_COMMS_TOLERATED) or kinds.has(
                target, kinds.UNPROTECTED_COMMS_TOLERATED
            ):
                continue
            rating = _unencrypted_rating(ctx, link)
            if rating is None:
                continue
            title = (
                f"<b>Unencrypted Communication</b> named <b>{link.title}</b> between <b>{asset.title}</b> "
                f"and <b>{target.title}</b>"
            )
            if link.authentication != "none":
                title += " transferring authentication data (like credentials, token, session-id, etc.)"
            if link.vpn:
                title += (
                    " (even VPN-protected connections need to encrypt their data in-transit when confidentiality is "
                    "rated strictly-confidential or integrity is rated mission-critical)"
                )
            out.append(
                make_risk(
                    "unencrypted-communication",
                    LIKELY if ctx.crosses_network_boundary(link) else UNLIKELY,
                    HIGH if rating else MEDIUM,
                    title,
                    f"unencrypted-communication@{link.id}@{asset.id}@{target.id}",
                    asset=asset.id,
                    link=link.id,
                    breach=POSSIBLE,
                    breach_assets=(target.id,),
                )
            )
    return out


def unnecessary_communication_link(ctx: Context) -> list[Risk]:
    out = []
    for asset in ctx.sorted_assets:
        for link in asset.communication_links:
            if link.data_assets_sent or link.data_assets_received:
                continue
            if not asset.out_of_scope or not ctx.assets[link.target_id].out_of_scope:
                out.append(
                    make_risk(
                        "unnecessary-communication-link",
                        UNLIKELY,
                        LOW,
                        f"<b>Unnecessary Communication Link</b> titled <b>{link.title}</b> "
                        f"at technical asset <b>{asset.title}</b>",
                        f"unnecessary-communication-link@{link.id}@{asset.id}",
                        asset=asset.id,
                        link=link.id,
                        breach=IMPROBABLE,
                        breach_assets=(asset.id,),
                    )
                )
    return out


def unnecessary_data_transfer(ctx: Context) -> list[Risk]:
    out: dict[str, Risk] = {}
    for asset in ctx.sorted_assets:
        if asset.out_of_scope:
            continue
        for link in asset.communication_links:
            if not kinds.has(ctx.assets[link.target_id], kinds.UNNECESSARY_DATA_TOLERATED):
                _transfer_risks(ctx, out, asset, link, ctx.assets[link.target_id])
        for link in sorted(ctx.incoming.get(asset.id, ()), key=lambda item: item.id, reverse=True):
            if not kinds.has(ctx.assets[link.source_id], kinds.UNNECESSARY_DATA_TOLERATED):
                _transfer_risks(ctx, out, asset, link, ctx.assets[link.source_id])
    return list(out.values())


def _transfer_risks(
    ctx: Context, out: dict[str, Risk], asset: TechnicalAsset, link: CommunicationLink, partner: TechnicalAsset
) -> None:
    for data_id in (*link.data_assets_sent, *link.data_assets_received):
        if ctx.processes_or_stores(asset, data_id):
            continue
        d = ctx.data[data_id]
        if not (d.confidentiality >= CONFIDENTIAL or d.integrity >= CRITICAL):
            continue
        synthetic_id = f"unnecessary-data-transfer@{d.id}@{asset.id}@{partner.id}"
        if synthetic_id in out:
            continue
        very = d.confidentiality == STRICTLY_CONFIDENTIAL or d.integrity == MISSION_CRITICAL
        out[synthetic_id] = make_risk(
            "unnecessary-data-transfer",
            UNLIKELY,
            MEDIUM if very else LOW,
            f"<b>Unnecessary Data Transfer</b> of <b>{d.title}</b> data at <b>{asset.title}</b> "
            f"from/to <b>{partner.title}</b>",
            synthetic_id,
            asset=asset.id,
            data_asset=d.id,
            breach=IMPROBABLE,
            breach_assets=(asset.id,),
        )


_READONLY_MISMATCH = "(data assets sent/received not matching the communication link's readonly flag)"


def _link_content_reasons(ctx: Context, link: CommunicationLink) -> list[str]:
    target = ctx.assets[link.target_id]
    reasons = []
    if (link.readonly and not link.data_assets_received) or (not link.readonly and not link.data_assets_sent):
        reasons.append(_READONLY_MISMATCH)
    expectations = (
        ("in-process-library-call", "technology", target.technology, "library"),
        ("local-file-access", "technology", target.technology, "local-file-system"),
        ("container-spawning", "machine", target.machine, "container"),
    )
    for protocol, what, actual, expected in expectations:
        if (
            link.protocol == protocol
            and actual != expected
            and not (what == "technology" and expected in target.technologies)
        ):
            reasons.append(
                f'(protocol type "{protocol}" does not match target {what} type "{actual}": expected "{expected}")'
            )
    return reasons


def wrong_communication_link_content(ctx: Context) -> list[Risk]:
    out = []
    for asset in ctx.model.technical_assets:
        for link in asset.communication_links:
            for reason in _link_content_reasons(ctx, link):
                out.append(
                    make_risk(
                        "wrong-communication-link-content",
                        UNLIKELY,
                        LOW,
                        f"<b>Wrong Communication Link Content</b> {reason} at <b>{asset.title}</b> "
                        f"regarding communication link <b>{link.title}</b>",
                        f"wrong-communication-link-content@{asset.id}@{link.id}",
                        asset=asset.id,
                        link=link.id,
                        breach=IMPROBABLE,
                    )
                )
    return out


RULES = {
    "cross-site-request-forgery": cross_site_request_forgery,
    "ldap-injection": ldap_injection,
    "path-traversal": path_traversal,
    "search-query-injection": search_query_injection,
    "server-side-request-forgery": server_side_request_forgery,
    "sql-nosql-injection": sql_nosql_injection,
    "unencrypted-communication": unencrypted_communication,
    "unnecessary-communication-link": unnecessary_communication_link,
    "unnecessary-data-transfer": unnecessary_data_transfer,
    "wrong-communication-link-content": wrong_communication_link_content,
}
