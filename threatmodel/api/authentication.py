"""API authentication, token scope and throttling.

* ``BearerTokenAuthentication``: ``Authorization: Bearer <token>`` (or ``Token <token>``); sets
  ``request.auth`` to the :class:`~threatmodel.models.ApiToken`.
* ``TokenScopePermission``: a read-only token may only use safe methods (403 otherwise).
* ``TokenRateThrottle`` (scope ``token``) throttles per token; ``SessionRateThrottle`` (scope ``user``)
  throttles browser sessions per user; ``AnonymousRateThrottle`` (scope ``anon``) throttles unauthenticated
  requests per client address (the views open to them: the OpenAPI schema and its documentation pages).
  Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``API_THROTTLE_*`` in config/env.py).

The counters live in the shared cache (Redis when ``REDIS_URL`` is set; each process takes its counts there in
small blocks, ``threatmodel.api.shared_counters.Leases``). When it cannot be reached the
throttles count in this process instead (:class:`CounterStore`; the shared counting is
``threatmodel.api.shared_counters``) and retry the shared cache after
:data:`SHARED_RETRY_SECONDS`: a Redis outage never fails a request, and the rates still hold per process.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from threatmodel.api import shared_counters
from threatmodel.models import ApiToken, TokenScope
from threatmodel.services_tokens import api_token_authenticate

KEYWORDS = (b"bearer", b"token")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("invalid Authorization header: expected 'Bearer <token>'")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("invalid token") from None
        token = api_token_authenticate(raw=raw)
        if token is None:
            raise exceptions.AuthenticationFailed("invalid, expired or revoked token")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # untyped in drf-spectacular
    target_class = BearerTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Personal API token: `Authorization: Bearer tm_...` (or `Token tm_...`).",
        }


class TokenScopePermission(permissions.BasePermission):
    message = "this API token is read-only"

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope != TokenScope.WRITE:
            return request.method in permissions.SAFE_METHODS
        return True


#: Seconds of each throttle period, by its first letter (DRF's rate syntax: "100/minute", "5/s").
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """A rate as DRF writes it, ``"<requests>/<period>"``: (requests, seconds per window)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period[0]]


def _rate(scope: str) -> str | None:
    rates: dict[str, str] = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    return rates.get(scope)


#: After the shared cache failed, count locally for this long before trying it again.
SHARED_RETRY_SECONDS = 5.0
log = logging.getLogger("trustmap.throttle")


class CounterStore:
    """The shared cache, or this process's own counters while the shared one is unreachable."""

    def __init__(self) -> None:
        self.local = LocMemCache("trustmap-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
        self.down_until = 0.0
        self.lock = threading.Lock()

    def allow(self, key: str, limit: int, timeout: int) -> bool:
        """Whether one more request on ``key`` (a counter created with ``timeout``) fits ``limit``."""
        if time.monotonic() >= self.down_until:
            try:
                return shared_counters.allow(key, limit, timeout)
            except Exception as exc:  # any backend error: redis.ConnectionError, TimeoutError...
                with self.lock:
                    self.down_until = time.monotonic() + SHARED_RETRY_SECONDS
                log.warning("throttle counters: shared cache unavailable (%s); counting locally", exc)
        return shared_counters.count_in(self.local, key, timeout) <= limit


COUNTERS = CounterStore()


class FixedWindowThrottle(throttling.BaseThrottle):
    """O(1) throttling: one cache counter per identity and time window (no request history lists)."""

    scope = ""

    def ident_for(self, request: Request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = _rate(self.scope)
        ident = self.ident_for(request)
        if not rate or ident is None:
            return True
        self.num_requests, self.duration = parse_rate(rate)
        now = time.time()
        window = int(now // self.duration)
        self.reset_at = (window + 1) * self.duration
        key = f"throttle:{self.scope}:{ident}:{window}"
        return COUNTERS.allow(key, self.num_requests, self.duration + 1)

    def wait(self) -> float | None:
        return max(0.0, getattr(self, "reset_at", 0) - time.time())


class TokenRateThrottle(FixedWindowThrottle):
    scope = "token"

    def ident_for(self, request: Request) -> str | None:
        return str(request.auth.pk) if isinstance(request.auth, ApiToken) else None


class SessionRateThrottle(FixedWindowThrottle):
    scope = "user"

    def ident_for(self, request: Request) -> str | None:
        if isinstance(request.auth, ApiToken):
            return None
        if request.user and request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return None


class AnonymousRateThrottle(FixedWindowThrottle):
    scope = "anon"

    def ident_for(self, request: Request) -> str | None:
        if request.auth is not None or (request.user and request.user.is_authenticated):
            return None
        return f"ip-{self.get_ident(request)}"
