"""Server-rendered pages. Thin: they call selectors/services and render templates.

The model page is the diagram editor: the view embeds the model document, the closed vocabularies (every
element field with its allowed values, built from ``threatmodel.vocabulary`` and the interchange schema) and
the API addresses as ``json_script`` blocks; the ES modules under ``static/js/editor/`` (entry ``main.js``)
do the rest through the API.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods

from catalog.packs.controls import control_ids, controls
from threatmodel import selectors, services
from threatmodel.choices import ROLE_RANK, Role
from threatmodel.domain import COLLECTION_OF_KIND, COLLECTIONS, KIND_OF_COLLECTION, Snapshot
from threatmodel.interchange.native import element_to_dict, snapshot_to_document
from threatmodel.interchange.schema import ELEMENT_SCHEMAS, ID_PATTERN
from threatmodel.invariants import ModelValidationError
from threatmodel.persistence import load_element_dicts
from threatmodel.selectors import Forbidden, NotFound
from threatmodel.vocabulary import ComponentKind

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
}
MULTILINE_FIELDS = frozenset({"description"})
#: Above this many components the editor opens on a fast grid instead of running the layered layout.
AUTO_LAYOUT_LIMIT = 400
#: Rows of each list the page renders before its script takes over (the script filters the rest).
TEXT_LIMIT = 150
#: The editor's ES modules (static paths), preloaded by the page so a first visit fetches them all at once
#: instead of discovering them import by import.
EDITOR_MODULES_DIR = Path(__file__).resolve().parents[1] / "static" / "js" / "editor"


@cache
def editor_modules() -> list[str]:
    return sorted(f"js/editor/{path.name}" for path in EDITOR_MODULES_DIR.glob("*.js"))


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
            required=(name == "name" and kind != "flow") or name == "protocol",
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
    return {"kinds": kinds, "control_ids": sorted(control_ids()), "id_pattern": ID_PATTERN}


def _api_url(name: str, **kwargs: Any) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _editor_config(request: HttpRequest, model: Any, *, can_edit: bool, positions_missing: bool) -> dict[str, Any]:
    base = f"/api/v1/models/{model.pk}/"
    return {
        "model_id": model.pk,
        "can_edit": can_edit,
        "positions_missing": positions_missing,
        "auto_layout_limit": AUTO_LAYOUT_LIMIT,
        "urls": {
            "document": base + "document/",
            "changesets": base + "changesets/",
            "live_assessment": base + "live-assessment/",
            "findings": reverse("model-findings", kwargs={"model_id": model.pk}),
            "diagram_svg": _api_url("model-diagram-svg", model_id=model.pk),
            "elk_worker": "/static/vendor/elkjs/elk-worker.min.js",
            "elk_api": "/static/vendor/elkjs/elk-api.js",
        },
    }


def _grid_positions(boundaries: list[dict[str, Any]], components: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
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
    return _with_positions(snapshot_to_document(snapshot, compact=False))


def current_document(model: Any) -> tuple[dict[str, Any], bool]:
    """The model's current document straight from the element rows (no snapshot round trip: large models)."""
    document: dict[str, Any] = {"trustmap": 1, "model": selectors.model_info(model)}
    for kind, items in load_element_dicts(model.pk).items():  # read-only; access was checked by the selector
        document[COLLECTION_OF_KIND[kind]] = items
    return _with_positions(document)


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


_JSON_SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))


def json_for_script(value: Any) -> SafeString:
    """``value`` as JSON for a ``<script type="application/json">`` block, like Django's ``json_script``
    (the same escaping of ``<``, ``>`` and ``&``, so no text can close the block) but without the spaces
    after separators and with plain replaces, not ``str.translate``: megabytes for a large model."""
    text = json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))
    for char, escaped in _JSON_SCRIPT_ESCAPES:
        text = text.replace(char, escaped)
    return mark_safe(text)  # noqa: S308 - JSON with <, > and & escaped, as json_script does


def _with_positions(document: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    missing = any(c.get("position") is None for c in document.get("components", []))
    if missing:
        grid = _grid_positions(document.get("boundaries", []), document.get("components", []))
        for item in document.get("components", []) + document.get("boundaries", []):
            if item.get("position") is None and item["id"] in grid:
                item["position"] = grid[item["id"]]
                item["_unsaved_position"] = True
    return document, missing


def _model_or_404(request: HttpRequest, model_id: int, role: str = Role.VIEWER) -> Any:
    try:
        return selectors.model_for_user(user=request.user, model_id=model_id, role=role)
    except (NotFound, Forbidden):
        raise Http404("model not found") from None


def _can_edit(request: HttpRequest, model: Any) -> bool:
    role = selectors.role_in_team(user=request.user, team_id=model.team_id)
    return role is not None and ROLE_RANK[Role(role)] >= ROLE_RANK[Role.EDITOR]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The team dashboard: models with their current score, trend and open findings by severity."""
    from assessments.views import dashboard_rows  # pages of the assessments app know the runs

    teams = list(selectors.teams_for_user(user=request.user))
    models = list(selectors.models_for_user(user=request.user).order_by("name"))
    rows = dashboard_rows(models)
    models_by_team: dict[int, list[Any]] = {team.pk: [] for team in teams}
    for model in models:
        models_by_team.setdefault(model.team_id, []).append(rows[model.pk])
    return render(
        request, "threatmodel/home.html", {"teams": [(team, models_by_team.get(team.pk, [])) for team in teams]}
    )


@login_required
@gzip_page
def model_detail(request: HttpRequest, model_id: int) -> HttpResponse:
    model = _model_or_404(request, model_id)
    document, missing = current_document(model)
    can_edit = _can_edit(request, model)
    config = _editor_config(request, model, can_edit=can_edit, positions_missing=missing)
    return render(
        request,
        "threatmodel/model_detail.html",
        {
            "model": model,
            "component_kinds": [k.value for k in ComponentKind],
            "svg_url": config["urls"]["diagram_svg"],
            "component_count": len(document.get("components", [])),
            "flow_count": len(document.get("flows", [])),
            "can_edit": can_edit,
            "editor_document": json_for_script({"revision": model.revision, "document": compact_document(document)}),
            "editor_vocabulary": editor_vocabulary(),
            "editor_config": config,
            "editor_modules": editor_modules(),
            "text_components": document.get("components", [])[:TEXT_LIMIT],
            "text_flows": document.get("flows", [])[:TEXT_LIMIT],
            "text_boundaries": document.get("boundaries", [])[:TEXT_LIMIT],
            "revisions": selectors.revisions_of_model(model=model)[:10],
        },
    )


@login_required
def revision_list(request: HttpRequest, model_id: int) -> HttpResponse:
    model = _model_or_404(request, model_id)
    return render(
        request,
        "threatmodel/revision_list.html",
        {"model": model, "revisions": selectors.revisions_of_model(model=model)[:200]},
    )


@login_required
def revision_diff(request: HttpRequest, model_id: int, number: int) -> HttpResponse:
    """One revision against the one before it: the diagram with added/removed/changed elements highlighted."""
    model = _model_or_404(request, model_id)
    try:
        revision = selectors.revision_of_model(model=model, number=number)
        previous = max(number - 1, 0)
        diff = selectors.revision_diff(model=model, from_revision=previous, to_revision=number)
        after = selectors.snapshot_of_model(model=model, revision=number)
        before = selectors.snapshot_of_model(model=model, revision=previous) if previous else None
    except NotFound:
        raise Http404("revision not found") from None
    document, _ = model_document(after)
    if before is not None:  # removed elements are drawn as ghosts from the previous revision
        before_doc, _ = model_document(before)
        present = {(c, item["id"]) for c in COLLECTIONS for item in document.get(c, [])}
        for collection in ("boundaries", "components", "flows"):
            for item in before_doc.get(collection, []):
                if (collection, item["id"]) not in present:
                    document.setdefault(collection, []).append({**item, "_removed": True})
    return render(
        request,
        "threatmodel/revision_diff.html",
        {
            "model": model,
            "diff": diff,
            "number": number,
            "revision": revision,
            "editor_document": json_for_script({"revision": number, "document": compact_document(document)}),
            "editor_vocabulary": editor_vocabulary(),
            "editor_config": {
                "model_id": model.pk,
                "can_edit": False,
                "readonly": True,
                "positions_missing": False,
                "auto_layout_limit": 0,
                "urls": {},
                "diff": {e["id"]: e["status"] for e in diff.as_dict()["elements"]},
            },
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def model_import(request: HttpRequest) -> HttpResponse:
    """Upload a native model file (YAML or JSON) into one of the user's teams; errors name their paths."""
    teams = [
        t
        for t in selectors.teams_for_user(user=request.user)
        if ROLE_RANK[Role(selectors.role_in_team(user=request.user, team_id=t.pk) or Role.VIEWER)]
        >= ROLE_RANK[Role.EDITOR]
    ]
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        team_id = request.POST.get("team", "")
        team = next((t for t in teams if str(t.pk) == team_id), None)
        if team is None:
            errors.append({"path": "team", "message": "choose a team you can edit"})
        if upload is None:
            errors.append({"path": "file", "message": "choose a model file (.yaml, .yml or .json)"})
        if not errors and team is not None and upload is not None:
            try:
                model = services.model_import(team=team, raw=upload.read(), filename=upload.name, user=request.user)
            except ModelValidationError as exc:
                errors = [{"path": i.path or "(file)", "message": i.message} for i in exc.issues]
            else:
                messages.success(request, f"Imported {model.name} (revision {model.revision}).")
                return redirect("model-detail", model_id=model.pk)
    return render(request, "threatmodel/import.html", {"teams": teams, "errors": errors}, status=400 if errors else 200)


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Personal API tokens: create (the secret is shown once), list, revoke — through the tokens API."""
    teams = list(selectors.teams_for_user(user=request.user))
    return render(
        request,
        "accounts/tokens.html",
        {
            "teams": teams,
            "config": {"urls": {"tokens": "/api/v1/tokens/"}, "teams": [{"id": t.pk, "name": t.name} for t in teams]},
        },
    )
