"""DRF validators that apply the input gate (``threatmodel.inputgate``) to serializer fields."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from threatmodel.inputgate import MAX_DEPTH, name_issues, value_issues


def gated_name(value: Any) -> Any:
    """A name shown to people: no control or bidirectional characters (U+202E would show it reordered)."""
    issues = name_issues(value, "")
    if issues:
        raise serializers.ValidationError(issues[0].message)
    return value


def gated_structure(value: Any) -> Any:
    """Structured data at a model's ``attributes`` place (document -> model -> attributes): what a model file
    holds there, so an accepted value exports and re-imports."""
    issues = value_issues(value, max_depth=MAX_DEPTH - 2)
    if issues:
        first = issues[0]
        raise serializers.ValidationError(f"{first.path}: {first.message}" if first.path else first.message)
    return value
