"""Shared fixtures: API clients per role on one team with the demo model, and an outsider team."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    """Throttle counters live in the cache: start each test with an empty one (no-op without Django)."""
    try:
        from django.conf import settings
    except ImportError:  # pragma: no cover
        yield
        return
    if settings.configured:
        from django.core.cache import cache

        cache.clear()
    yield


@pytest.fixture
def team_setup(db: Any) -> Any:
    """A team with an owner, an editor and a viewer, the demo model, and an outsider in another team."""
    from types import SimpleNamespace

    from tests.factories import MembershipFactory, TeamFactory, UserFactory, demo_model
    from threatmodel.choices import Role

    team = TeamFactory(name="Shop", slug="shop")
    owner, editor, viewer, outsider = (UserFactory(username=n) for n in ("owner", "editor", "viewer", "outsider"))
    for user, role in ((owner, Role.OWNER), (editor, Role.EDITOR), (viewer, Role.VIEWER)):
        MembershipFactory(team=team, user=user, role=role)
    other_team = TeamFactory(name="Other", slug="other")
    MembershipFactory(team=other_team, user=outsider, role=Role.OWNER)
    model = demo_model(team=team, user=owner)
    return SimpleNamespace(
        team=team, owner=owner, editor=editor, viewer=viewer, outsider=outsider, other_team=other_team, model=model
    )


def client_for(user: Any) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def clients(team_setup: Any) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(
        **{name: client_for(getattr(team_setup, name)) for name in ("owner", "editor", "viewer", "outsider")}
    )


@pytest.fixture
def engine() -> Any:
    """The real analysis engine package."""
    import assessments.engine as engine_pkg

    return engine_pkg
