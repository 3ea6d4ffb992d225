"""Threagile risks as Trustmap findings, so that the pack's results can use the finding, triage and report
machinery of a Trustmap assessment.

The snapshot is exported to a Threagile model (``domain_map.from_snapshot``), assessed, and every risk becomes a
``Finding``: rule ``threagile.<category>``, id ``threagile.<synthetic id>`` (Threagile's own id, so tracking
written for Threagile still names it), elements the Trustmap ids of the risk's most relevant asset, link,
boundary and data asset. Threagile's five severities map one to one onto Trustmap's five (elevated -> medium,
medium -> low, low -> info); the original severity, tracking status, RAA and data-breach fields are evidence.
The fixed mode is the default here because Trustmap needs unique finding ids (upstream bugs 3 and 5).
"""

from __future__ import annotations

import re

from assessments.engine.results import Finding
from assessments.engine.threagile.context import Mode, Risk
from assessments.engine.threagile.runner import ThreagileResult, assess_threagile
from catalog.packs.loader import load_threagile_categories
from threatmodel.domain import Snapshot
from threatmodel.interchange.threagile import enums
from threatmodel.interchange.threagile.domain_map import from_snapshot

FAMILY = "threagile"
SEVERITY = {"critical": "critical", "high": "high", "elevated": "medium", "medium": "low", "low": "info"}
_TAGS = re.compile(r"<[^>]+>")


def _domain_ids(snapshot: Snapshot) -> dict[str, str]:
    """Threagile id -> Trustmap id (links by their Threagile link id)."""
    out: dict[str, str] = {}
    for name in ("components", "data_assets", "boundaries", "flows"):
        for element in getattr(snapshot, name):
            out.setdefault(element.foreign_id or element.id, element.id)
    return out


def risk_finding(risk: Risk, result: ThreagileResult, ids: dict[str, str]) -> Finding:
    category = load_threagile_categories().get(risk.category)
    custom = next((c for c in result.model.custom_risk_categories if c.id == risk.category), None)
    relevant = (
        risk.most_relevant_technical_asset,
        risk.most_relevant_communication_link,
        risk.most_relevant_trust_boundary,
        risk.most_relevant_data_asset,
    )
    elements = tuple(dict.fromkeys(ids[r] for r in relevant if r and r in ids))
    evidence: tuple[tuple[str, object], ...] = (
        ("threagile_severity", enums.SEVERITY[risk.severity]),
        ("threagile_status", risk.status),
        ("threagile_mode", str(result.mode)),
        ("data_breach_probability", enums.DATA_BREACH_PROBABILITY[risk.data_breach_probability]),
        ("data_breach_assets", tuple(ids.get(a, a) for a in sorted(risk.data_breach_technical_assets))),
    )
    if risk.most_relevant_technical_asset in result.raa:
        evidence += (("raa", round(result.raa[risk.most_relevant_technical_asset], 2)),)
    if risk.most_relevant_shared_runtime:
        evidence += (("shared_runtime", risk.most_relevant_shared_runtime),)
    return Finding(
        id=f"{FAMILY}.{risk.synthetic_id}",
        rule=f"{FAMILY}.{risk.category}",
        title=_TAGS.sub("", risk.title),
        severity=SEVERITY[enums.SEVERITY[risk.severity]],
        likelihood=enums.LIKELIHOOD[risk.likelihood],
        impact=enums.IMPACT[risk.impact],
        principle="",
        pillar="",
        function=category.function if category else (custom.function if custom else ""),
        stride=category.stride if category else (custom.stride if custom else ""),
        cwe=f"CWE-{category.cwe}" if category else (f"CWE-{custom.cwe}" if custom and custom.cwe else ""),
        elements=elements,
        evidence=evidence,  # type: ignore[arg-type]
        remediation=category.mitigation if category else (custom.mitigation if custom else ""),
        family=FAMILY,
    )


def threagile_findings(
    snapshot: Snapshot, mode: Mode | str = Mode.FIXED, *, ignore_orphaned_tracking: bool = True
) -> tuple[Finding, ...]:
    """The Threagile pack's findings for a snapshot, ordered like the pack's risks."""
    result = assess_threagile(from_snapshot(snapshot), mode, ignore_orphaned_tracking=ignore_orphaned_tracking)
    ids = _domain_ids(snapshot)
    return tuple(risk_finding(r, result, ids) for r in result.risks)
