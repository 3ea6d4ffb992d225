"""The filters of a run's findings (django-filter), shared by the findings page and the REST API: the same GET
parameters select the same findings in both (``assessments.selectors_findings`` applies them)."""

from __future__ import annotations

import json
from typing import Any

import django_filters
from django.db.models import QuerySet

from assessments.choices import Severity, TriageStatus
from assessments.models import RunFinding

#: ``sort`` values (a leading ``-`` reverses) -> the columns they order by; ties keep the result's order.
SORTS: dict[str, tuple[str, ...]] = {
    "severity": ("severity_rank", "ordinal"),
    "rule": ("rule", "severity_rank", "ordinal"),
    "element": ("primary_element", "severity_rank", "ordinal"),
    "first_seen": ("first_seen_revision", "severity_rank", "ordinal"),
}
SORT_CHOICES = [(key, key) for key in SORTS] + [(f"-{key}", f"-{key}") for key in SORTS]


class FindingFilterSet(django_filters.FilterSet):
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    status = django_filters.MultipleChoiceFilter(
        field_name="triage_status", choices=TriageStatus.choices, help_text="triage status in force"
    )
    bucket = django_filters.MultipleChoiceFilter(
        choices=TriageStatus.choices,
        help_text="where the counts count it: mitigated (by a control or triaged), false_positive, accepted "
        "(in force) or open",
    )
    rule = django_filters.CharFilter()
    family = django_filters.CharFilter(help_text="rule family, e.g. encryption")
    stride = django_filters.CharFilter(help_text="STRIDE category, e.g. information-disclosure")
    cwe = django_filters.CharFilter(help_text="e.g. CWE-319")
    pillar = django_filters.CharFilter()
    principle = django_filters.CharFilter()
    element = django_filters.CharFilter(method="filter_element", help_text="an element id the finding involves")
    boundary = django_filters.CharFilter(
        method="filter_boundary", help_text="a trust boundary id: findings on elements inside it (or nested in it)"
    )
    new_since = django_filters.NumberFilter(
        field_name="first_seen_revision",
        lookup_expr="gt",
        min_value=0,
        help_text="only findings first seen after this revision",
    )
    mitigated = django_filters.BooleanFilter(method="filter_mitigated")
    q = django_filters.CharFilter(method="filter_text", help_text="text in the rule, title or fingerprint")
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_sort", help_text="severity, rule, element or first_seen; '-' reverses"
    )

    class Meta:
        model = RunFinding
        fields = ["severity", "rule", "family", "stride", "cwe", "pillar", "principle"]

    def filter_element(self, queryset: QuerySet[RunFinding], name: str, value: str) -> QuerySet[RunFinding]:
        return queryset.filter(elements__icontains=json.dumps(value))

    def filter_boundary(self, queryset: QuerySet[RunFinding], name: str, value: str) -> QuerySet[RunFinding]:
        return queryset.filter(boundaries__icontains=json.dumps(value))

    def filter_mitigated(self, queryset: QuerySet[RunFinding], name: str, value: bool | None) -> QuerySet[RunFinding]:
        if value is None:
            return queryset
        return queryset.exclude(mitigated_by=[]) if value else queryset.filter(mitigated_by=[])

    def filter_text(self, queryset: QuerySet[RunFinding], name: str, value: str) -> QuerySet[RunFinding]:
        from django.db.models import Q

        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(rule__icontains=value) | Q(title__icontains=value) | Q(fingerprint__icontains=value))

    def filter_sort(self, queryset: QuerySet[RunFinding], name: str, value: str) -> QuerySet[RunFinding]:
        return sort_findings(queryset, value)


def sort_findings(queryset: QuerySet[RunFinding], value: str) -> QuerySet[RunFinding]:
    """Order by a ``sort`` value (the queryset carries ``severity_rank`` and ``primary_element``)."""
    key = value.lstrip("-")
    columns = SORTS.get(key, SORTS["severity"])
    if value.startswith("-"):
        columns = (f"-{columns[0]}", *columns[1:])
    return queryset.order_by(*columns, "pk")


def filter_params(data: Any) -> dict[str, Any]:
    """The filter's parameters out of a query dict (lists kept for the multiple-choice ones), empty ones left out."""
    out: dict[str, Any] = {}
    for name in FindingFilterSet.base_filters:
        values = [v for v in (data.getlist(name) if hasattr(data, "getlist") else _as_list(data.get(name))) if v != ""]
        if values:
            out[name] = values if name in ("severity", "status", "bucket") else values[0]
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
