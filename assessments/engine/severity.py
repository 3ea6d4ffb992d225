"""Severity matrix (likelihood x impact) and score weights. Documented in docs/scoring.md."""

from __future__ import annotations

from threatmodel.vocabulary import IMPACTS, LIKELIHOODS, BusinessCriticality, severity_of

LIKELIHOOD_INDEX: dict[str, int] = {name: i for i, name in enumerate(LIKELIHOODS)}
IMPACT_INDEX: dict[str, int] = {name: i for i, name in enumerate(IMPACTS)}
#: Data classification rank (0 public/unclassified, 1 internal, 2 confidential, 3 restricted) -> impact index.
DATA_IMPACT: tuple[int, ...] = (0, 1, 2, 3)
#: Model business criticality -> impact steps added (capped at very-high).
CRITICALITY_BUMP: dict[str, int] = {BusinessCriticality.MISSION_CRITICAL: 1}
#: Score weight of a check by the rule's base severity: steep, so that one open critical check weighs as much as
#: several high ones and many low ones (docs/scoring.md §3).
SEVERITY_POINTS: dict[str, int] = {"critical": 40, "high": 16, "medium": 6, "low": 2, "info": 1}
#: Element factor, in halves, by the highest data classification rank the element handles.
ELEMENT_FACTOR_HALVES: tuple[int, ...] = (2, 2, 3, 4)

__all__ = ["severity_of"]  # the matrix itself is declared with the scales (threatmodel.vocabulary)


def rate(
    base_likelihood: str, base_impact: str, *, exposed: bool, data_rank: int, data_impact: bool, criticality_bump: int
) -> tuple[str, str, str]:
    """(likelihood, impact, severity) of one finding.

    Likelihood: the rule's default, one step higher when the element is exposed (crosses a network boundary,
    reachable from the internet or an untrusted zone). Impact: the rule's default, raised to the impact of the
    most sensitive data involved when the rule is data-driven, plus the model's business-criticality bump.
    """
    likelihood = min(3, LIKELIHOOD_INDEX[base_likelihood] + (1 if exposed else 0))
    impact = IMPACT_INDEX[base_impact]
    if data_impact:
        impact = max(impact, DATA_IMPACT[max(0, min(3, data_rank))])
    impact = min(3, impact + criticality_bump)
    return LIKELIHOODS[likelihood], IMPACTS[impact], severity_of(likelihood, impact)
