"""Server-rendered pages. Thin: they call selectors/services and render templates.

The model page is the diagram editor: the view embeds the model document, the closed vocabularies (every
element field with its allowed values, built by ``threatmodel.editor`` from ``threatmodel.vocabulary`` and the
interchange schema) and the API addresses as ``json_script`` blocks; the ES modules under ``static/js/editor/``
(entry ``main.js``) do the rest through the API.
"""

from __future__ import annotations

import json
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

from threatmodel import page_access, selectors, selectors_mesh, services
from threatmodel.choices import Role
from threatmodel.domain import COLLECTION_OF_KIND, COLLECTIONS
from threatmodel.editor import compact_document, editor_vocabulary, model_document, with_positions
from threatmodel.invariants import ModelValidationError
from threatmodel.persistence import load_element_dicts
from threatmodel.selectors import NotFound
from threatmodel.vocabulary import ComponentKind

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
            "conformance": base + "conformance/",
            "conformance_page": f"/models/{model.pk}/conformance/",
            "export": base + "export/",
            "elk_worker": "/static/vendor/elkjs/elk-worker.min.js",
            "elk_api": "/static/vendor/elkjs/elk-api.js",
        },
    }


def current_document(model: Any) -> tuple[dict[str, Any], bool]:
    """The model's current document straight from the element rows (no snapshot round trip: large models)."""
    document: dict[str, Any] = {"trustmap": 1, "model": selectors.model_info(model)}
    for kind, items in load_element_dicts(model.pk).items():  # read-only; access was checked by the selector
        document[COLLECTION_OF_KIND[kind]] = items
    return with_positions(document)


_JSON_SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))


def json_for_script(value: Any) -> SafeString:
    """``value`` as JSON for a ``<script type="application/json">`` block, like Django's ``json_script``
    (the same escaping of ``<``, ``>`` and ``&``, so no text can close the block) but without the spaces
    after separators and with plain replaces, not ``str.translate``: megabytes for a large model."""
    text = json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))
    for char, escaped in _JSON_SCRIPT_ESCAPES:
        text = text.replace(char, escaped)
    return mark_safe(text)  # noqa: S308 - JSON with <, > and & escaped, as json_script does


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The team dashboard: models with their current score, trend and open findings by severity."""
    from assessments.selectors import dashboard_rows  # the assessments app knows the runs

    teams = list(selectors.teams_for_user(user=request.user))
    models = list(selectors.models_for_user(user=request.user).filter(archived_at__isnull=True).order_by("name"))
    rows = dashboard_rows(models=models)
    models_by_team: dict[int, list[Any]] = {team.pk: [] for team in teams}
    for model in models:
        models_by_team.setdefault(model.team_id, []).append(rows[model.pk])
    editable = selectors.team_ids_with_role(user=request.user, role=Role.EDITOR)
    return render(
        request,
        "threatmodel/home.html",
        {
            "teams": [(team, models_by_team.get(team.pk, []), team.pk in editable) for team in teams],
            "can_create": bool(editable),
        },
    )


@login_required
@gzip_page
def model_detail(request: HttpRequest, model_id: int) -> HttpResponse:
    model = page_access.model_or_404(request, model_id)
    document, missing = current_document(model)
    can_edit = page_access.can_edit(request, model)
    config = _editor_config(request, model, can_edit=can_edit, positions_missing=missing)
    return render(
        request,
        "threatmodel/model_detail.html",
        {
            "model": model,
            "component_kinds": [k.value for k in ComponentKind],
            "svg_url": config["urls"]["diagram_svg"],
            "export_url": config["urls"]["export"],
            "component_count": len(document.get("components", [])),
            "flow_count": len(document.get("flows", [])),
            "can_edit": can_edit,
            "has_manifests": selectors_mesh.has_manifests(model=model),
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
    model = page_access.model_or_404(request, model_id)
    return render(
        request,
        "threatmodel/revision_list.html",
        {"model": model, "revisions": selectors.revisions_of_model(model=model)[:200]},
    )


@login_required
def revision_diff(request: HttpRequest, model_id: int, number: int) -> HttpResponse:
    """One revision against the one before it: the diagram with added/removed/changed elements highlighted."""
    model = page_access.model_or_404(request, model_id)
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
    """Upload a model file of any importable format into one of the user's teams; errors name their paths."""
    teams = [
        t
        for t in selectors.teams_for_user(user=request.user)
        if selectors.has_role(user=request.user, team_id=t.pk, role=Role.EDITOR)
    ]
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        team_id = request.POST.get("team", "")
        team = next((t for t in teams if str(t.pk) == team_id), None)
        if team is None:
            errors.append({"path": "team", "message": "choose a team you can edit"})
        if upload is None:
            errors.append({"path": "file", "message": "choose a model file (.yaml, .yml, .json, .otm or .tm7)"})
        if not errors and team is not None and upload is not None:
            try:
                outcome = services.model_import_file(
                    team=team, raw=upload.read(), filename=upload.name or "", user=request.user
                )
            except ModelValidationError as exc:
                errors = [{"path": i.path or "(file)", "message": i.message} for i in exc.issues]
            else:
                model = outcome.model
                if outcome.assumptions:  # the importer reads what was assumed before opening the model
                    return render(request, "threatmodel/import.html", {"teams": teams, "imported": outcome})
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
