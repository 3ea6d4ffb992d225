from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from catalog.packs.controls import control_ids
from threatmodel import services
from threatmodel.choices import Role
from threatmodel.interchange.native import read_model

DEMO_PATH = Path(__file__).resolve().parents[1] / "data" / "models" / "online-shop.yaml"


@pytest.fixture
def demo_snapshot() -> Any:
    return read_model(DEMO_PATH.read_bytes(), DEMO_PATH.name, known_controls=control_ids())


@pytest.fixture
def alice(db: Any) -> Any:
    return get_user_model().objects.create_user("alice", password="alice-pass-123")


@pytest.fixture
def bob(db: Any) -> Any:
    return get_user_model().objects.create_user("bob", password="bob-pass-123")


@pytest.fixture
def team_a(alice: Any) -> Any:
    return services.team_create(name="Team A", owner=alice)


@pytest.fixture
def team_b(bob: Any) -> Any:
    return services.team_create(name="Team B", owner=bob)


@pytest.fixture
def demo_model(team_a: Any, alice: Any, demo_snapshot: Any) -> Any:
    return services.model_create(team=team_a, snapshot=demo_snapshot, user=alice)


@pytest.fixture
def viewer(db: Any, team_a: Any) -> Any:
    user = get_user_model().objects.create_user("victor", password="victor-pass-123")
    services.membership_set(team=team_a, user=user, role=Role.VIEWER)
    return user
