from django.contrib import admin

from assessments import models as m
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


@admin.register(m.CustomRule)
class CustomRuleAdmin(admin.ModelAdmin):
    list_display = ["team", "rule_id", "title", "element_kind", "severity", "enabled"]
    list_filter = ["team", "enabled", "severity"]
    readonly_fields = ["expression"]


register_remaining("assessments")
