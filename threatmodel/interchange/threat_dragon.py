"""OWASP Threat Dragon v2 JSON reader and writer. Pure Python.

Reading is lenient the way Threat Dragon itself is with real files: null style values, misspelled shapes
(``trust-broundary-curve``), flows whose end is a free point next to a node, no boundary membership
recorded. Actors, processes and stores become components, flows become flows, trust boundary boxes and
curves become boundaries whose members are computed from the geometry when the file does not list them
(a node is inside when its centre is inside the boundary's bounding box, the innermost box winning), and
the threats on each cell go to ``ImportResult.threats``.

Writing produces one STRIDE diagram that validates against Threat Dragon's v2 schema. Every cell also
carries ``data.trustmap`` (the native element) and ``detail.trustmap`` the rest of the model, so a
Trustmap export read back is the same model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from threatmodel.domain import Component, Snapshot
from threatmodel.interchange import native
from threatmodel.interchange.base import (
    ForeignThreat,
    IdAllocator,
    ImportResult,
    flag_of,
    guess_kind,
    line_index,
    list_of,
    locations_for,
    mapping_of,
    name_of,
    refuse,
    text_of,
    triage_from_attributes,
)
from threatmodel.interchange.foreign_threats import add_cell_threats, with_foreign_threats
from threatmodel.interchange.geometry import NODE_SIZE, Box, curve_box, node_box, point_of
from threatmodel.interchange.schema import FORMAT_NAME, FORMAT_VERSION
from threatmodel.invariants import Issue
from threatmodel.vocabulary import STORAGE_KINDS, WORKLOAD_KINDS, ComponentKind, Encryption, judged_encryption

TD_VERSION = "2.2.0"
SCHEMA_PATH = Path(__file__).with_name("schemas") / "threat-dragon-v2.schema.json"
#: How far (px) a free flow end may be from a node's box and still attach to it.
SNAP_DISTANCE = 60.0
_STATUS = {
    "open": "open",
    "mitigated": "mitigated",
    "eliminated": "mitigated",
    "avoided": "mitigated",
    "accepted": "accepted",
    "transferred": "accepted",
    "na": "not-applicable",
    "n/a": "not-applicable",
    "notapplicable": "not-applicable",
    "not applicable": "not-applicable",
}
_SEVERITIES = {"critical", "high", "medium", "low", "info"}


def sniff(document: Mapping[str, Any]) -> bool:
    detail = document.get("detail")
    return "summary" in document and isinstance(detail, Mapping) and "diagrams" in detail


# -- reading -------------------------------------------------------------------------------------


def _role(cell: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """actor | process | store | flow | box | curve | text | unknown, from data.type then the shape."""
    semantic = str(data.get("type") or "").lower()
    shape = str(cell.get("shape") or "").lower()
    for key, role in (
        ("tm.actor", "actor"),
        ("tm.process", "process"),
        ("tm.store", "store"),
        ("tm.flow", "flow"),
        ("tm.boundarybox", "box"),
        ("tm.boundary", "curve"),
        ("tm.text", "text"),
    ):
        if semantic == key:
            return role
    if shape in ("actor", "process", "store", "flow"):
        return shape
    if "bound" in shape:  # trust-boundary-box, trust-boundary-curve and misspellings like trust-broundary-curve
        return "box" if "box" in shape else "curve"
    if "text" in shape:
        return "text"
    return "unknown"


@dataclass
class _Cell:
    path: str
    cell: Mapping[str, Any]
    data: Mapping[str, Any]
    role: str
    native_id: str
    box: Box | None
    diagram: int = 0


class _Reader:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.doc = document
        self.ids = IdAllocator()
        self.assumptions: list[Issue] = []
        self.threats: list[ForeignThreat] = []
        self.foreign_of: dict[str, str] = {}
        self.detail = mapping_of(document.get("detail"), "detail")
        self.ours = mapping_of(self.detail.get("trustmap"), "detail.trustmap")
        self.cells: list[_Cell] = []

    def assume(self, path: str, message: str) -> None:
        self.assumptions.append(Issue(path, message))

    def read(self) -> dict[str, Any]:
        summary = mapping_of(self.doc.get("summary"), "summary")
        text_of(self.doc.get("version"), "version")
        self._collect()
        nodes = [c for c in self.cells if c.role in ("actor", "process", "store")]
        boundaries = [c for c in self.cells if c.role in ("box", "curve")]
        by_foreign = {str(c.cell.get("id")): c for c in self.cells}
        document: dict[str, Any] = {
            FORMAT_NAME: FORMAT_VERSION,
            "model": self._model(summary),
            "boundaries": [self._boundary(c, boundaries) for c in boundaries],
            "components": [self._component(c, boundaries) for c in nodes],
            "flows": [f for c in self.cells if c.role == "flow" for f in [self._flow(c, nodes, by_foreign)] if f],
        }
        for collection in ("data_assets", "identities", "grants", "controls", "threats"):
            document[collection] = list_of(self.ours.get(collection), f"detail.trustmap.{collection}")
        for cell in nodes + [c for c in self.cells if c.role == "flow"]:
            self._threats(cell)
        return document

    def _collect(self) -> None:
        for d_index, diagram in enumerate(list_of(self.detail.get("diagrams"), "detail.diagrams")):
            diagram = mapping_of(diagram, f"detail.diagrams[{d_index}]")
            for c_index, cell in enumerate(list_of(diagram.get("cells"), f"detail.diagrams[{d_index}].cells")):
                path = f"detail.diagrams[{d_index}].cells[{c_index}]"
                cell = mapping_of(cell, path)
                data = mapping_of(cell.get("data"), f"{path}.data")
                role = _role(cell, data)
                if role in ("text", "unknown"):
                    if role == "unknown":
                        self.assume(path, f"shape {cell.get('shape')!r} is not one Trustmap knows: skipped")
                    continue
                foreign = text_of(cell.get("id"), f"{path}.id", limit=512, required=True)
                if self.ids.get("cell", foreign) is not None:
                    raise refuse(f"{path}.id", f"duplicate cell id {foreign!r}")
                ours = mapping_of(data.get("trustmap"), f"{path}.data.trustmap")
                native_id = self.ids.allocate(
                    "cell", str(ours.get("id") or foreign), text_of(data.get("name"), f"{path}.data.name")
                )
                self.ids.native_of[("cell", foreign)] = native_id
                self.foreign_of[native_id] = foreign
                box = node_box(cell, path) if role != "curve" else curve_box(cell, path)
                self.cells.append(_Cell(path, cell, data, role, native_id, box, d_index))

    def _model(self, summary: Mapping[str, Any]) -> dict[str, Any]:
        ours = mapping_of(self.ours.get("model"), "detail.trustmap.model")
        if ours:
            return dict(ours)
        attributes = {}
        if summary.get("owner"):
            attributes["threat-dragon:owner"] = text_of(summary.get("owner"), "summary.owner")
        return {
            "name": name_of(summary.get("title"), "summary.title", "Imported Threat Dragon model"),
            "description": text_of(summary.get("description"), "summary.description"),
            "attributes": attributes,
        }

    def _base(self, cell: _Cell) -> tuple[dict[str, Any], bool]:
        ours = mapping_of(cell.data.get("trustmap"), f"{cell.path}.data.trustmap")
        if ours:
            return {**ours, "id": cell.native_id}, True
        out: dict[str, Any] = {
            "id": cell.native_id,
            "description": text_of(cell.data.get("description"), f"{cell.path}.data.description"),
            "foreign_id": self.foreign_of[cell.native_id][:512],
        }
        attributes: dict[str, Any] = {}
        if flag_of(cell.data.get("outOfScope")):
            attributes["threat-dragon:outOfScope"] = True
            reason = text_of(cell.data.get("reasonOutOfScope"), f"{cell.path}.data.reasonOutOfScope")
            if reason:
                attributes["threat-dragon:reasonOutOfScope"] = reason
        out["attributes"] = attributes
        return out, False

    def _name(self, cell: _Cell, fallback: str) -> str:
        label = mapping_of(
            mapping_of(cell.cell.get("attrs"), f"{cell.path}.attrs").get("text"), f"{cell.path}.attrs.text"
        )
        raw = cell.data.get("name") or label.get("text")
        return name_of(raw, f"{cell.path}.data.name", fallback)

    def _innermost(self, point: tuple[float, float] | None, boundaries: list[_Cell], exclude: str = "") -> str | None:
        if point is None:
            return None
        inside = [b for b in boundaries if b.box is not None and b.native_id != exclude and b.box.contains(point)]
        return min(inside, key=lambda b: b.box.area if b.box else 0.0).native_id if inside else None

    def _listed_member(self, cell: _Cell, boundaries: list[_Cell]) -> str | None:
        """The boundary whose ``containedElements`` lists the cell (recent Threat Dragon files record it)."""
        foreign = self.foreign_of[cell.native_id]
        listed = [
            b
            for b in boundaries
            if foreign in [str(x) for x in list_of(b.data.get("containedElements"), f"{b.path}.data.containedElements")]
        ]
        return min(listed, key=lambda b: b.box.area if b.box else 0.0).native_id if listed else None

    def _boundary(self, cell: _Cell, boundaries: list[_Cell]) -> dict[str, Any]:
        out, ours = self._base(cell)
        if ours:
            return out
        out["name"] = self._name(cell, "Trust boundary")
        out["kind"] = "network-zone"
        if cell.box is not None and cell.role == "box":
            out["position"] = {"x": cell.box.x, "y": cell.box.y}
            parents = [
                b
                for b in boundaries
                if b.role == "box" and b.box is not None and b.diagram == cell.diagram and b.box.encloses(cell.box)
            ]
            if parents:
                out["parent"] = min(parents, key=lambda b: b.box.area if b.box else 0.0).native_id
        out["attributes"]["threat-dragon:shape"] = (
            "trust-boundary-box" if cell.role == "box" else "trust-boundary-curve"
        )
        if cell.role == "curve":
            self.assume(
                cell.path,
                f"trust boundary curve {out['name']!r}: members are the nodes inside the curve's bounding box "
                "(a curve encloses no area; Threat Dragon computes it the same way)",
            )
        return out

    def _component(self, cell: _Cell, boundaries: list[_Cell]) -> dict[str, Any]:
        out, ours = self._base(cell)
        if ours:
            return out
        name = self._name(cell, cell.role.title())
        out["name"] = name
        kind = self._kind(cell, name)
        out["kind"] = kind.value
        if cell.role == "store" and flag_of(cell.data.get("isEncrypted")):
            out["encryption_at_rest"] = True
        for key in ("privilegeLevel", "providesAuthentication", "isSigned", "storesCredentials", "handlesCardPayment"):
            if key in cell.data and cell.data[key] not in (None, "", False):
                out["attributes"][f"threat-dragon:{key}"] = cell.data[key]
        listed = self._listed_member(cell, boundaries)
        same_diagram = [b for b in boundaries if b.diagram == cell.diagram]
        out["boundary"] = listed or self._innermost(cell.box.centre if cell.box else None, same_diagram)
        if cell.box is not None:
            out["position"] = {"x": cell.box.x, "y": cell.box.y}
        return out

    def _kind(self, cell: _Cell, name: str) -> ComponentKind:
        guessed = guess_kind(name)
        if cell.role == "actor":
            return (
                guessed
                if guessed in (ComponentKind.HUMAN_USER, ComponentKind.EXTERNAL_ENTITY)
                else ComponentKind.EXTERNAL_ENTITY
            )
        if cell.role == "store":
            if flag_of(cell.data.get("isALog")):
                return ComponentKind.LOGGING
            return guessed if guessed in STORAGE_KINDS else ComponentKind.DATASTORE
        if flag_of(cell.data.get("isWebApplication")):
            return ComponentKind.WEB_FRONTEND
        return guessed if guessed in WORKLOAD_KINDS else ComponentKind.SERVICE

    def _end(self, cell: _Cell, side: str, nodes: list[_Cell], by_foreign: Mapping[str, _Cell]) -> str | None:
        end = mapping_of(cell.cell.get(side), f"{cell.path}.{side}")
        attached = end.get("cell")
        if attached is not None:
            target = by_foreign.get(str(attached))
            return target.native_id if target is not None and target.role in ("actor", "process", "store") else None
        point = point_of(end, f"{cell.path}.{side}")
        if point is None:
            return None
        near = sorted(
            (n.box.distance(point), n.native_id) for n in nodes if n.box is not None and n.diagram == cell.diagram
        )
        if near and near[0][0] <= SNAP_DISTANCE:
            self.assume(f"{cell.path}.{side}", f"free flow end at {point} attached to the nearest node {near[0][1]!r}")
            return near[0][1]
        return None

    def _flow(self, cell: _Cell, nodes: list[_Cell], by_foreign: Mapping[str, _Cell]) -> dict[str, Any] | None:
        source = self._end(cell, "source", nodes, by_foreign)
        target = self._end(cell, "target", nodes, by_foreign)
        if source is None or target is None or source == target:
            self.assume(cell.path, "flow without a node at both ends: skipped")
            return None
        out, ours = self._base(cell)
        out["source"], out["target"] = source, target
        if ours:
            return out
        out["name"] = self._name(cell, "")
        protocol = text_of(cell.data.get("protocol"), f"{cell.path}.data.protocol", limit=64).lower()
        out["protocol"] = protocol or "https"
        if not protocol:
            self.assume(f"{cell.path}.data.protocol", "no protocol: https assumed")
        if "isEncrypted" in cell.data:  # absent: the encryption stays unspecified
            out["encryption"] = "tls" if flag_of(cell.data.get("isEncrypted")) else "none"
        out["bidirectional"] = flag_of(cell.data.get("isBidirectional"))
        if flag_of(cell.data.get("isPublicNetwork")):
            out["attributes"]["threat-dragon:isPublicNetwork"] = True
        return out

    def _threats(self, cell: _Cell) -> None:
        path = f"{cell.path}.data.threats"
        for index, raw in enumerate(list_of(cell.data.get("threats"), path)):
            threat = mapping_of(raw, f"{path}[{index}]")
            where = f"{path}[{index}]"
            status = text_of(threat.get("status"), f"{where}.status")
            severity = text_of(threat.get("severity"), f"{where}.severity").lower()
            self.threats.append(
                ForeignThreat(
                    id=text_of(threat.get("id") or threat.get("threatId"), f"{where}.id")
                    or f"{cell.native_id}-threat-{index + 1}",
                    title=name_of(threat.get("title"), f"{where}.title", "Untitled threat"),
                    element=cell.native_id,
                    status=_STATUS.get(status.lower(), "open"),
                    severity=severity if severity in _SEVERITIES else "",
                    category=text_of(threat.get("type"), f"{where}.type"),
                    description=text_of(threat.get("description"), f"{where}.description"),
                    mitigation=text_of(threat.get("mitigation"), f"{where}.mitigation"),
                    source_status=status,
                )
            )


def read_result(document: Any, text: str, filename: str, known_controls: frozenset[str] | None) -> ImportResult:
    if not isinstance(document, Mapping):
        raise refuse("", "a Threat Dragon file must be an object at the top level")
    reader = _Reader(document)
    native_document = reader.read()
    snapshot = with_foreign_threats(
        native.snapshot_from_document(native_document, known_controls=known_controls), reader.threats
    )
    return ImportResult(
        format="threat-dragon",
        snapshot=snapshot,
        assumptions=tuple(reader.assumptions),
        locations=locations_for(filename, line_index(text), reader.foreign_of, snapshot.element_by_id),
        threats=tuple(reader.threats),
        triage=triage_from_attributes(snapshot.info.attributes, "detail.trustmap.model.attributes"),
    )


# -- writing -------------------------------------------------------------------------------------

_GAP, _PAD = 60.0, 30.0


def _layout(snapshot: Snapshot) -> dict[str, tuple[float, float]]:
    """Positions for components without one: grouped by boundary chain so boxes enclose their members."""
    placed: dict[str, tuple[float, float]] = {}
    groups: dict[tuple[str, ...], list[Component]] = {}
    for component in snapshot.components:
        if component.position is not None:
            placed[component.id] = (component.position.x, component.position.y)
        else:
            chain = tuple(reversed(snapshot.boundary_chain(component.boundary)))
            groups.setdefault(chain, []).append(component)
    x = 40.0
    for chain in sorted(groups):
        depth = len(chain)
        y = 40.0 + depth * _PAD
        for row, component in enumerate(groups[chain]):
            placed[component.id] = (x + depth * _PAD, y + row * (NODE_SIZE[1] + _GAP))
        x += NODE_SIZE[0] + 2 * depth * _PAD + _GAP
    return placed


def _cell_id(element_id: str) -> str:
    return element_id if len(element_id) >= 2 else f"tm-{element_id}"


_SHAPES = {
    ComponentKind.HUMAN_USER: ("actor", "tm.Actor"),
    ComponentKind.EXTERNAL_ENTITY: ("actor", "tm.Actor"),
}


def _node_cell(component: Component, position: tuple[float, float], z: int) -> dict[str, Any]:
    shape, semantic = _SHAPES.get(
        component.kind, ("store", "tm.Store") if component.kind in STORAGE_KINDS else ("process", "tm.Process")
    )
    data: dict[str, Any] = {
        "type": semantic,
        "name": component.name,
        "description": component.description,
        "outOfScope": False,
        "reasonOutOfScope": "",
        "hasOpenThreats": False,
        "threats": [],
        "trustmap": native.element_to_dict(component, compact=True),
    }
    if semantic == "tm.Store":
        data.update(
            isALog=component.kind == ComponentKind.LOGGING, isEncrypted=component.encryption_at_rest, isSigned=False
        )
    elif semantic == "tm.Process":
        data.update(privilegeLevel="", isWebApplication=component.kind == ComponentKind.WEB_FRONTEND)
    else:
        data["providesAuthentication"] = False
    width, height = (100.0, 100.0) if shape == "process" else NODE_SIZE
    return {
        "id": _cell_id(component.id),
        "shape": shape,
        "zIndex": z,
        "position": {"x": position[0], "y": position[1]},
        "size": {"width": width, "height": height},
        "attrs": {
            "text": {"text": component.name},
            "body": {"stroke": "#333333", "strokeWidth": 1.5, "strokeDasharray": "none"},
        },
        "data": data,
    }


def _boundary_cells(snapshot: Snapshot, boxes: Mapping[str, Box]) -> list[dict[str, Any]]:
    cells = []
    for index, boundary in enumerate(snapshot.boundaries):
        box = boxes.get(boundary.id) or Box(
            boundary.position.x if boundary.position else 0.0,
            boundary.position.y if boundary.position else 0.0,
            200.0,
            120.0,
        )
        cells.append(
            {
                "id": _cell_id(boundary.id),
                "shape": "trust-boundary-box",
                "zIndex": -1 - index,
                "position": {"x": box.x, "y": box.y},
                "size": {"width": max(box.width, 10.0), "height": max(box.height, 10.0)},
                "attrs": {
                    "label": {"text": boundary.name},
                    "body": {"stroke": "#333333", "strokeWidth": 3.0, "strokeDasharray": "10 5"},
                },
                "data": {
                    "type": "tm.BoundaryBox",
                    "name": boundary.name,
                    "description": boundary.description,
                    "isTrustBoundary": True,
                    "hasOpenThreats": False,
                    "trustmap": native.element_to_dict(boundary, compact=True),
                },
            }
        )
    return cells


def _boundary_boxes(snapshot: Snapshot, nodes: Mapping[str, Box]) -> dict[str, Box]:
    """Each boundary's box: around its members and nested boundaries, padded by nesting."""
    members: dict[str, list[Box]] = {}
    for component in snapshot.components:
        for depth, boundary in enumerate(snapshot.boundary_chain(component.boundary)):
            box = nodes[component.id]
            pad = _PAD * (depth + 0.5)
            members.setdefault(boundary, []).append(
                Box(box.x - pad, box.y - pad, box.width + 2 * pad, box.height + 2 * pad)
            )
    out = {}
    for boundary, boxes in members.items():
        left, top = min(b.x for b in boxes), min(b.y for b in boxes)
        right, bottom = max(b.x + b.width for b in boxes), max(b.y + b.height for b in boxes)
        out[boundary] = Box(left, top, right - left, bottom - top)
    return out


def _flow_cell(flow: Any, z: int) -> dict[str, Any]:
    return {
        "id": _cell_id(flow.id),
        "shape": "flow",
        "zIndex": z,
        "connector": "smooth",
        "source": {"cell": _cell_id(flow.source)},
        "target": {"cell": _cell_id(flow.target)},
        "vertices": [],
        "labels": [flow.name] if flow.name else [],
        "attrs": {
            "line": {
                "stroke": "#333333",
                "strokeWidth": 1.5,
                "strokeDasharray": "none",
                "targetMarker": {"name": "block"},
                "sourceMarker": {"name": "block" if flow.bidirectional else ""},
            }
        },
        "data": {
            "type": "tm.Flow",
            "name": flow.name,
            "description": flow.description,
            "outOfScope": False,
            "reasonOutOfScope": "",
            "protocol": flow.protocol,
            "isEncrypted": judged_encryption(flow.encryption, flow.protocol) is not Encryption.NONE,
            "isPublicNetwork": False,
            "isBidirectional": flow.bidirectional,
            "hasOpenThreats": False,
            "threats": [],
            "trustmap": native.element_to_dict(flow, compact=True),
        },
    }


def to_document(snapshot: Snapshot) -> dict[str, Any]:
    positions = _layout(snapshot)
    node_cells = [_node_cell(c, positions[c.id], 10 + i) for i, c in enumerate(snapshot.components)]
    nodes = {
        c.id: Box(cell["position"]["x"], cell["position"]["y"], cell["size"]["width"], cell["size"]["height"])
        for c, cell in zip(snapshot.components, node_cells, strict=True)
    }
    cells = _boundary_cells(snapshot, _boundary_boxes(snapshot, nodes)) + node_cells
    cells += [_flow_cell(f, 10 + len(node_cells) + i) for i, f in enumerate(snapshot.flows)]
    ours: dict[str, Any] = {"model": native.info_to_dict(snapshot.info)}
    for collection in ("data_assets", "identities", "grants", "controls", "threats"):
        items = getattr(snapshot, collection)
        if items:
            ours[collection] = [native.element_to_dict(e, compact=True) for e in items]
    if snapshot.threats:
        add_cell_threats(snapshot, cells)
    return {
        "version": TD_VERSION,
        "summary": {"title": snapshot.info.name, "owner": "", "description": snapshot.info.description},
        "detail": {
            "contributors": [],
            "reviewer": "",
            "diagrams": [
                {
                    "id": 0,
                    "title": snapshot.info.name,
                    "diagramType": "STRIDE",
                    "placeholder": "New STRIDE diagram description",
                    "thumbnail": "./public/content/images/thumbnail.stride.jpg",
                    "version": TD_VERSION,
                    "cells": cells,
                }
            ],
            "diagramTop": 1,
            "threatTop": 0,
            "trustmap": ours,
        },
    }


def write_bytes(snapshot: Snapshot) -> bytes:
    return (json.dumps(to_document(snapshot), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def schema_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft7Validator(schema())
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]
