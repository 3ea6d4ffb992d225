"""The FilterSets of the threatmodel app's list endpoints (django-filter; documented in the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

import django_filters

from threatmodel import models as m
from threatmodel.persistence import ROW_MODEL


class TeamFilterSet(django_filters.FilterSet):
    class Meta:
        model = m.Team
        fields = ["slug"]


class ThreatModelFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True, help_text="true: archived only; false: active"
    )

    class Meta:
        model = m.ThreatModel
        fields = ["team", "name", "business_criticality"]


#: kind -> (plain filter fields, {filter name: reference field whose key is matched})
ELEMENT_FILTERS: dict[str, tuple[list[str], dict[str, str]]] = {
    "boundary": (["kind", "trust_level"], {"parent": "parent"}),
    "component": (
        [
            "kind",
            "technology",
            "internet_facing",
            "mesh",
            "authentication",
            "authorization",
            "encryption_at_rest",
            "logging",
        ],
        {"boundary": "boundary", "identity": "identity"},
    ),
    "flow": (
        ["protocol", "port", "encryption", "authentication", "authorization", "provenance"],
        {"source": "source", "target": "target"},
    ),
    "data_asset": (["classification", "pii", "credentials"], {}),
    "identity": (["kind", "mfa"], {}),
    "grant": (["target_all"], {"identity": "identity"}),
    "control": (["control", "status"], {}),
    "threat": (["category", "status", "likelihood", "impact"], {}),
}


def element_filterset(kind: str) -> type[django_filters.FilterSet]:
    """The FilterSet of one element kind's list: its plain fields, references by element id, ``name``
    (contains) and ``id`` (prefix)."""
    fields, refs = ELEMENT_FILTERS[kind]
    row = ROW_MODEL[kind]
    attrs: dict[str, Any] = {
        name: django_filters.CharFilter(field_name=f"{ref}__key", help_text=f"{ref} id") for name, ref in refs.items()
    }
    if any(f.name == "name" for f in row._meta.get_fields()):
        attrs["name"] = django_filters.CharFilter(lookup_expr="icontains")
    if kind in ("control", "threat"):
        attrs["target"] = django_filters.CharFilter(field_name="target_key", help_text="target element id")
    attrs["id"] = django_filters.CharFilter(field_name="key", lookup_expr="startswith", help_text="id prefix")
    meta = type("Meta", (), {"model": row, "fields": fields})
    return type(f"{row.__name__}FilterSet", (django_filters.FilterSet,), {**attrs, "Meta": meta})
