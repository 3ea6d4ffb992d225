"""Pages for models as things: the list (search, score, last change), New model (blank, template, file), settings
(rename, description, criticality), duplicate, archive and restore, delete with confirmation. Thin: selectors
read, services write; a refused form is shown again with the message next to its field and nothing saved."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from threatmodel import page_access, selectors, services
from threatmodel.choices import BUSINESS_CRITICALITY, Role
from threatmodel.invariants import ModelValidationError
from threatmodel.model_templates import TEMPLATE_BY_SLUG, TEMPLATES
from threatmodel.security import origin_of
from threatmodel.services import RevisionConflict

Errors = dict[str, str]


def _errors(exc: ModelValidationError) -> Errors:
    """Issues by form field: ``name``, ``description``...; the rest (a file's own paths) under ``file``."""
    out: Errors = {}
    for issue in exc.issues:
        field = issue.path.removeprefix("changes[0].data.").split(".")[0].split("[")[0]
        if field not in ("name", "description", "business_criticality", "team", "template"):
            field, text = "file", f"{issue.path}: {issue.message}" if issue.path else issue.message
        else:
            text = issue.message
        out[field] = f"{out[field]}; {text}" if field in out else text
    return out


@login_required
def model_list(request: HttpRequest) -> HttpResponse:
    """Every model of the user's teams: search by name, active or archived, with score and last change."""
    from assessments.selectors import dashboard_rows  # the assessments app knows the runs (as the dashboard)

    query = request.GET.get("q", "").strip()[:200]
    archived = request.GET.get("status") == "archived"
    models = list(selectors.search_models(user=request.user, query=query, archived=archived))
    rows = dashboard_rows(models=models)
    last = selectors.last_revisions(models=models)
    editable = selectors.team_ids_with_role(user=request.user, role=Role.EDITOR)
    owned = selectors.team_ids_with_role(user=request.user, role=Role.OWNER)
    return render(
        request,
        "threatmodel/model_list.html",
        {
            "rows": [
                {
                    **rows[model.pk],
                    "last": last.get(model.pk),
                    "can_edit": model.team_id in editable,
                    "can_delete": model.team_id in owned,
                }
                for model in models
            ],
            "query": query,
            "archived": archived,
            "can_create": bool(editable),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def model_new(request: HttpRequest) -> HttpResponse:
    """New model: a name (required, new in the team), and a start: blank, a template or a model file."""
    teams = selectors.teams_with_role(user=request.user, role=Role.EDITOR)
    values = {
        "team": request.POST.get("team") or request.GET.get("team") or (str(teams[0].pk) if teams else ""),
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
        "business_criticality": request.POST.get("business_criticality", ""),
        "start": request.POST.get("start") or request.GET.get("template") or "blank",
    }
    errors: Errors = {}
    if request.method == "POST":
        model, errors = _create_from_form(request, teams, values)
        if model is not None:
            messages.success(request, f"Created {model.name}.")
            return redirect("model-detail", model_id=model.pk)
    return render(
        request,
        "threatmodel/model_new.html",
        {
            "teams": teams,
            "values": values,
            "errors": errors,
            "templates": TEMPLATES,
            "criticalities": BUSINESS_CRITICALITY,
        },
        status=400 if errors else 200,
    )


def _create_from_form(request: HttpRequest, teams: list[Any], values: dict[str, str]) -> tuple[Any, Errors]:
    team = next((t for t in teams if str(t.pk) == values["team"]), None)
    if team is None:
        return None, {"team": "choose a team in which you are an editor"}
    upload = request.FILES.get("file")
    if upload is not None and values["start"] == "blank":  # a file chosen without its radio button: meant it
        values["start"] = "file"
    start = values["start"]
    if start == "file" and upload is None:
        return None, {"file": "choose a model file to upload"}
    if start not in ("blank", "file") and start not in TEMPLATE_BY_SLUG:
        return None, {"template": "choose one of the templates"}
    name = values["name"]
    try:
        if start == "file" and upload is not None:
            model = services.model_import(
                team=team, raw=upload.read(), filename=upload.name or "", user=request.user, name=name or None
            )
        else:
            template = TEMPLATE_BY_SLUG.get(start)
            model = services.model_start(
                team=team,
                user=request.user,
                name=name,
                template=template.snapshot() if template else None,
                template_title=template.title if template else "",
                description=values["description"] or None,
                business_criticality=values["business_criticality"] or None,
            )
    except ModelValidationError as exc:
        return None, _errors(exc)
    return model, {}


@login_required
@require_http_methods(["GET", "POST"])
def model_settings(request: HttpRequest, model_id: int) -> HttpResponse:
    """Rename the model, edit its description and business criticality (one revision, based on the revision the
    form was loaded at); and the way to duplicate, archive, restore or delete it."""
    model = page_access.model_or_404(request, model_id)
    # the role, not page_access.can_edit: an archived model's settings still offer Restore
    can_edit = selectors.has_role(user=request.user, team_id=model.team_id, role=Role.EDITOR)
    values = {
        "name": model.name,
        "description": model.description,
        "business_criticality": model.business_criticality,
        "base_revision": str(model.revision),
    }
    errors: Errors = {}
    status = 200
    if request.method == "POST":
        model = page_access.model_or_404(request, model_id, role=Role.EDITOR)
        values = {k: request.POST.get(k, values[k]) for k in values}
        changed = {
            k: values[k] for k in ("name", "description", "business_criticality") if values[k] != getattr(model, k)
        }
        try:
            if changed:
                services.model_update_info(
                    model=model, user=request.user, base_revision=_int(values["base_revision"]), fields=changed
                )
        except ModelValidationError as exc:
            errors, status = _errors(exc), 400
        except RevisionConflict as exc:
            errors, status = {"form": str(exc)}, 409
        else:
            messages.success(request, f"Saved {model.name} (revision {model.revision})." if changed else "No changes.")
            return redirect("model-settings", model_id=model.pk)
    return render(
        request,
        "threatmodel/model_settings.html",
        {
            "model": model,
            "values": values,
            "errors": errors,
            "can_edit": can_edit,
            "can_delete": selectors.has_role(user=request.user, team_id=model.team_id, role=Role.OWNER),
            "criticalities": BUSINESS_CRITICALITY,
        },
        status=status,
    )


def _int(raw: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return -1  # refused as a stale base


@login_required
@require_POST
def model_duplicate(request: HttpRequest, model_id: int) -> HttpResponse:
    model = page_access.model_or_404(request, model_id, role=Role.EDITOR)
    try:
        copy = services.model_duplicate(model=model, user=request.user, name=request.POST.get("name") or None)
    except ModelValidationError as exc:
        messages.error(request, f"Not duplicated: {'; '.join(_errors(exc).values())}")
        return redirect("model-list")
    messages.success(request, f"Duplicated {model.name} as {copy.name}.")
    return redirect("model-list")


@login_required
@require_POST
def model_archive(request: HttpRequest, model_id: int) -> HttpResponse:
    model = services.model_archive(model=page_access.model_or_404(request, model_id, role=Role.EDITOR))
    messages.success(request, f"Archived {model.name}: read-only until restored (see Archived).")
    return redirect("model-list")


@login_required
@require_POST
def model_restore(request: HttpRequest, model_id: int) -> HttpResponse:
    model = services.model_restore(model=page_access.model_or_404(request, model_id, role=Role.EDITOR))
    messages.success(request, f"Restored {model.name}.")
    return redirect("model-list")


@login_required
@require_http_methods(["GET", "POST"])
def model_delete(request: HttpRequest, model_id: int) -> HttpResponse:
    """Delete for good, after typing the model's name: elements, history, assessments and reports go with it."""
    model = page_access.model_or_404(request, model_id, role=Role.OWNER)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() == model.name:
            name = model.name
            services.model_delete(model=model, actor=request.user, origin=origin_of(request))
            messages.success(request, f"Deleted {name}.")
            return redirect("model-list")
        error = f"type the model's name, {model.name}, to confirm"
    return render(
        request,
        "threatmodel/model_delete.html",
        {"model": model, "error": error, "revision_count": selectors.revisions_of_model(model=model).count()},
        status=400 if error else 200,
    )
