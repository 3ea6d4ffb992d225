"""Pages of the assessments app."""

from django.urls import URLPattern, path

from assessments import views, views_findings

urlpatterns: list[URLPattern] = [
    path("models/<int:model_id>/findings/", views_findings.model_findings, name="model-findings"),
    path("models/<int:model_id>/findings/triage/", views_findings.model_findings_triage, name="model-findings-triage"),
    path("models/<int:model_id>/reports/", views.model_reports, name="model-reports"),
    path("models/<int:model_id>/conformance/", views.model_conformance, name="model-conformance-page"),
    path("models/<int:model_id>/diagram.svg", views.model_diagram_svg, name="model-diagram-svg"),
]
