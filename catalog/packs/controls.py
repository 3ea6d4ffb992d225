"""The catalog of mitigating controls, as plain data for pages and validation.

Loading and validation live in ``catalog.packs.loader``; this module only shapes its result.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from catalog.packs.loader import known_control_ids, load_controls


@cache
def controls() -> tuple[dict[str, Any], ...]:
    """Every catalog control as a dict (id, name, description, applies_to), sorted by id."""
    return tuple(
        {"id": c.id, "name": c.name, "description": c.description, "applies_to": list(c.applies_to)}
        for c in sorted(load_controls().values(), key=lambda c: c.id)
    )


def control_ids() -> frozenset[str]:
    return known_control_ids()
