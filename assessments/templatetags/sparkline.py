"""``{{ scores|sparkline_points }}``: the SVG polyline of a score trend, for the dashboard's trend column."""

from __future__ import annotations

from collections.abc import Sequence

from django import template

register = template.Library()


@register.filter
def sparkline_points(scores: Sequence[float], width: int = 120, height: int = 28) -> str:
    """SVG polyline points for a 0..100 score series (oldest first); "" for no score."""
    if not scores:
        return ""
    if len(scores) == 1:
        scores = [*scores, *scores]
    step = width / (len(scores) - 1)
    low, high = max(0.0, min(scores) - 5), min(100.0, max(scores) + 5)  # the trend's own range, padded
    span = max(high - low, 10.0)
    return " ".join(
        f"{i * step:.1f},{height - 2 - ((max(low, min(high, s)) - low) / span) * (height - 4):.1f}"
        for i, s in enumerate(scores)
    )
