"""Throttling scopes: anonymous clients at API_THROTTLE_ANON, sessions at API_THROTTLE_USER (per user)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _rates(settings: Any, **rates: str) -> dict[str, Any]:
    current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **rates}}


def test_anonymous_clients_are_throttled_at_the_anon_rate(settings: Any) -> None:
    cache.clear()
    with override_settings(REST_FRAMEWORK=_rates(settings, anon="2/minute", user="100/minute"), API_DOCS_PUBLIC=True):
        codes = [APIClient().get("/api/docs/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        response = APIClient().get("/api/docs/")
        assert response.status_code == 429 and int(response["Retry-After"]) >= 1


def test_the_anon_rate_does_not_apply_to_sessions_nor_the_user_rate_to_anonymous(
    settings: Any, clients: Any, team_setup: Any
) -> None:
    cache.clear()
    with override_settings(REST_FRAMEWORK=_rates(settings, anon="5/minute", user="2/minute"), API_DOCS_PUBLIC=True):
        assert [APIClient().get("/api/docs/").status_code for _ in range(3)] == [200, 200, 200]
        codes = [clients.viewer.get("/api/v1/models/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
