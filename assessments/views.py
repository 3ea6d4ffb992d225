"""Pages of the assessments app: findings with triage, reports, and the dashboard's per-model figures.

Thin: reads go through ``threatmodel.selectors`` (access) and the assessment tables; writes (triage, report
requests) go through the REST API from the page's script, so the rules live in one place.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from assessments.choices import JobStatus, ReportFormat, Severity, TriageStatus
from assessments.models import AssessmentRun, Report
from threatmodel import selectors
from threatmodel.choices import ROLE_RANK, Role
from threatmodel.selectors import Forbidden, NotFound

SEVERITY_ORDER = [s.value for s in Severity]
SPARK_POINTS = 12


def _model_or_404(request: HttpRequest, model_id: int) -> Any:
    try:
        return selectors.model_for_user(user=request.user, model_id=model_id)
    except (NotFound, Forbidden):
        raise Http404("model not found") from None


def _can_edit(request: HttpRequest, model: Any) -> bool:
    role = selectors.role_in_team(user=request.user, team_id=model.team_id)
    return role is not None and ROLE_RANK[Role(role)] >= ROLE_RANK[Role.EDITOR]


def sparkline_points(scores: list[float], width: int = 120, height: int = 28) -> str:
    """SVG polyline points for a 0..100 score series (oldest first)."""
    if not scores:
        return ""
    if len(scores) == 1:
        scores = scores * 2
    step = width / (len(scores) - 1)
    low, high = max(0.0, min(scores) - 5), min(100.0, max(scores) + 5)  # the trend's own range, padded
    span = max(high - low, 10.0)
    return " ".join(
        f"{i * step:.1f},{height - 2 - ((max(low, min(high, s)) - low) / span) * (height - 4):.1f}"
        for i, s in enumerate(scores)
    )


def dashboard_rows(models: list[Any]) -> dict[int, dict[str, Any]]:
    """Per model: the latest finished run's score and open findings by severity, and the score trend."""
    history: dict[int, list[Any]] = defaultdict(list)
    runs = (
        AssessmentRun.objects.filter(model__in=models, status=JobStatus.SUCCEEDED, overall_score__isnull=False)
        .order_by("model_id", "-finished_at", "-pk")
        .values("model_id", "overall_score", "counts", "revision")
    )
    for run in runs:
        if len(history[run["model_id"]]) < SPARK_POINTS:
            history[run["model_id"]].append(run)
    rows: dict[int, dict[str, Any]] = {}
    for model in models:
        series = list(reversed(history.get(model.pk, [])))
        latest = series[-1] if series else None
        counts = (latest or {}).get("counts") or {}
        rows[model.pk] = {
            "model": model,
            "score": latest["overall_score"] if latest else None,
            "assessed_revision": latest["revision"] if latest else None,
            "severity_counts": [(s, int(counts.get(s, 0) or 0)) for s in SEVERITY_ORDER],
            "open_total": sum(int(counts.get(s, 0) or 0) for s in SEVERITY_ORDER),
            "spark": sparkline_points([r["overall_score"] for r in series]),
            "trend": (series[-1]["overall_score"] - series[0]["overall_score"]) if len(series) > 1 else None,
        }
    return rows


@login_required
def model_findings(request: HttpRequest, model_id: int) -> HttpResponse:
    model = _model_or_404(request, model_id)
    return render(
        request,
        "assessments/findings.html",
        {
            "model": model,
            "can_edit": _can_edit(request, model),
            "severities": SEVERITY_ORDER,
            "statuses": [(s.value, s.label) for s in TriageStatus],
            "config": {
                "model_id": model.pk,
                "can_edit": _can_edit(request, model),
                "urls": {
                    "live_assessment": f"/api/v1/models/{model.pk}/live-assessment/",
                    "triage": f"/api/v1/models/{model.pk}/findings/",
                    "editor": f"/models/{model.pk}/",
                },
            },
        },
    )


@login_required
def model_reports(request: HttpRequest, model_id: int) -> HttpResponse:
    model = _model_or_404(request, model_id)
    reports = list(Report.objects.filter(model=model).order_by("-created_at", "-pk")[:50])
    return render(
        request,
        "assessments/reports.html",
        {
            "model": model,
            "can_edit": _can_edit(request, model),
            "formats": [(f.value, f.label) for f in ReportFormat],
            "reports": reports,
            "config": {
                "model_id": model.pk,
                "urls": {
                    "create": f"/api/v1/models/{model.pk}/reports/",
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
    from assessments import services as assessment_services
    from assessments.reporting.dot import system_dot
    from assessments.reporting.graphviz import GraphvizError, render_svg

    model = _model_or_404(request, model_id)
    snapshot = selectors.snapshot_of_model(model=model)
    worst: dict[str, str] = {}
    try:
        result = assessment_services.live_assessment(model=model)
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
