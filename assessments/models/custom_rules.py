from __future__ import annotations

from django.conf import settings
from django.db import models

from assessments.choices import CustomRuleKind, Principle, Severity
from threatmodel.models import Team
from threatmodel.vocabulary import CUSTOM_RULE_ID_MAX_LENGTH


class CustomRule(models.Model):
    """A team's declarative rule: a CEL condition over elements of one kind (validated when saved).

    Owned by the assessments app (the engine runs it; access goes through the team), stored in the table the
    catalog app created (migrations moved the model without touching the table)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="custom_rules")
    rule_id = models.CharField(
        max_length=CUSTOM_RULE_ID_MAX_LENGTH, help_text="Stable id; findings use 'custom.<rule_id>'."
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    element_kind = models.CharField(max_length=16, choices=CustomRuleKind.choices)
    expression = models.TextField(help_text="CEL expression; true means the element violates the rule.")
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    principle = models.CharField(max_length=32, choices=Principle.choices, default=Principle.ZERO_TRUST)
    remediation = models.TextField(blank=True, default="")
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_customrule"
        ordering = ["team", "rule_id"]
        constraints = [models.UniqueConstraint(fields=["team", "rule_id"], name="customrule_unique_team_rule")]

    def __str__(self) -> str:
        return f"{self.team}: {self.rule_id}"
