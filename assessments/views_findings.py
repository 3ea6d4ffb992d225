"""The findings page of a model (its latest stored assessment: filters as GET parameters, sorting, 50 a page, a
detail row per finding) and its bulk triage form. Thin: reads through ``assessments.selectors_findings`` and
``selectors.run_counts``, writes through ``services.triage.finding_triage_set_many``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessments.choices import TriageStatus
from assessments.filtersets import SORTS
from assessments.forms import BulkTriageForm
from assessments.selectors import SEVERITY_ORDER, latest_successful_run, run_counts
from assessments.selectors_findings import findings_page, fingerprints_to_triage, team_member, team_members
from assessments.services.triage import finding_triage_set_many
from threatmodel import page_access
from threatmodel.choices import Role
from threatmodel.invariants import ModelValidationError
from threatmodel.security import origin_of


@login_required
def model_findings(request: HttpRequest, model_id: int) -> HttpResponse:
    model = page_access.model_or_404(request, model_id)
    editable = page_access.can_edit(request, model)
    stored = latest_successful_run(model_id=model.pk)
    counts = run_counts(run=stored) if stored is not None else None
    listing = (
        findings_page(model=model, run=stored, params=request.GET, page_number=request.GET.get("page"))
        if stored is not None
        else None
    )
    query = request.GET.copy()
    query.pop("page", None)
    sort = request.GET.get("sort", "severity")
    return render(
        request,
        "assessments/findings.html",
        {
            "model": model,
            "stored_run": stored,
            "counts": counts,
            "open_by_severity": [(s, counts["open"][s]) for s in SEVERITY_ORDER] if counts else [],
            "can_edit": editable,
            "severities": SEVERITY_ORDER,
            "listing": listing,
            "filter_query": query.urlencode(),
            "sort_links": {key: _sort_link(query, key, sort) for key in SORTS},
            "members": team_members(model=model) if editable else [],
            "statuses": [(s.value, s.label) for s in TriageStatus],
        },
    )


def _sort_link(query: QueryDict, key: str, current: str) -> dict[str, str]:
    """The query string that sorts by ``key`` (reversed when already sorted by it) and the column's aria-sort."""
    toggled = query.copy()
    toggled["sort"] = f"-{key}" if current == key else key
    state = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
    return {"query": toggled.urlencode(), "state": state}


@login_required
@require_POST
def model_findings_triage(request: HttpRequest, model_id: int) -> HttpResponse:
    """One decision for the checked findings or every finding matching the page's filter, then back to the page."""
    model = page_access.model_or_404(request, model_id, role=Role.EDITOR)
    form = BulkTriageForm(request.POST, members=team_members(model=model))
    back = reverse("model-findings", args=[model.pk])
    filter_query = request.POST.get("filter", "")
    if filter_query:
        back += "?" + QueryDict(filter_query).urlencode()
    stored = latest_successful_run(model_id=model.pk)
    if stored is None:
        messages.error(request, "This model has no stored assessment yet.")
        return HttpResponseRedirect(back)
    if not form.is_valid():
        messages.error(request, "Triage not saved: " + _form_errors(form.errors))
        return HttpResponseRedirect(back)
    owner_id = form.cleaned_data.get("owner")
    matching = form.cleaned_data["scope"] == "matching"
    try:
        fingerprints = fingerprints_to_triage(
            run=stored, fingerprints=None if matching else form.fingerprints(), params=QueryDict(filter_query)
        )
        decisions = finding_triage_set_many(
            model=model,
            fingerprints=fingerprints,
            status=form.cleaned_data["status"],
            justification=form.cleaned_data.get("justification") or "",
            expires_at=form.expiry(),
            owner=team_member(model=model, user_id=owner_id) if owner_id else None,
            user=request.user,
            origin=origin_of(request),
        )
    except ModelValidationError as exc:
        messages.error(request, "Triage not saved: " + "; ".join(f"{i.path}: {i.message}" for i in exc.issues))
        return HttpResponseRedirect(back)
    label = TriageStatus(form.cleaned_data["status"]).label.lower()
    messages.success(request, f"{len(decisions)} finding{'s' if len(decisions) != 1 else ''} marked {label}.")
    return HttpResponseRedirect(back)


def _form_errors(errors: Any) -> str:
    return "; ".join(f"{name}: {' '.join(str(m) for m in problems)}" for name, problems in errors.items())
