"""Open Threat Model (OTM 0.2.0) writer and the mapping; the reader is :mod:`threatmodel.interchange.otm_reader`.
Pure Python.

Mapping (docs/interchange.md has the full table): trust zones <-> boundaries, components <-> components
(``parent.component`` nesting is kept as the ``otm:parentComponent`` attribute; the component runs in the
nearest enclosing trust zone), dataflows <-> flows, assets <-> data assets, threats and mitigations of the
file -> ``ImportResult.threats``, representations -> positions.

OTM has no field for the security facts the engine reads (protocol, encryption, authentication,
authorization, mesh, ...). The writer puts them in each element's ``attributes`` under keys prefixed
``trustmap:`` (identities, grants and controls go in the project's attributes), so a Trustmap export read
back is the same model. A foreign file has none of them: it imports with the native defaults, and the
result lists each assumption made.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema

from threatmodel.domain import Snapshot
from threatmodel.interchange import native
from threatmodel.interchange.base import slug
from threatmodel.interchange.foreign_threats import add_otm_threats
from threatmodel.vocabulary import Rating, TrustLevel, judged_trust

OTM_VERSION = "0.2.0"
NS = "trustmap:"
SCHEMA_PATH = Path(__file__).with_name("schemas") / "otm-0.2.0.schema.json"
DIAGRAM = "trustmap-diagram"
SHAPE_SIZE = {"width": 160, "height": 80}

#: Trust level <-> OTM trustRating (0-100). Reading takes the band the number falls in.
TRUST_RATING: dict[TrustLevel, int] = {
    TrustLevel.UNTRUSTED: 10,
    TrustLevel.LOW: 35,
    TrustLevel.MEDIUM: 60,
    TrustLevel.HIGH: 90,
}
#: Rating <-> OTM asset risk numbers (0-100).
RISK_NUMBER: dict[Rating, int] = {Rating.LOW: 25, Rating.MEDIUM: 50, Rating.HIGH: 75, Rating.CRITICAL: 100}
#: Element fields OTM has its own place for (everything else is a ``trustmap:`` attribute).
_OWN_FIELDS = {
    "boundary": {"id", "name", "description", "parent", "attributes", "position"},
    "component": {"id", "name", "description", "boundary", "data_processed", "data_stored", "tags", "attributes"},
    "flow": {"id", "name", "description", "source", "target", "bidirectional", "data_assets", "tags", "attributes"},
    "data_asset": {"id", "name", "description", "attributes"},
}


def sniff(document: Mapping[str, Any]) -> bool:
    return "otmVersion" in document


# -- writing -------------------------------------------------------------------------------------


def _facts(element: Any, kind: str) -> dict[str, Any]:
    """The element's attributes plus every other field as a ``trustmap:`` key (defaults too: explicit facts)."""
    data = native.element_to_dict(element, compact=False)
    out = dict(data.get("attributes") or {})
    for key, value in data.items():
        if key not in _OWN_FIELDS[kind] and key != "position":
            out[NS + key] = value
    return out


def _representation(element_id: str, position: Any) -> list[dict[str, Any]] | None:
    if position is None:
        return None
    return [
        {
            "representation": DIAGRAM,
            "id": f"{element_id}-shape",
            "position": {"x": position.x, "y": position.y},
            "size": dict(SHAPE_SIZE),
        }
    ]


def to_document(snapshot: Snapshot) -> dict[str, Any]:
    """The OTM 0.2.0 document of a snapshot (JSON-ready; valid against the OTM schema)."""
    info = native.info_to_dict(snapshot.info)
    project_attributes = dict(info["attributes"])
    project_attributes[NS + "format"] = 1
    project_attributes[NS + "business_criticality"] = info["business_criticality"]
    for collection in ("identities", "grants", "controls", "threats"):
        items = getattr(snapshot, collection)
        if items:
            project_attributes[NS + collection] = [native.element_to_dict(e, compact=True) for e in items]
    zones = [_zone(b) for b in snapshot.boundaries]
    unzoned = None
    if any(c.boundary is None for c in snapshot.components):
        unzoned = _unused_id(snapshot, "trustmap-unzoned")
        zones.append(
            {
                "id": unzoned,
                "name": "Outside every trust boundary",
                "type": "unzoned",
                "risk": {"trustRating": TRUST_RATING[TrustLevel.MEDIUM]},
                "attributes": {NS + "synthetic": True},
            }
        )
    document: dict[str, Any] = {
        "otmVersion": OTM_VERSION,
        "project": {
            "name": info["name"],
            "id": slug(info["name"]),
            "description": info["description"],
            "tags": info["tags"],
            "attributes": project_attributes,
        },
        "representations": [{"name": "Trustmap diagram", "id": DIAGRAM, "type": "diagram"}],
        "trustZones": zones,
        "components": [_component(c, unzoned) for c in snapshot.components],
        "dataflows": [_dataflow(f) for f in snapshot.flows],
        "assets": [_asset(a) for a in snapshot.data_assets],
    }
    if snapshot.threats:
        add_otm_threats(snapshot, document)
    return document


def _unused_id(snapshot: Snapshot, base: str) -> str:
    candidate, counter = base, 2
    while candidate in snapshot.element_by_id:
        candidate, counter = f"{base}-{counter}", counter + 1
    return candidate


def _zone(boundary: Any) -> dict[str, Any]:
    zone: dict[str, Any] = {
        "id": boundary.id,
        "name": boundary.name,
        "type": boundary.kind.value,
        "description": boundary.description,
        # OTM requires a rating: an unspecified level writes the judged one (trustmap:trust_level keeps "unspecified")
        "risk": {"trustRating": TRUST_RATING[judged_trust(boundary.trust_level, boundary.kind)]},
        "attributes": _facts(boundary, "boundary"),
    }
    if boundary.parent:
        zone["parent"] = {"trustZone": boundary.parent}
    representation = _representation(boundary.id, boundary.position)
    if representation:
        zone["representations"] = representation
    return zone


def _component(component: Any, unzoned: str | None) -> dict[str, Any]:
    attributes = _facts(component, "component")
    parent_component = component.attributes.get("otm:parentComponent")
    if isinstance(parent_component, str) and parent_component:
        parent: dict[str, Any] = {"component": parent_component}
    else:
        parent = {"trustZone": component.boundary or unzoned}
    out: dict[str, Any] = {
        "id": component.id,
        "name": component.name,
        "type": component.kind.value,
        "description": component.description,
        "parent": parent,
        "tags": list(component.tags),
        "attributes": attributes,
    }
    if component.boundary is None:
        attributes[NS + "boundary"] = None
    elif "component" in parent:
        attributes[NS + "boundary"] = component.boundary
    if component.data_processed or component.data_stored:
        out["assets"] = {"processed": list(component.data_processed), "stored": list(component.data_stored)}
    representation = _representation(component.id, component.position)
    if representation:
        out["representations"] = representation
    return out


def _dataflow(flow: Any) -> dict[str, Any]:
    attributes = _facts(flow, "flow")
    out: dict[str, Any] = {
        "id": flow.id,
        "name": flow.name or f"{flow.source} -> {flow.target}",
        "description": flow.description,
        "source": flow.source,
        "destination": flow.target,
        "bidirectional": flow.bidirectional,
        "assets": list(flow.data_assets),
        "tags": list(flow.tags),
        "attributes": attributes,
    }
    if not flow.name:
        attributes[NS + "name"] = ""
    return out


def _asset(asset: Any) -> dict[str, Any]:
    return {
        "id": asset.id,
        "name": asset.name,
        "description": asset.description,
        "risk": {
            "confidentiality": RISK_NUMBER[asset.confidentiality],
            "integrity": RISK_NUMBER[asset.integrity],
            "availability": RISK_NUMBER[asset.availability],
        },
        "attributes": _facts(asset, "data_asset"),
    }


def write_bytes(snapshot: Snapshot) -> bytes:
    document = to_document(snapshot)
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def schema_errors(document: Any) -> list[str]:
    """Messages of every way ``document`` breaks the OTM 0.2.0 JSON schema (empty: valid)."""
    validator = jsonschema.Draft7Validator(schema())
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]
