"""``/metrics``: the Prometheus feed of the caller's teams (token or session authenticated).

A fresh ``CollectorRegistry`` per request, so a scrape only ever sees the models of the token owner's teams.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from rest_framework.request import Request
from rest_framework.views import APIView

from assessments import selectors
from assessments.choices import Severity
from threatmodel.vocabulary import GRADES

#: Grade -> gauge value (higher is better, so alerts read ``< 2`` as "worse than C").
GRADE_VALUE = {grade: len(GRADES) - 1 - index for index, grade in enumerate(GRADES)}


def build_registry(feed: list[dict[str, Any]]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    posture = Gauge(
        "trustmap_posture_score",
        "Overall posture score (0-100) of the latest successful assessment (absent when not assessed)",
        ["model", "team"],
        registry=registry,
    )
    principle = Gauge(
        "trustmap_principle_score", "Posture score per principle (0-100)", ["model", "principle"], registry=registry
    )
    pillar = Gauge(
        "trustmap_pillar_score", "Posture score per CISA ZTMM pillar (0-100)", ["model", "pillar"], registry=registry
    )
    open_findings = Gauge(
        "trustmap_open_findings",
        "Open findings: not mitigated (by a control or triage), not a false positive, not an accepted risk",
        ["model", "severity"],
        registry=registry,
    )
    coverage = Gauge(
        "trustmap_model_coverage",
        "Share (0-1) of what the engine needs that the model states (no grade below the threshold)",
        ["model"],
        registry=registry,
    )
    assessed = Gauge(
        "trustmap_posture_assessed",
        "1 when the model states enough to be graded, 0 when it has no grade (not enough detail to assess)",
        ["model"],
        registry=registry,
    )
    grade = Gauge(
        "trustmap_posture_grade",
        "Letter grade of the latest assessment as a number: A=4, B=3, C=2, D=1, F=0 (absent when not assessed)",
        ["model", "grade"],
        registry=registry,
    )
    age = Gauge(
        "trustmap_last_assessment_age_seconds",
        "Seconds since the latest successful assessment finished",
        ["model"],
        registry=registry,
    )
    accepted = Gauge(
        "trustmap_accepted_findings",
        "Findings triaged as accepted risk (acceptance in force)",
        ["model", "severity"],
        registry=registry,
    )
    revision = Gauge(
        "trustmap_assessed_revision",
        "Model revision that the latest successful assessment describes",
        ["model"],
        registry=registry,
    )
    now = timezone.now()
    for entry in feed:
        model, run = entry["model"], entry["run"]
        label = f"{model.team.slug}/{model.name}"
        if run is None:
            continue
        scores = run.scores or {}
        # a model without a grade (not enough detail) has no posture number either: an empty model is not 100
        if run.overall_score is not None and scores.get("assessed", True):
            posture.labels(model=label, team=model.team.slug).set(run.overall_score)
        if scores.get("coverage"):
            coverage.labels(model=label).set(scores["coverage"].get("ratio") or 0.0)
        assessed.labels(model=label).set(1 if scores.get("assessed", True) else 0)
        if scores.get("grade") in GRADE_VALUE:
            grade.labels(model=label, grade=scores["grade"]).set(GRADE_VALUE[scores["grade"]])
        for item in scores.get("principles", []):
            if item.get("score") is not None:
                principle.labels(model=label, principle=item["key"]).set(item["score"])
        for item in scores.get("pillars", []):
            if item.get("score") is not None:
                pillar.labels(model=label, pillar=item["key"]).set(item["score"])
        for severity in Severity.values:
            open_findings.labels(model=label, severity=severity).set(entry["counts"]["open"].get(severity, 0))
            accepted.labels(model=label, severity=severity).set(entry["counts"]["accepted"].get(severity, 0))
        revision.labels(model=label).set(run.revision)
        if run.finished_at is not None:
            age.labels(model=label).set(max(0.0, (now - run.finished_at).total_seconds()))
    return registry


class MetricsView(APIView):
    """Prometheus exposition of the posture of every model in your teams."""

    @extend_schema(
        responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Prometheus text format 0.0.4")},
        tags=["metrics"],
        operation_id="metrics",
    )
    def get(self, request: Request) -> HttpResponse:
        registry = build_registry(selectors.posture_feed(user=request.user))
        return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
