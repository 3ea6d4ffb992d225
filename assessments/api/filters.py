"""The FilterSets of the assessments app's list endpoints (django-filter; the findings' one is shared with the
findings page: ``assessments.filtersets``)."""

from __future__ import annotations

import django_filters

from assessments.filtersets import FindingFilterSet
from assessments.models import AssessmentRun

__all__ = ["FindingFilterSet", "ScoreHistoryFilterSet"]


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
