"""Threagile's missing-cloud-hardening rule: one risk per cloud-tagged shared runtime or trust boundary, else one
per cloud on its most sensitive tagged asset, plus the sub-tag specific ones (``aws:ec2``, ``aws:s3``)."""

from __future__ import annotations

from assessments.engine.threagile.context import (
    HIGH,
    MEDIUM,
    PROBABLE,
    UNLIKELY,
    VERY_HIGH,
    Context,
    Risk,
    sensitive,
    tagged,
    tagged_base,
    very_sensitive,
)
from assessments.engine.threagile.risk import make_risk
from threatmodel.interchange.threagile.model import TechnicalAsset

CATEGORY = "missing-cloud-hardening"
AWS_SUBTAGS = (
    "aws:vpc", "aws:ec2", "aws:s3", "aws:ebs", "aws:apigateway", "aws:lambda", "aws:dynamodb", "aws:rds", "aws:sqs",
    "aws:iam",
)  # fmt: skip
CLOUDS = (
    ("aws", "AWS", "CIS Benchmark for AWS"),
    ("azure", "Azure", "CIS Benchmark for Microsoft Azure"),
    ("gcp", "GCP", "CIS Benchmark for Google Cloud Computing Platform"),
    ("ocp", "OCP", "Vendor Best Practices for Oracle Cloud Platform"),
)
SUPPORTED_TAGS = ("aws", "azure", "gcp", "ocp", *AWS_SUBTAGS)
_CLOUD_BOUNDARIES = ("network-cloud-provider", "network-cloud-security-group")


class _Sets:
    def __init__(self) -> None:
        self.runtimes: dict[str, set[str]] = {c: set() for c, _, _ in CLOUDS}
        self.boundaries: dict[str, set[str]] = {c: set() for c, _, _ in CLOUDS}
        self.assets: dict[str, set[str]] = {c: set() for c, _, _ in CLOUDS}
        self.unspecific_runtimes: set[str] = set()
        self.unspecific_boundaries: set[str] = set()
        self.subtagged: set[str] = set()

    def add_asset(self, asset: TechnicalAsset, tags: tuple[str, ...]) -> None:
        if tagged(asset.tags, AWS_SUBTAGS):
            self.subtagged.add(asset.id)
        for cloud, _, _ in CLOUDS:
            if tagged_base(tags, cloud):
                self.assets[cloud].add(asset.id)

    def add_container(
        self, target: dict[str, set[str]], unspecific: set[str], element_id: str, tags: tuple[str, ...]
    ) -> None:
        if tagged(tags, SUPPORTED_TAGS):
            for cloud, _, _ in CLOUDS:
                if tagged_base(tags, cloud):
                    target[cloud].add(element_id)
        else:
            unspecific.add(element_id)


def _collect(ctx: Context) -> _Sets:
    sets = _Sets()
    _collect_cloud_boundaries(ctx, sets)
    for asset in ctx.model.technical_assets:
        if tagged(asset.tags, SUPPORTED_TAGS):
            sets.add_asset(asset, asset.tags)
    for boundary in ctx.model.trust_boundaries:
        if tagged(boundary.tags, SUPPORTED_TAGS):
            for asset_id in ctx.assets_inside(boundary):
                asset = ctx.assets[asset_id]
                sets.add_asset(asset, asset.tags if tagged(asset.tags, SUPPORTED_TAGS) else boundary.tags)
    for runtime in ctx.model.shared_runtimes:
        if tagged(runtime.tags, SUPPORTED_TAGS):
            sets.add_container(sets.runtimes, sets.unspecific_runtimes, runtime.id, runtime.tags)
            for asset_id in runtime.technical_assets_running:
                sets.add_asset(ctx.assets[asset_id], runtime.tags)
    return sets


def _collect_cloud_boundaries(ctx: Context, sets: _Sets) -> None:
    """Boundaries tagged with a cloud or of a cloud type, and their assets (tagged themselves or by the boundary)."""
    for boundary in ctx.model.trust_boundaries:
        tagged_outer = tagged(boundary.tags, SUPPORTED_TAGS)
        if not (tagged_outer or boundary.type in _CLOUD_BOUNDARIES):
            continue
        sets.add_container(sets.boundaries, sets.unspecific_boundaries, boundary.id, boundary.tags)
        for asset_id in ctx.assets_inside(boundary):
            asset = ctx.assets[asset_id]
            if tagged(asset.tags, SUPPORTED_TAGS):
                sets.add_asset(asset, asset.tags)
            elif tagged_outer:
                sets.add_asset(asset, boundary.tags)


def _impact(rating: tuple[int, int, int]) -> int:
    if very_sensitive(*rating):
        return VERY_HIGH
    return HIGH if sensitive(*rating) else MEDIUM


def _title(name: str, prefix: str, details: str) -> str:
    label = f" ({prefix})" if prefix else ""
    tail = f": <u>{details}</u>" if details else ""
    return f"<b>Missing Cloud Hardening{label}</b> risk at <b>{name}</b>{tail}"


def _runtime_risk(ctx: Context, runtime_id: str, prefix: str, details: str) -> Risk:
    runtime = ctx.model.runtime_by_id[runtime_id]
    return make_risk(
        CATEGORY,
        UNLIKELY,
        _impact(ctx.group_highest(runtime.technical_assets_running)),
        _title(runtime.title, prefix, details),
        f"{CATEGORY}@{runtime.id}",
        runtime=runtime.id,
        breach=PROBABLE,
        breach_assets=runtime.technical_assets_running,
    )


def _boundary_risk(ctx: Context, boundary_id: str, prefix: str, details: str) -> Risk:
    boundary = ctx.boundaries[boundary_id]
    inside = ctx.assets_inside(boundary)
    return make_risk(
        CATEGORY,
        UNLIKELY,
        _impact(ctx.group_highest(inside)),
        _title(boundary.title, prefix, details),
        f"{CATEGORY}@{boundary.id}",
        boundary=boundary.id,
        breach=PROBABLE,
        breach_assets=tuple(inside),
    )


def _asset_risk(ctx: Context, asset: TechnicalAsset, prefix: str, details: str) -> Risk:
    return make_risk(
        CATEGORY,
        UNLIKELY,
        _impact(ctx.highest(asset)),
        _title(asset.title, prefix, details),
        f"{CATEGORY}@{asset.id}",
        asset=asset.id,
        breach=PROBABLE,
        breach_assets=(asset.id,),
    )


def _most_sensitive(ctx: Context, asset_ids: set[str]) -> TechnicalAsset | None:
    best: TechnicalAsset | None = None
    for asset_id in sorted(asset_ids):
        asset = ctx.assets[asset_id]
        if best is None or ctx.sensitivity_score(asset) > ctx.sensitivity_score(best):
            best = asset
    return best


def missing_cloud_hardening(ctx: Context) -> list[Risk]:
    sets = _collect(ctx)
    out: list[Risk] = []
    added = dict.fromkeys(sets.assets, False)
    for cloud, prefix, details in CLOUDS:
        for runtime_id in sorted(sets.runtimes[cloud]):
            out.append(_runtime_risk(ctx, runtime_id, prefix, details))
            added[cloud] = True
    out.extend(_runtime_risk(ctx, r, "", "") for r in sorted(sets.unspecific_runtimes))
    for cloud, prefix, details in CLOUDS:
        for boundary_id in sorted(sets.boundaries[cloud]):
            out.append(_boundary_risk(ctx, boundary_id, prefix, details))
            added[cloud] = True
    out.extend(_boundary_risk(ctx, b, "", "") for b in sorted(sets.unspecific_boundaries))
    for cloud, prefix, details in CLOUDS:
        example = None if added[cloud] else _most_sensitive(ctx, sets.assets[cloud])
        if example is not None:
            out.append(_asset_risk(ctx, example, prefix, details))
    for asset_id in sorted(sets.subtagged):
        asset = ctx.assets[asset_id]
        if ctx.tagged_traversing_up(asset, ("aws:ec2",)):
            out.append(_asset_risk(ctx, asset, "EC2", "CIS Benchmark for Amazon Linux"))
        if ctx.tagged_traversing_up(asset, ("aws:s3",)):
            out.append(_asset_risk(ctx, asset, "S3", "Security Best Practices for AWS S3"))
    return out


RULES = {CATEGORY: missing_cloud_hardening}
