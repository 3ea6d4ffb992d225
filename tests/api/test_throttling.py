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


@pytest.mark.integration
def test_shared_counters_count_in_redis_in_one_round_trip_and_expire() -> None:
    """``threatmodel.api.shared_counters`` on a real redis-server: the cache's own key, counted 1, 2, 3 with an
    expiry; then, Redis stopped, the throttle counts locally and the rate still holds."""
    import redis as redis_client

    from testkit import servers
    from threatmodel.api import shared_counters
    from threatmodel.api.authentication import COUNTERS

    with servers.redis_server() as server:
        caches = {
            "default": {
                "BACKEND": shared_counters.REDIS_BACKEND,
                "LOCATION": server.url,
                "KEY_PREFIX": "trustmap",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        with override_settings(CACHES=caches):
            assert [shared_counters.count("throttle:t:1:9", 61) for _ in range(3)] == [1, 2, 3]
            assert cache.get("throttle:t:1:9") == 3  # the cache's key (prefix, version) and value
            ttl = redis_client.Redis.from_url(server.url).ttl(cache.make_key("throttle:t:1:9"))
            assert 0 < ttl <= 61
            server.stop()
            try:
                assert [COUNTERS.allow("throttle:t:1:10", 2, 61) for _ in range(3)] == [True, True, False]
                assert COUNTERS.down_until > 0
            finally:
                COUNTERS.down_until = 0.0
                COUNTERS.local.clear()


@pytest.mark.integration
def test_leased_counts_never_exceed_the_rate_across_processes_and_save_round_trips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two processes' leases (two ``Leases``) on one real Redis counter: together they allow at most the limit,
    and are refused at most ``LEASE_MAX`` counts early each; far fewer round trips than requests."""
    from testkit import servers
    from threatmodel.api import shared_counters

    with servers.redis_server() as server:
        caches = {"default": {"BACKEND": shared_counters.REDIS_BACKEND, "LOCATION": server.url, "KEY_PREFIX": "t"}}
        with override_settings(CACHES=caches):
            trips = []
            counted = shared_counters.count
            monkeypatch.setattr(shared_counters, "count", lambda *a: trips.append(a) or counted(*a))
            first, second = shared_counters.Leases(), shared_counters.Leases()
            allowed = [lease.allow("throttle:t:7:1", 1000, 61) for _ in range(400) for lease in (first, second)]
            assert allowed == [True] * 800 and len(trips) < 800 / 8  # far from the limit: blocks of LEASE_MAX
            allowed += [lease.allow("throttle:t:7:1", 1000, 61) for _ in range(300) for lease in (first, second)]
            assert 1000 - 2 * shared_counters.LEASE_MAX <= sum(allowed) <= 1000
            assert allowed[:900] == [True] * 900 and not any(allowed[-10:])
            assert int(cache.get("throttle:t:7:1")) >= sum(allowed)  # every count spent was counted in Redis first
