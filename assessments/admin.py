from typing import Any

from django.contrib import admin

from assessments import models as m
from assessments.services.counts import model_counts_refresh
from threatmodel.admin import ReadOnlyAdmin, register_remaining


@admin.register(m.AssessmentRun)
class AssessmentRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "model", "revision", "status", "overall_score", "created_at", "duration_ms"]
    list_filter = ["status"]


@admin.register(m.FindingTriage)
class FindingTriageAdmin(admin.ModelAdmin):
    list_display = ["model", "fingerprint", "status", "expires_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["fingerprint"]

    # a decision edited here changes the model's counts like one made through the triage service
    def save_model(self, request: Any, obj: m.FindingTriage, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        model_counts_refresh(model_id=obj.model_id)

    def delete_model(self, request: Any, obj: m.FindingTriage) -> None:
        super().delete_model(request, obj)
        model_counts_refresh(model_id=obj.model_id)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        model_ids = set(queryset.values_list("model_id", flat=True))
        super().delete_queryset(request, queryset)
        for model_id in sorted(model_ids):
            model_counts_refresh(model_id=model_id)


@admin.register(m.CustomRule)
class CustomRuleAdmin(admin.ModelAdmin):
    list_display = ["team", "rule_id", "title", "element_kind", "severity", "enabled"]
    list_filter = ["team", "enabled", "severity"]
    readonly_fields = ["expression"]


register_remaining("assessments")
