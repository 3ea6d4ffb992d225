"""Request origins for the audit log, and response headers that keep authenticated answers out of shared and
browser caches."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control

from threatmodel.services_audit import MAX_USER_AGENT, Origin


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every answer to a signed-in user or a token bearer (a proxy or the
    browser's back button never shows a team's model to the next person), unless the view chose its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META
        if authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class HtmlCSPMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy, on HTML pages only: a policy governs what a browser may load into a
    rendered document, so JSON, SVG downloads and files do not need one, and the API's hot paths (polled by
    dashboards) do not pay for building the header twice per answer."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)


def origin_of(request: HttpRequest) -> Origin:
    """The client's address and User-Agent for the audit log. Behind ``PROXY_HOPS`` reverse proxies the address
    is that many entries from the right of X-Forwarded-For (entries further left are the client's own claim)."""
    address = request.META.get("REMOTE_ADDR") or None
    hops = settings.PROXY_HOPS
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        address = str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        address = None
    agent = request.META.get("HTTP_USER_AGENT", "")
    return Origin(ip_address=address, user_agent="".join(c for c in agent if c.isprintable())[:MAX_USER_AGENT])
