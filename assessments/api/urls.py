"""Routes of the assessments API (mounted under /api/v1/)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments.api import views
from assessments.api.views_conformance import ModelConformanceViewSet
from assessments.api.views_custom_rules import CustomRuleViewSet

router = SimpleRouter()
router.register(r"models/(?P<model_id>\d+)/assessments", views.ModelAssessmentViewSet, basename="model-assessment")
router.register("assessments", views.AssessmentRunViewSet, basename="assessment-run")
router.register(r"models/(?P<model_id>\d+)/findings", views.FindingViewSet, basename="finding")
router.register(r"models/(?P<model_id>\d+)/reports", views.ModelReportViewSet, basename="model-report")
router.register("reports", views.ReportViewSet, basename="report")
router.register(r"teams/(?P<team_id>\d+)/custom-rules", CustomRuleViewSet, basename="custom-rule")

score = views.ModelScoreViewSet
urlpatterns = [
    path("models/<int:model_id>/score/", score.as_view({"get": "latest"}), name="model-score"),
    path("models/<int:model_id>/score/history/", score.as_view({"get": "history"}), name="model-score-history"),
    path("models/<int:model_id>/live-assessment/", score.as_view({"get": "live"}), name="model-live-assessment"),
    path(
        "models/<int:model_id>/webhook/",
        views.ModelWebhookViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="model-webhook",
    ),
    path(
        "models/<int:model_id>/import-preview/",
        views.ModelImportPreviewViewSet.as_view({"post": "create"}),
        name="model-import-preview",
    ),
    path(
        "models/<int:model_id>/conformance/",
        ModelConformanceViewSet.as_view({"get": "retrieve"}),
        name="model-conformance",
    ),
    path(
        "models/<int:model_id>/conformance/policy/",
        ModelConformanceViewSet.as_view({"get": "policy"}),
        name="model-conformance-policy",
    ),
    path(
        "models/<int:model_id>/conformance/sarif/",
        ModelConformanceViewSet.as_view({"get": "sarif"}),
        name="model-conformance-sarif",
    ),
    path(
        "models/<int:model_id>/conformance/accept/",
        ModelConformanceViewSet.as_view({"post": "accept"}),
        name="model-conformance-accept",
    ),
    *router.urls,
]
