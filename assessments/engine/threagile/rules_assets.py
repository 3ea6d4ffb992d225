"""Threagile rules that look at one technical asset at a time (ids, ratings and titles as Threagile makes them)."""

from __future__ import annotations

from assessments.engine.threagile import kinds
from assessments.engine.threagile.context import (
    CONFIDENTIAL,
    CRITICAL,
    HIGH,
    IMPORTANT,
    IMPROBABLE,
    LIKELY,
    LOW,
    MEDIUM,
    MISSION_CRITICAL,
    POSSIBLE,
    PROBABLE,
    STRICTLY_CONFIDENTIAL,
    UNLIKELY,
    VERY_HIGH,
    VERY_LIKELY,
    Context,
    Risk,
    sensitive,
    tagged,
    very_sensitive,
)
from assessments.engine.threagile.risk import make_risk
from threatmodel.interchange.threagile.model import TechnicalAsset


def _in_scope(ctx: Context) -> list[TechnicalAsset]:
    return [asset for asset in ctx.sorted_assets if not asset.out_of_scope]


def _asset_risk(category: str, asset: TechnicalAsset, likelihood: int, impact: int, title: str, breach: int) -> Risk:
    return make_risk(
        category,
        likelihood,
        impact,
        title,
        f"{category}@{asset.id}",
        asset=asset.id,
        breach=breach,
        breach_assets=(asset.id,),
    )


def accidental_secret_leak(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        if not kinds.has(asset, frozenset({"sourcecode-repository", "artifact-registry"})):
            continue
        title = f"<b>Accidental Secret Leak</b> risk at <b>{asset.title}</b>"
        if tagged(asset.tags, ("git",)):
            title = f"<b>Accidental Secret Leak (Git)</b> risk at <b>{asset.title}</b>: <u>Git Leak Prevention</u>"
        c, i, a = ctx.highest(asset)
        impact = MEDIUM if sensitive(c, i, a) else LOW
        if very_sensitive(c, i, a):
            impact = HIGH
        out.append(_asset_risk("accidental-secret-leak", asset, UNLIKELY, impact, title, PROBABLE))
    return out


def _deployment_targets(ctx: Context, asset: TechnicalAsset, raise_impact: bool) -> tuple[list[str], bool]:
    """Assets the asset deploys code to (devops links sending data of important or higher integrity)."""
    targets = [asset.id]
    sensitive_target = False
    for link in asset.communication_links:
        if link.usage != "devops":
            continue
        for d_id in link.data_assets_sent:
            if ctx.data[d_id].integrity >= IMPORTANT:
                if link.target_id not in targets:
                    targets.append(link.target_id)
                if raise_impact and sensitive(*ctx.highest(ctx.assets[link.target_id])):
                    sensitive_target = True
                break
    return sorted(targets), sensitive_target


def code_backdooring(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        if not kinds.has(asset, kinds.DEVELOPMENT_RELEVANT):
            continue
        exposed = asset.internet or any(
            (not link.vpn and ctx.assets[link.source_id].internet) or ctx.assets[link.source_id].out_of_scope
            for link in ctx.incoming.get(asset.id, ())
        )
        if not exposed:
            continue
        impact = LOW
        if not kinds.has(asset, "code-inspection-platform"):
            impact = MEDIUM  # the risk is only raised for exposed assets, so "elevated" always holds
            c, i, _ = ctx.highest(asset)
            if c >= CONFIDENTIAL or i >= CRITICAL:
                impact = HIGH
        targets, _ = _deployment_targets(ctx, asset, raise_impact=False)
        out.append(
            make_risk(
                "code-backdooring",
                UNLIKELY,
                impact,
                f"<b>Code Backdooring</b> risk at <b>{asset.title}</b>",
                f"code-backdooring@{asset.id}",
                asset=asset.id,
                breach=PROBABLE,
                breach_assets=tuple(targets),
            )
        )
    return out


def container_baseimage_backdooring(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        if asset.machine == "container":
            impact = HIGH if very_sensitive(*ctx.highest(asset)) else MEDIUM
            title = f"<b>Container Base Image Backdooring</b> risk at <b>{asset.title}</b>"
            out.append(_asset_risk("container-baseimage-backdooring", asset, UNLIKELY, impact, title, PROBABLE))
    return out


def container_platform_escape(ctx: Context) -> list[Risk]:
    out = []
    containers = tuple(sorted(a.id for a in ctx.model.technical_assets if a.machine == "container"))
    for asset in _in_scope(ctx):
        if kinds.has(asset, "container-platform"):
            impact = HIGH if very_sensitive(*ctx.highest(asset)) else MEDIUM
            out.append(
                make_risk(
                    "container-platform-escape",
                    UNLIKELY,
                    impact,
                    f"<b>Container Platform Escape</b> risk at <b>{asset.title}</b>",
                    f"container-platform-escape@{asset.id}",
                    asset=asset.id,
                    breach=PROBABLE,
                    breach_assets=containers,
                )
            )
    return out


def cross_site_scripting(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        if kinds.has(asset, kinds.WEB_APPLICATION):
            c, i, _ = ctx.highest(asset)
            impact = HIGH if c == STRICTLY_CONFIDENTIAL or i == MISSION_CRITICAL else MEDIUM
            title = f"<b>Cross-Site Scripting (XSS)</b> risk at <b>{asset.title}</b>"
            out.append(_asset_risk("cross-site-scripting", asset, LIKELY, impact, title, POSSIBLE))
    return out


def _formats(ctx: Context, asset: TechnicalAsset) -> tuple[str, ...]:
    """Threagile raises one risk per listed format, so a format listed twice doubles the risk (fixed: once)."""
    return tuple(dict.fromkeys(asset.data_formats_accepted)) if ctx.fixed else asset.data_formats_accepted


def missing_file_validation(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        if not asset.custom_developed_parts:
            continue
        for fmt in _formats(ctx, asset):
            if fmt == "file":
                impact = MEDIUM if very_sensitive(*ctx.highest(asset)) else LOW
                title = f"<b>Missing File Validation</b> risk at <b>{asset.title}</b>"
                out.append(_asset_risk("missing-file-validation", asset, VERY_LIKELY, impact, title, PROBABLE))
    return out


def xml_external_entity(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        for fmt in _formats(ctx, asset):
            if fmt == "xml":
                impact = HIGH if very_sensitive(*ctx.highest(asset)) else MEDIUM
                title = f"<b>XML External Entity (XXE)</b> risk at <b>{asset.title}</b>"
                out.append(_asset_risk("xml-external-entity", asset, VERY_LIKELY, impact, title, PROBABLE))
    return out


_HARDENING_REDUCED = frozenset({"application-server", "identity-provider", "erp"})


def missing_hardening(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        raa = ctx.raa[asset.id]
        if raa >= 55 or (raa >= 40 and (asset.type == "datastore" or kinds.has(asset, _HARDENING_REDUCED))):
            c, i, _ = ctx.highest(asset)
            impact = MEDIUM if c == STRICTLY_CONFIDENTIAL or i == MISSION_CRITICAL else LOW
            title = f"<b>Missing Hardening</b> risk at <b>{asset.title}</b>"
            out.append(_asset_risk("missing-hardening", asset, LIKELY, impact, title, IMPROBABLE))
    return out


def service_registry_poisoning(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        if not kinds.has(asset, "service-registry"):
            continue
        impact = LOW
        for link in ctx.incoming.get(asset.id, ()):
            caller = ctx.assets[link.source_id]
            if (
                very_sensitive(*ctx.highest(asset))
                or very_sensitive(*ctx.highest(caller))
                or very_sensitive(*ctx.link_highest(link))
            ):
                impact = MEDIUM
                break
        title = f"<b>Service Registry Poisoning</b> risk at <b>{asset.title}</b>"
        out.append(_asset_risk("service-registry-poisoning", asset, UNLIKELY, impact, title, IMPROBABLE))
    return out


_ENCRYPTION_WAIVER = frozenset({"reverse-proxy", "load-balancer", "waf", "ids", "ips", "library"})
_SHARED_KEYS = frozenset({"transparent", "data-with-symmetric-shared-key", "data-with-asymmetric-shared-key"})


def unencrypted_asset(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        if kinds.has(asset, _ENCRYPTION_WAIVER):
            continue
        c, i, _ = ctx.highest(asset)
        if not (c >= CONFIDENTIAL or i >= CRITICAL):
            continue
        very = c == STRICTLY_CONFIDENTIAL or i == MISSION_CRITICAL
        needs_user_key = very and kinds.has(asset, kinds.STORES_END_USER_DATA)
        title = f"<b>Unencrypted Technical Asset</b> named <b>{asset.title}</b>"
        if needs_user_key:
            title += " missing enduser-individual encryption with data-with-enduser-individual-key"
        if asset.encryption == "none":
            out.append(_asset_risk("unencrypted-asset", asset, UNLIKELY, HIGH if very else MEDIUM, title, IMPROBABLE))
        elif needs_user_key and asset.encryption in _SHARED_KEYS:
            out.append(_asset_risk("unencrypted-asset", asset, UNLIKELY, MEDIUM, title, IMPROBABLE))
    return out


def unchecked_deployment(ctx: Context) -> list[Risk]:
    out = []
    for asset in ctx.sorted_assets:
        if not kinds.has(asset, kinds.DEVELOPMENT_RELEVANT):
            continue
        targets, sensitive_target = _deployment_targets(ctx, asset, raise_impact=True)
        out.append(
            make_risk(
                "unchecked-deployment",
                UNLIKELY,
                MEDIUM if sensitive_target else LOW,
                f"<b>Unchecked Deployment</b> risk at <b>{asset.title}</b>",
                f"unchecked-deployment@{asset.id}",
                asset=asset.id,
                breach=POSSIBLE,
                breach_assets=tuple(targets),
            )
        )
    return out


_RMI = frozenset({"iiop", "iiop-encrypted", "jrmp", "jrmp-encrypted"})


def untrusted_deserialization(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        found = "serialization" in asset.data_formats_accepted or kinds.has(asset, "ejb")
        across, link_title = False, ""
        for link in ctx.incoming.get(asset.id, ()):
            if link.protocol in _RMI:
                found = True
                if ctx.crosses_network_boundary(link):
                    across, link_title = True, link.title
        if not found:
            continue
        title = f"<b>Untrusted Deserialization</b> risk at <b>{asset.title}</b>"
        if across:
            title += f" across a trust boundary (at least via communication link <b>{link_title}</b>)"
        impact = VERY_HIGH if very_sensitive(*ctx.highest(asset)) else HIGH
        out.append(
            _asset_risk("untrusted-deserialization", asset, VERY_LIKELY if across else LIKELY, impact, title, PROBABLE)
        )
    return out


def wrong_trust_boundary_content(ctx: Context) -> list[Risk]:
    out = []
    for boundary in ctx.model.trust_boundaries:
        if boundary.type != "network-policy-namespace-isolation":
            continue
        for asset_id in boundary.technical_assets_inside:
            asset = ctx.assets[asset_id]
            if asset.machine not in ("container", "serverless"):
                title = (
                    "<b>Wrong Trust Boundary Content</b> (non-container asset inside container trust boundary) "
                    f"at <b>{asset.title}</b>"
                )
                out.append(_asset_risk("wrong-trust-boundary-content", asset, UNLIKELY, LOW, title, IMPROBABLE))
    return out


def unnecessary_technical_asset(ctx: Context) -> list[Risk]:
    out = []
    for asset in ctx.sorted_assets:
        no_data = not asset.data_assets_processed and not asset.data_assets_stored
        no_links = not asset.communication_links and not ctx.incoming.get(asset.id)
        if no_data or no_links:
            title = f"<b>Unnecessary Technical Asset</b> named <b>{asset.title}</b>"
            out.append(_asset_risk("unnecessary-technical-asset", asset, UNLIKELY, LOW, title, IMPROBABLE))
    return out


def incomplete_model(ctx: Context) -> list[Risk]:
    out = []
    for asset in _in_scope(ctx):
        if kinds.has(asset, "unknown-technology"):
            title = f"<b>Unknown Technology</b> specified at technical asset <b>{asset.title}</b>"
            out.append(_asset_risk("incomplete-model", asset, UNLIKELY, LOW, title, IMPROBABLE))
        for link in asset.communication_links:
            if link.protocol == "unknown-protocol":
                out.append(
                    make_risk(
                        "incomplete-model",
                        UNLIKELY,
                        LOW,
                        f"<b>Unknown Protocol</b> specified for communication link <b>{link.title}</b> "
                        f"at technical asset <b>{asset.title}</b>",
                        f"incomplete-model@{link.id}@{asset.id}",
                        asset=asset.id,
                        link=link.id,
                        breach=IMPROBABLE,
                        breach_assets=(asset.id,),
                    )
                )
    return out


RULES = {
    "accidental-secret-leak": accidental_secret_leak,
    "code-backdooring": code_backdooring,
    "container-baseimage-backdooring": container_baseimage_backdooring,
    "container-platform-escape": container_platform_escape,
    "cross-site-scripting": cross_site_scripting,
    "incomplete-model": incomplete_model,
    "missing-file-validation": missing_file_validation,
    "missing-hardening": missing_hardening,
    "service-registry-poisoning": service_registry_poisoning,
    "unchecked-deployment": unchecked_deployment,
    "unencrypted-asset": unencrypted_asset,
    "unnecessary-technical-asset": unnecessary_technical_asset,
    "untrusted-deserialization": untrusted_deserialization,
    "wrong-trust-boundary-content": wrong_trust_boundary_content,
    "xml-external-entity": xml_external_entity,
}
