"""Model webhooks: set/remove (writes), the payload of a finished assessment, signing and delivery.

When an assessment of a model succeeds, ``assessments.tasks.deliver_webhook`` POSTs a JSON payload (the score
and the findings that were not in the model's previous successful run) to the model's webhook URL, with

* ``X-Trustmap-Timestamp``: the Unix time of the delivery attempt;
* ``X-Trustmap-Signature``: ``sha256=`` + hex HMAC-SHA256, keyed with the webhook's secret, of
  ``<timestamp>.<body>`` (so a receiver can refuse stale or replayed deliveries).

URLs must be http(s) and may not resolve to private, loopback, link-local or otherwise non-public addresses
unless ``settings.WEBHOOK_ALLOW_PRIVATE`` (checked when the webhook is set and again at each delivery, and the
delivery connects to the very addresses checked, so DNS rebinding cannot redirect it); redirects are not
followed. Connection errors, timeouts, 429 and 5xx answers are retried by the task; other answers are final.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, ModelWebhook, RunFinding
from threatmodel import models as tm

EVENT = "assessment.succeeded"
USER_AGENT = "Trustmap-Webhook/1"
MAX_NEW_FINDINGS = 500


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


# -- writes ----------------------------------------------------------------------------------------


def webhook_set(*, model: tm.ThreatModel, url: str, user: AbstractBaseUser | None) -> tuple[ModelWebhook, str]:
    """Set (or replace) the model's webhook with a new secret; returns the row and the secret."""
    check_url(url)
    secret = secrets.token_hex(32)
    webhook, _ = ModelWebhook.objects.update_or_create(
        model=model,
        defaults={
            "url": url,
            "secret": secret,
            "created_by": user,
            "last_delivery_at": None,
            "last_status": "",
            "last_error": "",
        },
    )
    return webhook, secret


def webhook_delete(*, model: tm.ThreatModel) -> bool:
    deleted, _ = ModelWebhook.objects.filter(model=model).delete()
    return bool(deleted)


def _record(webhook_id: int, status: str, error: str = "") -> None:
    ModelWebhook.objects.filter(pk=webhook_id).update(
        last_delivery_at=timezone.now(), last_status=status, last_error=error[:2000]
    )


def webhook_delivery_failed(*, webhook_id: int, error: str) -> None:
    _record(webhook_id, "failed", error)


# -- payload and signature -------------------------------------------------------------------------


def webhook_payload(*, run: AssessmentRun) -> dict[str, Any]:
    """The score of a successful run and its findings absent from the model's previous successful run."""
    previous = (
        AssessmentRun.objects.filter(model_id=run.model_id, status=JobStatus.SUCCEEDED)
        .exclude(pk=run.pk)
        .filter(finished_at__lte=run.finished_at)
        .order_by("-finished_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    findings = RunFinding.objects.filter(run=run).order_by("ordinal", "pk")
    if previous is not None:
        findings = findings.exclude(fingerprint__in=RunFinding.objects.filter(run_id=previous).values("fingerprint"))
    new = [
        {
            "id": f.fingerprint,
            "rule": f.rule,
            "title": f.title,
            "severity": f.severity,
            "principle": f.principle,
            "pillar": f.pillar,
            "elements": f.elements,
            "mitigated": bool(f.mitigated_by),
        }
        for f in findings[:MAX_NEW_FINDINGS]
    ]
    scores = run.scores or {}
    return {
        "event": EVENT,
        "model": run.model_id,
        "run": run.pk,
        "revision": run.revision,
        "at": run.finished_at,
        "overall": run.overall_score,
        "stage": scores.get("stage", ""),
        "principles": scores.get("principles", []),
        "pillars": scores.get("pillars", []),
        "counts": run.counts,
        "previous_run": previous,
        "new_findings": new,
        "new_findings_truncated": len(new) == MAX_NEW_FINDINGS,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 keyed with the secret over ``<timestamp>.<body>``."""
    return "sha256=" + hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


# -- delivery --------------------------------------------------------------------------------------


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


def _post(url: str, addresses: list[str], body: bytes, headers: dict[str, str]) -> int:
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


def webhook_deliver(*, webhook_id: int, run_id: int) -> bool:
    """POST the run's payload to the webhook; False when there is nothing to deliver (gone, not succeeded).

    Raises ``WebhookTransientError`` for what is worth retrying, ``WebhookError`` for a final failure
    (both recorded on the webhook row).
    """
    webhook = ModelWebhook.objects.filter(pk=webhook_id).first()
    run = AssessmentRun.objects.defer("result").filter(pk=run_id, status=JobStatus.SUCCEEDED).first()
    if webhook is None or run is None or run.model_id != webhook.model_id:
        return False
    try:
        addresses = check_url(webhook.url)
    except WebhookError as exc:
        _record(webhook.pk, "failed", str(exc))
        raise
    body = json.dumps(webhook_payload(run=run), cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Trustmap-Event": EVENT,
        "X-Trustmap-Timestamp": str(timestamp),
        "X-Trustmap-Signature": signature(webhook.secret, timestamp, body),
    }
    try:
        status = _post(webhook.url, addresses, body, headers)
    except (OSError, http.client.HTTPException) as exc:  # refused/reset, timeouts, TLS, a garbled answer
        error = f"delivery failed: {exc or type(exc).__name__}"
        _record(webhook.pk, "failed", error)
        raise WebhookTransientError(error) from None
    if not 200 <= status < 300:
        error = f"the receiver answered {status}"
        _record(webhook.pk, "failed", error)
        if status == 429 or status >= 500:
            raise WebhookTransientError(error) from None
        raise WebhookError(error) from None
    _record(webhook.pk, "delivered")
    return True
