"""Building a Threagile risk record (severity from Threagile's likelihood x impact matrix)."""

from __future__ import annotations

from assessments.engine.threagile.context import Risk
from threatmodel.interchange.threagile.enums import severity_of


def make_risk(  # noqa: PLR0913 - one keyword per field of the risk record
    category: str,
    likelihood: int,
    impact: int,
    title: str,
    synthetic_id: str,
    *,
    asset: str = "",
    link: str = "",
    data_asset: str = "",
    boundary: str = "",
    runtime: str = "",
    breach: int = 0,
    breach_assets: tuple[str, ...] = (),
) -> Risk:
    return Risk(
        category=category,
        likelihood=likelihood,
        impact=impact,
        title=title,
        synthetic_id=synthetic_id,
        severity=severity_of(likelihood, impact),
        most_relevant_data_asset=data_asset,
        most_relevant_technical_asset=asset,
        most_relevant_trust_boundary=boundary,
        most_relevant_shared_runtime=runtime,
        most_relevant_communication_link=link,
        data_breach_probability=breach,
        data_breach_technical_assets=breach_assets,
    )
