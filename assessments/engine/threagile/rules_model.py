"""Threagile rules about the model as a whole: missing infrastructure, isolation and segmentation, runtimes."""

from __future__ import annotations

from assessments.engine.threagile import kinds
from assessments.engine.threagile.context import (
    HIGH,
    IMPROBABLE,
    LIKELY,
    LOW,
    MEDIUM,
    UNLIKELY,
    VERY_HIGH,
    Context,
    Risk,
    sensitive,
    very_sensitive,
)
from assessments.engine.threagile.risk import make_risk
from threatmodel.interchange.threagile.model import TechnicalAsset


def _example_risk(category: str, label: str, asset: TechnicalAsset | None, impact: int) -> Risk:
    title = "" if asset is None else asset.title
    asset_id = "" if asset is None else asset.id
    return make_risk(
        category,
        UNLIKELY,
        impact,
        f"<b>{label}</b> in the threat model (referencing asset <b>{title}</b> as an example)",
        f"{category}@{asset_id}",
        asset=asset_id,
        breach=IMPROBABLE,
    )


def _own_sensitive(asset: TechnicalAsset) -> bool:
    return sensitive(asset.confidentiality, asset.integrity, asset.availability)


def _own_very_sensitive(asset: TechnicalAsset) -> bool:
    return very_sensitive(asset.confidentiality, asset.integrity, asset.availability)


def missing_build_infrastructure(ctx: Context) -> list[Risk]:
    custom, example, impact = False, None, LOW
    present: set[str] = set()
    for asset in ctx.sorted_assets:
        if asset.custom_developed_parts and not asset.out_of_scope:
            custom = True
            if impact == LOW:
                example = asset
                if sensitive(*ctx.highest(asset)):
                    impact = MEDIUM
            if _own_sensitive(asset):
                impact = MEDIUM
            if ctx.sensitivity_score(asset) > ctx.sensitivity_score(example):
                example = asset
        present.update(
            t for t in asset.technologies if t in ("build-pipeline", "sourcecode-repository", "devops-client")
        )
    if custom and len(present) < 3:
        return [_example_risk("missing-build-infrastructure", "Missing Build Infrastructure", example, impact)]
    return []


def missing_identity_store(ctx: Context) -> list[Risk]:
    if any(not a.out_of_scope and kinds.has(a, kinds.IDENTITY_STORE) for a in ctx.model.technical_assets):
        return []
    found, example, impact = False, None, LOW
    for source in ctx.sorted_assets:
        for link in sorted(source.communication_links, key=lambda item: item.title, reverse=True):
            if link.authorization != "end-user-identity-propagation":
                continue
            found = True
            target = ctx.assets[link.target_id]
            if impact == LOW:
                example = target
                if sensitive(*ctx.highest(target)):
                    impact = MEDIUM
            if _own_sensitive(target):
                impact = MEDIUM
            # Threagile compares the calling asset here while the example is a called one (fixed: the called one).
            candidate = target if ctx.fixed else source
            if ctx.sensitivity_score(candidate) > ctx.sensitivity_score(example):
                example = candidate
    if found:
        return [_example_risk("missing-identity-store", "Missing Identity Store", example, impact)]
    return []


def missing_vault(ctx: Context) -> list[Risk]:
    has_vault, example, impact = False, None, LOW
    for asset in ctx.sorted_assets:
        if kinds.has(asset, "vault"):
            has_vault = True
        if sensitive(*ctx.highest(asset)) or _own_sensitive(asset):
            impact = MEDIUM
        # Threagile starts from an empty asset that scores 18, so a model of low-rated assets gets the id
        # "missing-vault@" (fixed: the first asset by id is the starting example).
        if example is None and ctx.fixed:
            example = asset
        if ctx.sensitivity_score(asset) > ctx.sensitivity_score(example):
            example = asset
    if not has_vault:
        return [_example_risk("missing-vault", "Missing Vault (Secret Storage)", example, impact)]
    return []


def _segments(ctx: Context) -> dict[str, list[str]]:
    """Asset ids (sorted) per network segment id."""
    cached: dict[str, list[str]] | None = getattr(ctx, "_segment_members", None)
    if cached is None:
        cached = {}
        for asset_id in ctx.model.sorted_asset_ids:
            cached.setdefault(ctx.network_boundary_of(asset_id).id, []).append(asset_id)
        ctx._segment_members = cached  # type: ignore[attr-defined]
    return cached


_SEGMENTATION_EXEMPT = frozenset({"reverse-proxy", "waf", "ids", "ips", "service-registry"})


def missing_network_segmentation(ctx: Context) -> list[Risk]:
    out = []
    segments = _segments(ctx)
    for asset in ctx.sorted_assets:
        if asset.out_of_scope or kinds.has(asset, _SEGMENTATION_EXEMPT):
            continue
        if ctx.raa[asset.id] < 50 or not (asset.type == "datastore" or _own_sensitive(asset)):
            continue
        for other_id in segments[ctx.network_boundary_of(asset.id).id]:
            other = ctx.assets[other_id]
            if other_id == asset.id or not kinds.has(other, kinds.LESS_PROTECTED):
                continue
            if ctx.directly_connected(asset.id, other_id) or kinds.has(
                other, kinds.CLOSE_TO_HIGH_VALUE_TARGETS_TOLERATED
            ):
                continue
            out.append(
                make_risk(
                    "missing-network-segmentation",
                    UNLIKELY,
                    MEDIUM if _own_very_sensitive(asset) else LOW,
                    f"<b>Missing Network Segmentation</b> to further encapsulate and protect <b>{asset.title}</b> "
                    "against unrelated lower protected assets in the same network segment, which might be easier "
                    "to compromise by attackers",
                    f"missing-network-segmentation@{asset.id}",
                    asset=asset.id,
                    breach=IMPROBABLE,
                    breach_assets=(asset.id,),
                )
            )
            break
    return out


def _isolation_risk(
    ctx: Context,
    category: str,
    label: tuple[str, str],
    asset: TechnicalAsset,
    impacts: tuple[int, int],
    unrelated: object,
) -> Risk | None:
    same_env = found = False
    for other_id in _segments(ctx)[ctx.network_boundary_of(asset.id).id]:
        if other_id == asset.id or not unrelated(ctx.assets[other_id]):  # type: ignore[operator]
            continue
        found = True
        if ctx.same_execution_environment(asset.id, other_id):
            same_env = True
            break
    if not found:
        return None
    where = "<b>in the same execution environment</b>" if same_env else "<b>in the same network segment</b>"
    return make_risk(
        category,
        LIKELY if same_env else UNLIKELY,
        impacts[1] if _own_very_sensitive(asset) else impacts[0],
        f"<b>Missing {label[0]} Isolation</b> to further encapsulate and protect {label[1]}-related asset "
        f"<b>{asset.title}</b> against unrelated lower protected assets {where}, which might be easier to "
        "compromise by attackers",
        f"{category}@{asset.id}",
        asset=asset.id,
        breach=IMPROBABLE,
        breach_assets=(asset.id,),
    )


def missing_identity_provider_isolation(ctx: Context) -> list[Risk]:
    out = []
    for asset in ctx.sorted_assets:
        if asset.out_of_scope or not kinds.has(asset, kinds.IDENTITY_RELATED):
            continue

        def unrelated(other: TechnicalAsset) -> bool:
            return not kinds.has(other, kinds.IDENTITY_RELATED) and not kinds.has(
                other, kinds.CLOSE_TO_HIGH_VALUE_TARGETS_TOLERATED
            )

        risk = _isolation_risk(
            ctx,
            "missing-identity-provider-isolation",
            ("Identity Provider", "identity"),
            asset,
            (HIGH, VERY_HIGH),
            unrelated,
        )
        if risk is not None:
            out.append(risk)
    return out


def missing_vault_isolation(ctx: Context) -> list[Risk]:
    out = []
    for vault in ctx.sorted_assets:
        if vault.out_of_scope or not kinds.has(vault, "vault"):
            continue

        def unrelated(other: TechnicalAsset, vault: TechnicalAsset = vault) -> bool:
            storage = other.type == "datastore" and ctx.directly_connected(vault.id, other.id)
            return not kinds.has(other, "vault") and not storage

        risk = _isolation_risk(ctx, "missing-vault-isolation", ("Vault", "vault"), vault, (MEDIUM, HIGH), unrelated)
        if risk is not None:
            out.append(risk)
    return out


def mixed_targets_on_shared_runtime(ctx: Context) -> list[Risk]:
    out = []
    for runtime in sorted(ctx.model.shared_runtimes, key=lambda r: r.id):
        current, front, back, mixed = "", False, False, False
        for asset_id in runtime.technical_assets_running:
            asset = ctx.assets[asset_id]
            boundary_id = ctx.boundary_of(asset_id).id
            if current and current != boundary_id:
                mixed = True
                break
            current = boundary_id
            front = front or kinds.has(asset, kinds.FRONTEND)
            back = back or kinds.has(asset, kinds.BACKEND)
        if not (mixed or (front and back)):
            continue
        more = any(_own_very_sensitive(ctx.assets[a]) for a in runtime.technical_assets_running)
        out.append(
            make_risk(
                "mixed-targets-on-shared-runtime",
                UNLIKELY,
                MEDIUM if more else LOW,
                f"<b>Mixed Targets on Shared Runtime</b> named <b>{runtime.title}</b> might enable attackers moving "
                "from one less valuable target to a more valuable one",
                f"mixed-targets-on-shared-runtime@{runtime.id}",
                runtime=runtime.id,
                breach=IMPROBABLE,
                breach_assets=runtime.technical_assets_running,
            )
        )
    return out


def unnecessary_data_asset(ctx: Context) -> list[Risk]:
    used: set[str] = set()
    for asset in ctx.model.technical_assets:
        used.update(asset.data_assets_processed, asset.data_assets_stored)
        for link in asset.communication_links:
            used.update(link.data_assets_sent, link.data_assets_received)
    return [
        make_risk(
            "unnecessary-data-asset",
            UNLIKELY,
            LOW,
            f"<b>Unnecessary Data Asset</b> named <b>{ctx.data[d].title}</b>",
            f"unnecessary-data-asset@{d}",
            data_asset=d,
            breach=IMPROBABLE,
            breach_assets=(d,),
        )
        for d in sorted(set(ctx.data) - used)
    ]


RULES = {
    "missing-build-infrastructure": missing_build_infrastructure,
    "missing-identity-provider-isolation": missing_identity_provider_isolation,
    "missing-identity-store": missing_identity_store,
    "missing-network-segmentation": missing_network_segmentation,
    "missing-vault": missing_vault,
    "missing-vault-isolation": missing_vault_isolation,
    "mixed-targets-on-shared-runtime": mixed_targets_on_shared_runtime,
    "unnecessary-data-asset": unnecessary_data_asset,
}
