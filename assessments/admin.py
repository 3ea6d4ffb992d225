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


register_remaining("assessments")
