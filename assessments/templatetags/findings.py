"""Filters of the findings page: ``{{ value|evidence_text }}`` shows an evidence value (a list as its items)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def evidence_text(value: Any) -> str:
    """An evidence value as text: a list joined with commas, a boolean as yes/no, nothing as a dash."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "—"
    return str(value)
