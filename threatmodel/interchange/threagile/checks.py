"""Cross-reference checks of a Threagile model (the ones Threagile makes, worded with the place they refer to).

Beyond Threagile: an asset may sit directly in one boundary only (Threagile checks this too), a boundary may be
nested in one parent only and nesting may not loop (Threagile would pick a parent in random map order or recurse
forever), and communication link ids must be unique per model.
"""

from __future__ import annotations

from collections.abc import Mapping

from threatmodel.interchange.threagile.model import ThreagileModel
from threatmodel.invariants import Issue


def _duplicates(ids: list[str], kind: str, collection: str) -> list[Issue]:
    seen: set[str] = set()
    out: list[Issue] = []
    for value in ids:
        if value in seen:
            out.append(Issue(collection, f"duplicate {kind} id {value!r}"))
        seen.add(value)
    return out


def _tag_issues(model: ThreagileModel) -> list[Issue]:
    available = set(model.tags_available)
    issues: list[Issue] = []

    def check(tags: tuple[str, ...], where: str) -> None:
        issues.extend(Issue(f"{where}.tags", f"tag {t!r} is not in tags_available") for t in tags if t not in available)

    for d in model.data_assets:
        check(d.tags, f"data_assets[{d.title!r}]")
    for a in model.technical_assets:
        check(a.tags, f"technical_assets[{a.title!r}]")
        for link in a.communication_links:
            check(link.tags, f"technical_assets[{a.title!r}].communication_links[{link.title!r}]")
    for b in model.trust_boundaries:
        check(b.tags, f"trust_boundaries[{b.title!r}]")
    for s in model.shared_runtimes:
        check(s.tags, f"shared_runtimes[{s.title!r}]")
    return issues


def _asset_issues(model: ThreagileModel) -> list[Issue]:
    issues: list[Issue] = []
    data, assets = model.data_asset_by_id, model.asset_by_id
    for a in model.technical_assets:
        where = f"technical_assets[{a.title!r}]"
        for key in ("data_assets_processed", "data_assets_stored"):
            issues.extend(
                Issue(f"{where}.{key}", f"unknown data asset {d!r}") for d in getattr(a, key) if d not in data
            )
        for link in a.communication_links:
            lw = f"{where}.communication_links[{link.title!r}]"
            if link.target_id not in assets:
                issues.append(Issue(f"{lw}.target", f"unknown technical asset {link.target_id!r}"))
            for key in ("data_assets_sent", "data_assets_received"):
                issues.extend(
                    Issue(f"{lw}.{key}", f"unknown data asset {d!r}") for d in getattr(link, key) if d not in data
                )
    issues += _duplicates([link.id for link in model.links], "communication link", "technical_assets")
    return issues


def _boundary_issues(model: ThreagileModel) -> list[Issue]:
    issues: list[Issue] = []
    placed: dict[str, str] = {}
    parent: dict[str, str] = {}
    for b in model.trust_boundaries:
        where = f"trust_boundaries[{b.title!r}]"
        for asset_id in b.technical_assets_inside:
            if asset_id not in model.asset_by_id:
                issues.append(Issue(f"{where}.technical_assets_inside", f"unknown technical asset {asset_id!r}"))
            elif asset_id in placed:
                issues.append(
                    Issue(
                        f"{where}.technical_assets_inside",
                        f"{asset_id!r} is already inside boundary {placed[asset_id]!r}",
                    )
                )
            placed.setdefault(asset_id, b.id)
        for nested in b.trust_boundaries_nested:
            if nested not in model.boundary_by_id:
                issues.append(Issue(f"{where}.trust_boundaries_nested", f"unknown trust boundary {nested!r}"))
            elif nested in parent:
                issues.append(
                    Issue(f"{where}.trust_boundaries_nested", f"{nested!r} is already nested in {parent[nested]!r}")
                )
            parent.setdefault(nested, b.id)
    for b in model.trust_boundaries:
        seen = {b.id}
        current = parent.get(b.id)
        while current is not None:
            if current in seen:
                issues.append(Issue(f"trust_boundaries[{b.title!r}]", "boundary nesting forms a loop"))
                break
            seen.add(current)
            current = parent.get(current)
    return issues


def _custom_issues(model: ThreagileModel) -> list[Issue]:
    issues: list[Issue] = []
    refs: dict[str, Mapping[str, object]] = {
        "most_relevant_data_asset": model.data_asset_by_id,
        "most_relevant_technical_asset": model.asset_by_id,
        "most_relevant_communication_link": model.link_by_id,
        "most_relevant_trust_boundary": model.boundary_by_id,
        "most_relevant_shared_runtime": model.runtime_by_id,
    }
    for c in model.custom_risk_categories:
        for risk in c.risks_identified:
            where = f"risk_categories[{c.title!r}].risks_identified[{risk.title!r}]"
            for key, index in refs.items():
                value = getattr(risk, key)
                if value and value not in index:
                    issues.append(Issue(f"{where}.{key}", f"unknown id {value!r}"))
            issues.extend(
                Issue(f"{where}.data_breach_technical_assets", f"unknown technical asset {a!r}")
                for a in risk.data_breach_technical_assets
                if a not in model.asset_by_id
            )
    return issues


def reference_issues(model: ThreagileModel) -> list[Issue]:
    issues: list[Issue] = []
    issues += _duplicates([d.id for d in model.data_assets], "data asset", "data_assets")
    issues += _duplicates([a.id for a in model.technical_assets], "technical asset", "technical_assets")
    issues += _duplicates([b.id for b in model.trust_boundaries], "trust boundary", "trust_boundaries")
    issues += _duplicates([s.id for s in model.shared_runtimes], "shared runtime", "shared_runtimes")
    issues += _duplicates([c.id for c in model.custom_risk_categories], "risk category", "risk_categories")
    issues += _tag_issues(model)
    issues += _asset_issues(model)
    issues += _boundary_issues(model)
    for s in model.shared_runtimes:
        issues.extend(
            Issue(f"shared_runtimes[{s.title!r}].technical_assets_running", f"unknown technical asset {a!r}")
            for a in s.technical_assets_running
            if a not in model.asset_by_id
        )
    issues += _custom_issues(model)
    return issues
