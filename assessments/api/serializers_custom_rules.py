"""Serializer of a team's custom rules (limits and choices from ``threatmodel.vocabulary``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assessments.choices import Principle
from assessments.models import CustomRule
from threatmodel import vocabulary as v


class CustomRuleSerializer(serializers.ModelSerializer[CustomRule]):
    rule_id = serializers.RegexField(
        v.CUSTOM_RULE_ID_PATTERN,
        max_length=v.CUSTOM_RULE_ID_MAX_LENGTH,
        help_text="Stable id; findings use 'custom.<rule_id>'.",
    )
    expression = serializers.CharField(
        max_length=v.CUSTOM_RULE_EXPRESSION_MAX_LENGTH,
        help_text="CEL expression over the element's attributes; true = the element violates it.",
    )
    principle = serializers.ChoiceField(choices=Principle.choices, default=Principle.ZERO_TRUST)

    class Meta:
        model = CustomRule
        fields = [
            "id",
            "team",
            "rule_id",
            "title",
            "description",
            "element_kind",
            "expression",
            "severity",
            "principle",
            "remediation",
            "enabled",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "team", "created_at", "updated_at"]
        extra_kwargs: dict[str, Any] = {"description": {"max_length": 10_000}, "remediation": {"max_length": 10_000}}
