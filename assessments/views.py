"""Pages of the assessments app: reports, conformance, the system diagram as SVG (the findings page:
``views_findings``).

Thin: reads go through ``threatmodel.selectors`` (access) and the assessment tables; writes (triage, report
requests) go through the REST API from the page's script, so the rules live in one place.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments.choices import ReportFormat
from assessments.selectors import SEVERITY_ORDER, reports_of_model
from threatmodel import page_access, selectors


@login_required
def model_reports(request: HttpRequest, model_id: int) -> HttpResponse:
    model = page_access.model_or_404(request, model_id)
    reports = list(reports_of_model(model=model)[:50])
    return render(
        request,
        "assessments/reports.html",
        {
            "model": model,
            "can_edit": page_access.can_edit(request, model),
            "formats": [(f.value, f.label) for f in ReportFormat],
            "reports": reports,
            "config": {
                "model_id": model.pk,
                "urls": {
                    "create": f"/api/v1/models/{model.pk}/reports/",
                    "list": f"/api/v1/models/{model.pk}/reports/?limit=50",
                    "report": "/api/v1/reports/",
                    "assess": f"/api/v1/models/{model.pk}/assessments/",
                    "run": "/api/v1/assessments/",
                },
            },
        },
    )


@login_required
def model_diagram_svg(request: HttpRequest, model_id: int) -> HttpResponse:
    """The system diagram as SVG, laid out by the server's Graphviz (the reports' DOT writer), coloured by the
    worst open finding of each element. Downloaded as a file; served with a restrictive CSP."""
    from assessments.reporting.dot import system_dot
    from assessments.reporting.graphviz import GraphvizError, render_svg
    from assessments.services.runs import live_assessment

    model = page_access.model_or_404(request, model_id)
    snapshot = selectors.snapshot_of_model(model=model)
    worst: dict[str, str] = {}
    try:
        result = live_assessment(model=model)
        for finding in result.get("findings", []):
            if finding.get("mitigated"):
                continue
            for element in finding.get("elements", []):
                current = worst.get(element)
                if current is None or SEVERITY_ORDER.index(finding["severity"]) < SEVERITY_ORDER.index(current):
                    worst[element] = finding["severity"]
    except Exception:
        worst = {}
    try:
        svg = render_svg(system_dot(snapshot, worst, title=model.name), fast=len(snapshot.components) > 250)
    except GraphvizError as exc:
        return HttpResponse(f"The SVG could not be rendered: {exc}", status=503, content_type="text/plain")
    response = HttpResponse(svg, content_type="image/svg+xml")
    safe_name = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in model.name)[:80] or "model"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}-r{model.revision}.svg"'
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
def model_conformance(request: HttpRequest, model_id: int) -> HttpResponse:
    """Designed x allowed x observed, per workload pair; uploads go through the API from the page's script."""
    from assessments.conformance.threeway import CATEGORIES
    from assessments.services.conformance import conformance_of_model

    model = page_access.model_or_404(request, model_id)
    category = request.GET.get("category", "")
    if category not in CATEGORIES:
        category = ""
    from threatmodel.services_mesh_live import live_source_of_model

    try:
        result = conformance_of_model(model=model).as_dict(category)
    except selectors.NotFound:
        result = None
    live = live_source_of_model(model=model)
    return render(
        request,
        "assessments/conformance.html",
        {
            "model": model,
            "can_edit": page_access.can_edit(request, model),
            "result": result,
            "category": category,
            "categories": CATEGORIES,
            "live": live,
            "config": {
                "revision": model.revision,
                "urls": {
                    "manifests": f"/api/v1/models/{model.pk}/mesh/manifests/",
                    "observations": f"/api/v1/models/{model.pk}/mesh/observations/",
                    "live": f"/api/v1/models/{model.pk}/mesh/live/",
                    "pull": f"/api/v1/models/{model.pk}/mesh/live/pull/",
                    "accept": f"/api/v1/models/{model.pk}/conformance/accept/",
                },
            },
        },
    )
