"""What the diagram editor's page embeds besides the model: the element vocabulary and a first layout (pure).

* :func:`editor_vocabulary`: every element kind's fields with type, default and allowed values (from
  ``threatmodel.vocabulary`` through the interchange schema) and the assessment vocabulary the editor shows
  findings with (severities, most severe first). ``static/js/editor/config.js`` reads it from the page; it
  declares none of these values itself.
* :func:`with_positions`: grid positions (a nested shelf packing, :func:`grid_positions`) for components and
  boundaries that have none, so a model without a layout opens at once.
* :func:`compact_document`: the document without fields left at their default (the script puts them back from
  the vocabulary).

No Django: ``threatmodel.views`` renders the page around these.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from functools import cache
from typing import Any

from catalog.packs.controls import control_ids, controls
from catalog.packs.loader import load_rule_catalog
from threatmodel.domain import COLLECTIONS, KIND_OF_COLLECTION, Snapshot
from threatmodel.interchange.native import element_to_dict, snapshot_to_document
from threatmodel.interchange.schema import ELEMENT_SCHEMAS, ID_PATTERN
from threatmodel.vocabulary import SEVERITIES

#: Which element kind a reference field points at ("*any" = any element; "component|data_asset|*" for grants).
REFERENCE_FIELDS: dict[tuple[str, str], str] = {
    ("boundary", "parent"): "boundary",
    ("component", "boundary"): "boundary",
    ("component", "identity"): "identity",
    ("component", "data_stored"): "data_asset",
    ("component", "data_processed"): "data_asset",
    ("flow", "source"): "component",
    ("flow", "target"): "component",
    ("flow", "data_assets"): "data_asset",
    ("grant", "identity"): "identity",
    ("grant", "target"): "component|data_asset|*",
    ("control", "target"): "*any",
    ("threat", "target"): "*any",
    ("threat", "controls"): "control",
}
MULTILINE_FIELDS = frozenset({"description", "mitigation"})


def _field_spec(kind: str, name: str, schema: dict[str, Any], default: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "label": name.replace("_", " ").capitalize(), "default": default}
    ref = REFERENCE_FIELDS.get((kind, name))
    options = schema.get("anyOf", [schema])
    types = {o.get("type") for o in options}
    if name == "position":
        spec["type"] = "position"
    elif name == "attributes":
        spec["type"] = "json"
    elif name == "tags":
        spec["type"] = "tags"
    elif kind == "control" and name == "control":
        spec.update(
            type="enum",
            values=[c["id"] for c in controls()],
            labels={c["id"]: c.get("name", c["id"]) for c in controls()},
        )
    elif ref is not None:
        spec.update(type="refs" if "array" in types else "ref", ref=ref, nullable="null" in types)
    elif name == "actions":
        spec.update(type="multi", values=schema["items"]["enum"])
    elif "enum" in schema:
        spec.update(type="enum", values=schema["enum"])
    elif "boolean" in types:
        spec["type"] = "bool"
    elif "integer" in types:
        spec.update(type="int", nullable="null" in types, minimum=1, maximum=65535)
    else:
        spec.update(
            type="text" if name in MULTILINE_FIELDS else "string",
            maxLength=schema.get("maxLength"),
            required=(name == "name" and kind != "flow") or name in ("protocol", "title"),
        )
    if name == "id":
        spec["readonly"] = True
    return spec


@cache
def editor_vocabulary() -> dict[str, Any]:
    """Every element kind's fields with type, default and allowed values (for the properties panel)."""
    kinds: dict[str, Any] = {}
    for collection, element_type in COLLECTIONS.items():
        kind = KIND_OF_COLLECTION[collection]
        defaults: dict[str, Any] = {}
        for f in dataclasses.fields(element_type):
            if f.default is not dataclasses.MISSING:
                defaults[f.name] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                defaults[f.name] = f.default_factory()
        sample = element_to_dict(
            element_type(
                **{
                    f.name: "x"
                    for f in dataclasses.fields(element_type)
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                }
            )
        )
        properties = ELEMENT_SCHEMAS[collection]["properties"]
        kinds[kind] = {
            "collection": collection,
            "fields": [
                _field_spec(kind, name, properties[name], sample.get(name) if name in defaults else None)
                for name in sample
                if name in properties
            ],
        }
    return {
        "kinds": kinds,
        "control_ids": sorted(control_ids()),
        "id_pattern": ID_PATTERN,
        "severities": list(SEVERITIES),
        "quick_fixes": quick_fixes(),
    }


def quick_fixes() -> dict[str, dict[str, Any]]:
    """Per catalog rule with one (``quick_fix`` in its pack): the one-click fix the editor offers on a finding."""
    out: dict[str, dict[str, Any]] = {}
    for rule_id, meta in load_rule_catalog().items():
        quick = meta.quick_fix
        if quick is not None:
            out[rule_id] = {
                "label": quick.label,
                "scope": meta.scope,
                "set": dict(quick.set),
                "add_control": quick.add_control,
            }
    return out


def grid_positions(boundaries: list[dict[str, Any]], components: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """A fast nested shelf packing (boundaries as blocks of their children) for models without positions."""
    node_w, node_h, gap, pad, label = 150.0, 50.0, 30.0, 20.0, 24.0
    children: dict[str | None, list[str]] = defaultdict(list)
    members: dict[str | None, list[str]] = defaultdict(list)
    known = {b["id"] for b in boundaries}
    for b in sorted(boundaries, key=lambda b: b["id"]):
        children[b.get("parent") if b.get("parent") in known else None].append(b["id"])
    for c in sorted(components, key=lambda c: c["id"]):
        members[c.get("boundary") if c.get("boundary") in known else None].append(c["id"])
    positions: dict[str, dict[str, float]] = {}

    def size_of(boundary: str | None, seen: frozenset[str]) -> tuple[float, float, list[tuple[str, float, float]]]:
        blocks: list[tuple[str, float, float, list[Any]]] = []
        for child in children.get(boundary, []):
            if child in seen:
                continue
            w, h, inner = size_of(child, seen | {child})
            blocks.append((child, w, h, inner))
        comps = members.get(boundary, [])
        cols = max(1, math.ceil(math.sqrt(len(comps) * 1.6))) if comps else 0
        comp_w = cols * (node_w + gap) - gap if comps else 0.0
        comp_h = math.ceil(len(comps) / cols) * (node_h + gap) - gap if comps else 0.0
        # shelf-pack child boundaries in rows under the components
        total_area = sum(w * h for _, w, h, _ in blocks) + comp_w * comp_h
        row_limit = max(comp_w, math.sqrt(total_area) * 1.4 if total_area else 0.0, 300.0)
        placed: list[tuple[str, float, float]] = []
        for i, cid in enumerate(comps):
            placed.append((cid, (i % cols) * (node_w + gap) + node_w / 2, (i // cols) * (node_h + gap) + node_h / 2))
        x, y, row_h = 0.0, comp_h + (gap * 1.5 if comps else 0.0), 0.0
        width = comp_w
        for bid, w, h, inner in blocks:
            if x > 0 and x + w > row_limit:
                x, y, row_h = 0.0, y + row_h + gap * 1.5, 0.0
            for eid, ex, ey in inner:
                placed.append((eid, x + ex, y + ey))
            placed.append((bid, x + w / 2, y + h / 2))
            x += w + gap * 1.5
            row_h = max(row_h, h)
            width = max(width, x - gap * 1.5)
        height = y + row_h if blocks else comp_h
        if boundary is None:
            return width, height, placed
        shifted = [(eid, ex + pad, ey + pad + label) for eid, ex, ey in placed]
        return max(width, 160.0) + 2 * pad, max(height, 60.0) + 2 * pad + label, shifted

    _, _, placed = size_of(None, frozenset())
    for eid, x, y in placed:
        positions[eid] = {"x": round(x, 1), "y": round(y, 1)}
    return positions


def model_document(snapshot: Snapshot) -> tuple[dict[str, Any], bool]:
    """The native document (full dicts) of a snapshot for the editor, grid positions filled in where missing."""
    return with_positions(snapshot_to_document(snapshot, compact=False))


@cache
def _element_defaults() -> dict[str, dict[str, Any]]:
    """Per collection: the fields whose default is a plain JSON value (what the page's script fills back in)."""
    return {
        kind["collection"]: {
            f["name"]: f["default"] for f in kind["fields"] if f["default"] is not None and f["name"] != "id"
        }
        for kind in editor_vocabulary()["kinds"].values()
    }


def compact_document(document: dict[str, Any]) -> dict[str, Any]:
    """Drop element fields left at their default (a third of the size of a large model's page); the editor
    puts the defaults back from the vocabulary, so nothing is lost. The items are copied, not changed."""
    out = dict(document)
    for collection, fields in _element_defaults().items():
        items = out.get(collection)
        if not items:
            continue
        checks = [*fields.items(), ("position", None)]
        compacted = []
        for item in items:
            item = item.copy()
            for key, default in checks:  # the few defaulted fields, not every field of every item
                if key in item and item[key] == default:
                    del item[key]
            compacted.append(item)
        out[collection] = compacted
    return out


def with_positions(document: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Grid positions for the components and boundaries without one (marked ``_unsaved_position``), and whether
    any component had none."""
    missing = any(c.get("position") is None for c in document.get("components", []))
    if missing:
        grid = grid_positions(document.get("boundaries", []), document.get("components", []))
        for item in document.get("components", []) + document.get("boundaries", []):
            if item.get("position") is None and item["id"] in grid:
                item["position"] = grid[item["id"]]
                item["_unsaved_position"] = True
    return document, missing
