"""Access for server-rendered pages, on top of the selectors' choke point: a page answers 404 for a model the
user may not see (or lacks the role for), whatever app the page belongs to."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from threatmodel import models as m
from threatmodel import selectors
from threatmodel.choices import Role
from threatmodel.selectors import Forbidden, NotFound


def model_or_404(request: HttpRequest, model_id: int, *, role: str = Role.VIEWER) -> m.ThreatModel:
    try:
        return selectors.model_for_user(user=request.user, model_id=model_id, role=role)
    except (NotFound, Forbidden):
        raise Http404("model not found") from None


def can_edit(request: HttpRequest, model: m.ThreatModel) -> bool:
    """Whether the page may offer the model's editing controls (the API checks every write again): not on an
    archived model, which is read-only until restored."""
    return model.archived_at is None and selectors.has_role(user=request.user, team_id=model.team_id, role=Role.EDITOR)
