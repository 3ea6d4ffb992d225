"""Serializers of the catalog API (a team's custom rules)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from catalog.models import CustomRule


class CustomRuleSerializer(serializers.ModelSerializer[CustomRule]):
    rule_id = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$", max_length=96, help_text="Stable id; findings use 'custom.<rule_id>'."
    )
    expression = serializers.CharField(
        max_length=4000, help_text="CEL expression over the element's attributes; true = the element violates it."
    )
    principle = serializers.ChoiceField(
        choices=["zero-trust", "least-privilege", "encryption", "segmentation", "data-protection", "visibility"],
        default="zero-trust",
    )

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
