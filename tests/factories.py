"""factory_boy factories for users, teams, memberships and threat models (shared by test suites)."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from testkit.demo import demo_model
from threatmodel import models as m
from threatmodel.choices import Role

__all__ = ["MembershipFactory", "TeamFactory", "ThreatModelFactory", "UserFactory", "demo_model"]


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
