"""The demo model (the online shop of ``make run``), created through the services for tests and benchmarks."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from catalog.packs.controls import control_ids
from threatmodel import models as m
from threatmodel import services
from threatmodel.domain import Snapshot
from threatmodel.interchange.native import read_model
from threatmodel.management.commands.seed_demo import DEMO_FILE


def demo_snapshot(*, name: str | None = None) -> Snapshot:
    snapshot = read_model(DEMO_FILE.read_bytes(), DEMO_FILE.name, known_controls=control_ids())
    if name:
        snapshot = replace(snapshot, info=replace(snapshot.info, name=name))
    return snapshot


def demo_model(*, team: m.Team, user: Any = None, name: str | None = None) -> m.ThreatModel:
    """The demo model created through the service, as revision 1."""
    return services.model_create(team=team, snapshot=demo_snapshot(name=name), user=user, message="Demo model")
