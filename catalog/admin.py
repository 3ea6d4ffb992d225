from django.contrib import admin

from catalog import models as m
from threatmodel.admin import register_remaining


@admin.register(m.CustomRule)
class CustomRuleAdmin(admin.ModelAdmin):
    list_display = ["team", "rule_id", "title", "element_kind", "severity", "enabled"]
    list_filter = ["team", "enabled", "severity"]
    readonly_fields = ["expression"]


register_remaining("catalog")
