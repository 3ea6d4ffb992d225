"""Run the Threagile rule pack over a Threagile model: the 42 built-in categories, the model's custom risks, RAA
and risk tracking, in ``threagile-compatible`` or ``threagile-fixed`` mode."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from assessments.engine.threagile import rules_access, rules_assets, rules_cloud, rules_links, rules_model
from assessments.engine.threagile.context import Context, Mode, Risk
from assessments.engine.threagile.risk import make_risk
from assessments.engine.threagile.tracking import STILL_AT_RISK, apply_tracking
from threatmodel.gcpause import gc_paused
from threatmodel.interchange.threagile import enums
from threatmodel.interchange.threagile.model import ThreagileModel

Rule = Callable[[Context], list[Risk]]

#: The built-in categories by id (Threagile's 42).
BUILTIN_RULES: dict[str, Rule] = dict(
    sorted(
        {
            **rules_assets.RULES,
            **rules_links.RULES,
            **rules_access.RULES,
            **rules_model.RULES,
            **rules_cloud.RULES,
        }.items()
    )
)


@dataclass(frozen=True)
class ThreagileResult:
    model: ThreagileModel
    mode: Mode
    risks: tuple[Risk, ...]  # sorted by category, synthetic id, title
    raa: dict[str, float]
    orphaned_tracking: tuple[str, ...] = ()

    def stats(self) -> dict[str, dict[str, int]]:
        """Threagile's ``stats.json`` body: every severity x status cell, zeros included."""
        table = {s: dict.fromkeys(enums.RISK_STATUS, 0) for s in enums.SEVERITY}
        for risk in self.risks:
            table[enums.SEVERITY[risk.severity]][risk.status] += 1
        return table

    def still_at_risk(self) -> tuple[Risk, ...]:
        return tuple(r for r in self.risks if r.status in STILL_AT_RISK)


def custom_risks(model: ThreagileModel) -> list[Risk]:
    """The manually identified risks of the model's custom categories (their ratings are taken as given)."""
    out = []
    for category in model.custom_risk_categories:
        for item in category.risks_identified:
            parts = (
                item.most_relevant_technical_asset,
                item.most_relevant_communication_link,
                item.most_relevant_trust_boundary,
                item.most_relevant_shared_runtime,
                item.most_relevant_data_asset,
            )
            risk = make_risk(
                category.id,
                enums.LIKELIHOOD.index(item.exploitation_likelihood),
                enums.IMPACT.index(item.exploitation_impact),
                item.title,
                "@".join([category.id, *(p for p in parts if p)]),
                asset=item.most_relevant_technical_asset,
                link=item.most_relevant_communication_link,
                data_asset=item.most_relevant_data_asset,
                boundary=item.most_relevant_trust_boundary,
                runtime=item.most_relevant_shared_runtime,
                breach=enums.DATA_BREACH_PROBABILITY.index(item.data_breach_probability),
                breach_assets=item.data_breach_technical_assets,
            )
            severity = enums.SEVERITY.index(item.severity)
            out.append(replace(risk, severity=severity, breach_assets_unset=not item.data_breach_technical_assets))
    return out


def assess_threagile(
    model: ThreagileModel,
    mode: Mode | str = Mode.COMPATIBLE,
    *,
    skip_rules: Iterable[str] = (),
    ignore_orphaned_tracking: bool = False,
) -> ThreagileResult:
    """Risks, RAA and tracking status for a model. Raises ``RiskTrackingError`` on orphaned tracking entries
    unless they are ignored, and ``ValueError`` on unknown rule ids to skip."""
    mode = Mode(mode)
    skipped = set(skip_rules)
    unknown = sorted(skipped - set(BUILTIN_RULES))
    if unknown:
        raise ValueError(f"unknown Threagile risk rules to skip: {', '.join(unknown)}")
    ctx = Context(model, mode)
    risks: list[Risk] = []
    with gc_paused():  # many small acyclic objects: collections would traverse them for nothing
        for category, rule in BUILTIN_RULES.items():
            if category not in skipped:
                risks.extend(rule(ctx))
        risks.extend(custom_risks(model))
        tracked = apply_tracking(
            risks, model.risk_tracking, fixed=mode is Mode.FIXED, ignore_orphans=ignore_orphaned_tracking
        )
        ordered = tuple(sorted(tracked.risks, key=lambda r: (r.category, r.synthetic_id, r.title)))
    return ThreagileResult(model, mode, ordered, dict(ctx.raa), tracked.orphans)
