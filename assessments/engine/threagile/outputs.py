"""Threagile-shaped output files: ``risks.json``, ``stats.json`` and ``technical-assets.json``.

``risks.json`` and ``stats.json`` have the same shape in Threagile 0.9 and 1.0 (string enums, "" for unset ids).
``technical-assets.json`` is written in the 0.9 shape the published oracle outputs have (Go field names, integer
enums, the 0.9 spellings); arrays Threagile fills from Go maps (risks, links, data breach assets) are sorted here
so that the files are deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assessments.engine.threagile.context import Risk
from assessments.engine.threagile.runner import ThreagileResult
from threatmodel.interchange.threagile import enums
from threatmodel.interchange.threagile.model import CommunicationLink, TechnicalAsset

FILES = ("risks.json", "stats.json", "technical-assets.json")


def risk_json(risk: Risk) -> dict[str, Any]:
    return {
        "category": risk.category,
        "risk_status": risk.status,
        "severity": enums.SEVERITY[risk.severity],
        "exploitation_likelihood": enums.LIKELIHOOD[risk.likelihood],
        "exploitation_impact": enums.IMPACT[risk.impact],
        "title": risk.title,
        "synthetic_id": risk.synthetic_id,
        "most_relevant_data_asset": risk.most_relevant_data_asset,
        "most_relevant_technical_asset": risk.most_relevant_technical_asset,
        "most_relevant_trust_boundary": risk.most_relevant_trust_boundary,
        "most_relevant_shared_runtime": risk.most_relevant_shared_runtime,
        "most_relevant_communication_link": risk.most_relevant_communication_link,
        "data_breach_probability": enums.DATA_BREACH_PROBABILITY[risk.data_breach_probability],
        "data_breach_technical_assets": None if risk.breach_assets_unset else sorted(risk.data_breach_technical_assets),
    }


def risks_json(result: ThreagileResult) -> list[dict[str, Any]]:
    return [risk_json(r) for r in result.risks]


def stats_json(result: ThreagileResult) -> dict[str, Any]:
    return {"risks": result.stats()}


def _index(values: tuple[str, ...], value: str) -> int:
    return values.index(value)


def _link_json(link: CommunicationLink) -> dict[str, Any]:
    return {
        "Id": link.id,
        "SourceId": link.source_id,
        "TargetId": link.target_id,
        "Title": link.title,
        "Description": link.description,
        "Protocol": _index(enums.PROTOCOL, link.protocol),
        "Tags": list(link.tags),
        "VPN": link.vpn,
        "IpFiltered": link.ip_filtered,
        "Readonly": link.readonly,
        "Authentication": _index(enums.AUTHENTICATION, link.authentication),
        "Authorization": _index(enums.AUTHORIZATION, link.authorization),
        "Usage": _index(enums.USAGE, link.usage),
        "DataAssetsSent": list(link.data_assets_sent) or None,
        "DataAssetsReceived": list(link.data_assets_received) or None,
        "DiagramTweakWeight": link.diagram_tweak_weight,
        "DiagramTweakConstraint": link.diagram_tweak_constraint,
    }


def _asset_json(asset: TechnicalAsset, raa: float) -> dict[str, Any]:
    return {
        "Id": asset.id,
        "Title": asset.title,
        "Description": asset.description,
        "Usage": _index(enums.USAGE, asset.usage),
        "Type": _index(enums.ASSET_TYPE, asset.type),
        "Size": _index(enums.ASSET_SIZE, asset.size),
        "Technology": _index(enums.TECHNOLOGY, asset.technology),
        "Machine": _index(enums.MACHINE, asset.machine),
        "Internet": asset.internet,
        "MultiTenant": asset.multi_tenant,
        "Redundant": asset.redundant,
        "CustomDevelopedParts": asset.custom_developed_parts,
        "OutOfScope": asset.out_of_scope,
        "UsedAsClientByHuman": asset.used_as_client_by_human,
        "Encryption": _index(enums.ENCRYPTION, asset.encryption),
        "JustificationOutOfScope": asset.justification_out_of_scope,
        "Owner": asset.owner,
        "Confidentiality": asset.confidentiality,
        "Integrity": asset.integrity,
        "Availability": asset.availability,
        "JustificationCiaRating": asset.justification_cia_rating,
        "Tags": list(asset.tags),
        "DataAssetsProcessed": list(asset.data_assets_processed),
        "DataAssetsStored": list(asset.data_assets_stored),
        "DataFormatsAccepted": [_index(enums.DATA_FORMAT, f) for f in asset.data_formats_accepted],
        "CommunicationLinks": [_link_json(link) for link in sorted(asset.communication_links, key=lambda x: x.id)],
        "DiagramTweakOrder": asset.diagram_tweak_order,
        "RAA": raa,
    }


def technical_assets_json(result: ThreagileResult) -> dict[str, Any]:
    return {
        asset.id: _asset_json(asset, result.raa[asset.id])
        for asset in sorted(result.model.technical_assets, key=lambda a: a.id)
    }


def write_outputs(result: ThreagileResult, directory: Path | str) -> list[Path]:
    """Write the three files into the directory (created if missing); returns their paths."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    documents = {
        "risks.json": risks_json(result),
        "stats.json": stats_json(result),
        "technical-assets.json": technical_assets_json(result),
    }
    paths = []
    for name in FILES:
        path = folder / name
        # Threagile writes compact JSON with Go's sorted map keys; stats.json is then byte-identical.
        text = json.dumps(documents[name], separators=(",", ":"), sort_keys=name == "stats.json", ensure_ascii=False)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
