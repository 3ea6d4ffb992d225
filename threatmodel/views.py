"""Server-rendered pages. Thin: they call selectors/services and render templates."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from threatmodel import selectors
from threatmodel.selectors import NotFound


@login_required
def home(request: HttpRequest) -> HttpResponse:
    teams = list(selectors.teams_for_user(user=request.user))
    models_by_team: dict[int, list[Any]] = {team.pk: [] for team in teams}
    for model in selectors.models_for_user(user=request.user).order_by("name"):
        models_by_team.setdefault(model.team_id, []).append(model)
    return render(request, "threatmodel/home.html",
                  {"teams": [(team, models_by_team.get(team.pk, [])) for team in teams]})


@login_required
def model_detail(request: HttpRequest, model_id: int) -> HttpResponse:
    try:
        model = selectors.model_for_user(user=request.user, model_id=model_id)
    except NotFound:
        raise Http404("model not found") from None
    snapshot = selectors.snapshot_of_model(model=model)
    return render(request, "threatmodel/model_detail.html", {
        "model": model,
        "snapshot": snapshot,
        "revisions": selectors.revisions_of_model(model=model)[:50],
    })


@login_required
def revision_diff(request: HttpRequest, model_id: int, number: int) -> HttpResponse:
    try:
        model = selectors.model_for_user(user=request.user, model_id=model_id)
        selectors.revision_of_model(model=model, number=number)
        diff = selectors.revision_diff(model=model, from_revision=max(number - 1, 0), to_revision=number)
    except NotFound:
        raise Http404("revision not found") from None
    return render(request, "threatmodel/revision_diff.html", {"model": model, "diff": diff, "number": number})
