"""The HTTP side of model webhooks, without the database: the URL policy, the signature and the POST.

Each delivery carries

* ``X-Trustmap-Timestamp``: the Unix time of the delivery attempt;
* ``X-Trustmap-Signature``: ``sha256=`` + hex HMAC-SHA256, keyed with the webhook's secret, of
  ``<timestamp>.<body>`` (so a receiver can refuse stale or replayed deliveries).

URLs must be http(s) and may not resolve to private, loopback, link-local or otherwise non-public addresses
unless ``settings.WEBHOOK_ALLOW_PRIVATE`` (checked when the webhook is set and again at each delivery, and the
delivery connects to the very addresses checked, so DNS rebinding cannot redirect it); redirects are not
followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings

EVENT = "assessment.succeeded"
USER_AGENT = "Trustmap-Webhook/1"


class WebhookError(Exception):
    """The URL is not acceptable, or a delivery failed for good."""


class WebhookTransientError(Exception):
    """A delivery failed in a way worth retrying (network, timeout, 429, 5xx)."""


# -- URL policy ------------------------------------------------------------------------------------


def check_url(url: str) -> list[str]:
    """Refuse what a webhook may not call: other schemes, and non-public addresses unless allowed.

    Returns the addresses the host resolved to, every one of them checked: delivery connects to these (not to a
    second resolution of the name, which a hostile DNS server could point elsewhere in between)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookError(f"invalid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("the URL must be http:// or https:// with a host name")
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise WebhookError(f"cannot resolve {parts.hostname!r}") from None
    addresses: list[str] = []
    for info in infos:
        text = str(info[4][0])
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not settings.WEBHOOK_ALLOW_PRIVATE and (not address.is_global or address.is_multicast):
            raise WebhookError(
                f"{parts.hostname!r} resolves to a non-public address ({address}); "
                "webhooks may only call public addresses"
            )
        if text not in addresses:
            addresses.append(text)
    return addresses


# -- signature and delivery ------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 keyed with the secret over ``<timestamp>.<body>``."""
    return "sha256=" + hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to one already-checked address; the Host header still names the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to one already-checked address; the certificate is verified for the URL's host name (SNI too)."""

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, addresses: list[str], body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to ``url`` through the first reachable checked address; the status (redirects are not
    followed: a 3xx is an answer like any other, since it could lead anywhere; no proxy is used)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    for number, address in enumerate(addresses, start=1):
        connection = kind(host, port, address, settings.WEBHOOK_TIMEOUT)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read(65536)
            return response.status
        except (OSError, http.client.HTTPException):
            if number == len(addresses):
                raise
        finally:
            connection.close()
    raise OSError("no address to connect to")
