"""The catalog of mitigating controls (``controls.yaml``), loaded once. Pure Python."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTROLS_FILE = Path(__file__).with_name("controls.yaml")


@cache
def controls() -> tuple[dict[str, Any], ...]:
    data = yaml.safe_load(CONTROLS_FILE.read_text(encoding="utf-8"))
    return tuple(sorted(data["controls"], key=lambda c: c["id"]))


@cache
def control_ids() -> frozenset[str]:
    return frozenset(c["id"] for c in controls())
