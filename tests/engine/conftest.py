from __future__ import annotations

from pathlib import Path

import pytest

from assessments.engine import AssessmentResult, assess
from catalog.packs.loader import known_control_ids
from threatmodel.domain import Snapshot
from threatmodel.interchange.native import read_model

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "threatmodel" / "demo" / "online-shop.yaml"


@pytest.fixture(scope="session")
def demo() -> Snapshot:
    return read_model(DEMO.read_bytes(), DEMO.name, known_controls=known_control_ids())


@pytest.fixture(scope="session")
def demo_result(demo: Snapshot) -> AssessmentResult:
    return assess(demo)
