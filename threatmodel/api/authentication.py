"""API authentication, token scope and throttling.

* ``BearerTokenAuthentication``: ``Authorization: Bearer <token>`` (or ``Token <token>``); sets
  ``request.auth`` to the :class:`~threatmodel.models.ApiToken`.
* ``TokenScopePermission``: a read-only token may only use safe methods (403 otherwise).
* ``TokenRateThrottle`` (scope ``token``) throttles per token; ``SessionRateThrottle`` (scope ``user``)
  throttles browser sessions per user. Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

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


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer",
                "description": "Personal API token: `Authorization: Bearer tm_...` (or `Token tm_...`)."}


class TokenScopePermission(permissions.BasePermission):
    message = "this API token is read-only"

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.scope != TokenScope.WRITE:
            return request.method in permissions.SAFE_METHODS
        return True


def _rate(scope: str) -> str | None:
    rates: dict[str, str] = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    return rates.get(scope)


class TokenRateThrottle(throttling.SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SessionRateThrottle(throttling.SimpleRateThrottle):
    scope = "user"

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            return None
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
