"""The FilterSets of the assessments app's list endpoints (django-filter)."""

from __future__ import annotations

import json
from typing import Any

import django_filters

from assessments.choices import Severity, TriageStatus
from assessments.models import AssessmentRun, RunFinding


class FindingFilterSet(django_filters.FilterSet):
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    status = django_filters.MultipleChoiceFilter(field_name="triage_status", choices=TriageStatus.choices)
    rule = django_filters.CharFilter()
    pillar = django_filters.CharFilter()
    principle = django_filters.CharFilter()
    element = django_filters.CharFilter(method="filter_element", help_text="an element id the finding involves")
    mitigated = django_filters.BooleanFilter(method="filter_mitigated")

    class Meta:
        model = RunFinding
        fields = ["severity", "rule", "pillar", "principle"]

    def filter_element(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(elements__icontains=json.dumps(value))

    def filter_mitigated(self, queryset: Any, name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.exclude(mitigated_by=[]) if value else queryset.filter(mitigated_by=[])


class ScoreHistoryFilterSet(django_filters.FilterSet):
    """The points of a score history: ``since`` keeps the runs finished at or after a time."""

    since = django_filters.IsoDateTimeFilter(
        field_name="finished_at",
        lookup_expr="gte",
        error_messages={"invalid": "an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z"},
    )

    class Meta:
        model = AssessmentRun
        fields = ["since"]
