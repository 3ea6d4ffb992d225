"""Writer of Threagile model YAML from a ``ThreagileModel``.

The output reads back into an equal model (round trip). ``spelling="1.0"`` writes the current enum spellings;
``spelling="0.9"`` writes the 2020-era ones (``enduser-identity-propagation``, ...) that the published 0.9 Docker
image needs. Custom risk categories are written as ``individual_risk_categories`` (a map), which both versions read.
Collections keep their order; the output is deterministic.
"""

from __future__ import annotations

from typing import Any

import yaml

from threatmodel.interchange.threagile import enums
from threatmodel.interchange.threagile.model import (
    CommunicationLink,
    CustomRiskCategory,
    DataAsset,
    TechnicalAsset,
    ThreagileModel,
)

SPELLINGS = ("1.0", "0.9")


class _Writer:
    def __init__(self, spelling: str) -> None:
        if spelling not in SPELLINGS:
            raise ValueError(f"unknown Threagile spelling {spelling!r}; expected one of {', '.join(SPELLINGS)}")
        self.old = spelling == "0.9"

    def enum(self, value: str) -> str:
        return enums.V09_SPELLING.get(value, value) if self.old else value

    def data_asset(self, d: DataAsset) -> dict[str, Any]:
        return {
            "id": d.id,
            "description": d.description,
            "usage": d.usage,
            "tags": list(d.tags),
            "origin": d.origin,
            "owner": d.owner,
            "quantity": enums.QUANTITY[d.quantity],
            "confidentiality": enums.CONFIDENTIALITY[d.confidentiality],
            "integrity": enums.CRITICALITY[d.integrity],
            "availability": enums.CRITICALITY[d.availability],
            "justification_cia_rating": d.justification_cia_rating,
        }

    def link(self, link: CommunicationLink) -> dict[str, Any]:
        return {
            "target": link.target_id,
            "description": link.description,
            "protocol": link.protocol,
            "authentication": link.authentication,
            "authorization": self.enum(link.authorization),
            "tags": list(link.tags),
            "vpn": link.vpn,
            "ip_filtered": link.ip_filtered,
            "readonly": link.readonly,
            "usage": link.usage,
            "data_assets_sent": list(link.data_assets_sent),
            "data_assets_received": list(link.data_assets_received),
            "diagram_tweak_weight": link.diagram_tweak_weight,
            "diagram_tweak_constraint": not link.diagram_tweak_constraint,
        }

    def technical_asset(self, a: TechnicalAsset) -> dict[str, Any]:
        technology: dict[str, Any] = (
            {"technology": a.technology} if len(a.technologies) == 1 else {"technologies": list(a.technologies)}
        )
        return {
            "id": a.id,
            "description": a.description,
            "type": a.type,
            "usage": a.usage,
            "used_as_client_by_human": a.used_as_client_by_human,
            "out_of_scope": a.out_of_scope,
            "justification_out_of_scope": a.justification_out_of_scope,
            "size": a.size,
            **technology,
            "tags": list(a.tags),
            "internet": a.internet,
            "machine": a.machine,
            "encryption": self.enum(a.encryption),
            "owner": a.owner,
            "confidentiality": enums.CONFIDENTIALITY[a.confidentiality],
            "integrity": enums.CRITICALITY[a.integrity],
            "availability": enums.CRITICALITY[a.availability],
            "justification_cia_rating": a.justification_cia_rating,
            "multi_tenant": a.multi_tenant,
            "redundant": a.redundant,
            "custom_developed_parts": a.custom_developed_parts,
            "data_assets_processed": list(a.data_assets_processed),
            "data_assets_stored": list(a.data_assets_stored),
            "data_formats_accepted": list(a.data_formats_accepted),
            "diagram_tweak_order": a.diagram_tweak_order,
            "communication_links": {link.title: self.link(link) for link in a.communication_links},
        }

    @staticmethod
    def category(c: CustomRiskCategory) -> dict[str, Any]:
        return {
            "id": c.id,
            "description": c.description,
            "impact": c.impact,
            "asvs": c.asvs,
            "cheat_sheet": c.cheat_sheet,
            "action": c.action,
            "mitigation": c.mitigation,
            "check": c.check,
            "function": c.function,
            "stride": c.stride,
            "detection_logic": c.detection_logic,
            "risk_assessment": c.risk_assessment,
            "false_positives": c.false_positives,
            "model_failure_possible_reason": c.model_failure_possible_reason,
            "cwe": c.cwe,
            "risks_identified": {
                r.title: {
                    "severity": r.severity,
                    "exploitation_likelihood": r.exploitation_likelihood,
                    "exploitation_impact": r.exploitation_impact,
                    "data_breach_probability": r.data_breach_probability,
                    "data_breach_technical_assets": list(r.data_breach_technical_assets),
                    "most_relevant_data_asset": r.most_relevant_data_asset,
                    "most_relevant_technical_asset": r.most_relevant_technical_asset,
                    "most_relevant_communication_link": r.most_relevant_communication_link,
                    "most_relevant_trust_boundary": r.most_relevant_trust_boundary,
                    "most_relevant_shared_runtime": r.most_relevant_shared_runtime,
                }
                for r in c.risks_identified
            },
        }


def model_document(model: ThreagileModel, spelling: str = "1.0") -> dict[str, Any]:
    """The model as the plain data of a Threagile YAML file."""
    w = _Writer(spelling)
    document: dict[str, Any] = {
        "threagile_version": model.threagile_version or "1.0.0",
        "title": model.title,
        "author": dict(model.author),
    }
    optional: dict[str, Any] = {
        "contributors": [dict(c) for c in model.contributors],
        "date": model.date,
        "application_description": dict(model.application_description),
        "business_overview": dict(model.business_overview),
        "technical_overview": dict(model.technical_overview),
    }
    document.update({k: v for k, v in optional.items() if v})
    document.update(
        {
            "business_criticality": model.business_criticality,
            "management_summary_comment": model.management_summary_comment,
            "questions": dict(model.questions),
            "abuse_cases": dict(model.abuse_cases),
            "security_requirements": dict(model.security_requirements),
            "tags_available": list(model.tags_available),
            "data_assets": {d.title: w.data_asset(d) for d in model.data_assets},
            "technical_assets": {a.title: w.technical_asset(a) for a in model.technical_assets},
            "trust_boundaries": {
                b.title: {
                    "id": b.id,
                    "description": b.description,
                    "type": b.type,
                    "tags": list(b.tags),
                    "technical_assets_inside": list(b.technical_assets_inside),
                    "trust_boundaries_nested": list(b.trust_boundaries_nested),
                }
                for b in model.trust_boundaries
            },
            "shared_runtimes": {
                s.title: {
                    "id": s.id,
                    "description": s.description,
                    "tags": list(s.tags),
                    "technical_assets_running": list(s.technical_assets_running),
                }
                for s in model.shared_runtimes
            },
            "individual_risk_categories": {c.title: w.category(c) for c in model.custom_risk_categories},
            "risk_tracking": {
                t.synthetic_risk_id: {
                    "status": t.status,
                    "justification": t.justification,
                    "ticket": t.ticket,
                    "date": t.date,
                    "checked_by": t.checked_by,
                }
                for t in model.risk_tracking
            },
        }
    )
    document.update(dict(model.diagram_tweaks))
    return document


def write_threagile(model: ThreagileModel, spelling: str = "1.0") -> str:
    """Threagile YAML text of the model."""
    return yaml.safe_dump(model_document(model, spelling), sort_keys=False, allow_unicode=True, width=120)
