"""Django admin for every threat-model table. Element edits made here bypass the change log, so
element tables are read-only in the admin: edit models through the app or the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from threatmodel import models as m


class MembershipInline(admin.TabularInline):
    model = m.Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(m.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(m.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["team", "user", "role"]
    list_filter = ["role", "team"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Change-logged data: viewable, not editable, from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.ThreatModel)
class ThreatModelAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "revision", "business_criticality", "updated_at"]
    list_filter = ["team", "business_criticality"]
    search_fields = ["name"]
    readonly_fields = [
        "revision",
        "created_by",
        "created_at",
        "updated_at",
        "name",
        "description",
        "business_criticality",
        "tags",
        "attributes",
        "archived_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # a model starts in the app or the API (named, with revision 1 in its change log), never here
        return False


@admin.register(m.Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["model", "number", "author", "created_at", "change_count", "message"]
    list_filter = ["model"]


@admin.register(m.ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ["model", "revision_number", "seq", "action", "element_kind", "element_key"]
    list_filter = ["action", "element_kind"]


@admin.register(m.CreationLog)
class CreationLogAdmin(ReadOnlyAdmin):
    list_display = ["model", "revision_number"]


for element_model, columns in {
    m.TrustBoundary: ["key", "name", "kind", "trust_level", "parent", "model"],
    m.Component: ["key", "name", "kind", "boundary", "internet_facing", "mesh", "model"],
    m.DataFlow: ["key", "source", "target", "protocol", "port", "encryption", "authentication", "model"],
    m.DataAsset: ["key", "name", "classification", "pii", "credentials", "model"],
    m.Identity: ["key", "name", "kind", "mfa", "model"],
    m.Grant: ["key", "identity", "target_component", "target_data_asset", "target_all", "actions", "model"],
    m.Control: ["key", "control", "target_key", "status", "model"],
    m.Threat: ["key", "title", "target_key", "category", "likelihood", "impact", "status", "model"],
    m.ComponentData: ["component", "data_asset", "role"],
    m.FlowData: ["flow", "data_asset"],
}.items():
    admin.site.register(
        element_model,
        type(
            f"{element_model.__name__}Admin",
            (ReadOnlyAdmin,),
            {
                "list_display": columns,
                "list_filter": ["model"] if "model" in columns else [],
                "search_fields": ["key"] if "key" in columns else [],
            },
        ),
    )


def register_remaining(app_label: str) -> None:
    """Every table of the app is visible in the admin (read-only unless registered above)."""
    from django.apps import apps

    for model in apps.get_app_config(app_label).get_models():
        if not admin.site.is_registered(model):
            columns = [f.name for f in model._meta.fields if f.name not in ("attributes", "result")][:7]
            admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))


register_remaining("threatmodel")
