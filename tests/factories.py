"""factory_boy factories for users, teams, memberships and threat models (shared by test suites)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import factory
from django.contrib.auth import get_user_model

from catalog.packs.controls import control_ids
from threatmodel import models as m
from threatmodel import services
from threatmodel.choices import Role

DEMO_FILE = Path(__file__).resolve().parents[1] / "threatmodel" / "demo" / "online-shop.yaml"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "pw-123456")

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class ThreatModelFactory(factory.django.DjangoModelFactory):
    """An empty model at revision 0 (use ``demo_model`` for one with elements)."""

    class Meta:
        model = m.ThreatModel

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Model {n}")
    revision = 0


def demo_model(*, team: m.Team, user: Any = None, name: str | None = None) -> m.ThreatModel:
    """The demo model (online shop) created through the service, as revision 1."""
    from threatmodel.interchange.native import read_model

    snapshot = read_model(DEMO_FILE.read_bytes(), DEMO_FILE.name, known_controls=control_ids())
    if name:
        from dataclasses import replace

        snapshot = replace(snapshot, info=replace(snapshot.info, name=name))
    return services.model_create(team=team, snapshot=snapshot, user=user, message="Demo model")
