"""``{{ value|diff_value }}``: a changed field's value as a reader takes it in the revision diff: a position as
``x, y``, a list as chips, a flag as yes/no, a mapping as ``key: value`` pairs, nothing as a dash (never a raw
Python ``repr``). Everything is escaped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


@register.filter
def diff_value(value: Any) -> SafeString:
    if value is None or value == "":
        return format_html('<span class="muted">{}</span>', "—")
    if isinstance(value, bool):
        return format_html("{}", "yes" if value else "no")
    if isinstance(value, int | float):
        return format_html("{}", _number(value))
    if isinstance(value, Mapping):
        if set(value) == {"x", "y"} and all(isinstance(value[k], int | float) for k in ("x", "y")):
            return format_html("{}, {}", _number(value["x"]), _number(value["y"]))
        if not value:
            return format_html('<span class="muted">{}</span>', "none")
        return format_html_join("; ", "{}: {}", ((str(k), diff_value(v)) for k, v in sorted(value.items(), key=str)))
    if isinstance(value, list | tuple | set | frozenset):
        if not value:
            return format_html('<span class="muted">{}</span>', "none")
        return format_html_join(" ", '<span class="chip">{}</span>', ((diff_value(item),) for item in value))
    return format_html("{}", str(value))
