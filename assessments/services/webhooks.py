"""Model webhooks: set/remove (writes), the payload of a finished assessment and its delivery.

When an assessment of a model succeeds, ``assessments.tasks.deliver_webhook`` calls :func:`webhook_deliver`,
which POSTs a JSON payload (the score and the findings that were not in the model's previous successful run) to
the model's webhook URL, signed (``assessments.webhook_http``: the URL policy, the signature, the POST).
Connection errors, timeouts, 429 and 5xx answers are raised as ``WebhookTransientError`` for the task to retry;
other answers are final (``WebhookError``). Every outcome is recorded on the webhook row.
"""

from __future__ import annotations

import http.client
import json
import secrets
import time
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from assessments.choices import JobStatus
from assessments.models import AssessmentRun, ModelWebhook, RunFinding
from assessments.services.jobs import requester
from assessments.webhook_http import EVENT, USER_AGENT, WebhookError, WebhookTransientError, check_url, post, signature
from threatmodel import models as tm
from threatmodel.accounts import RequestUser

MAX_NEW_FINDINGS = 500

__all__ = [
    "WebhookError",
    "WebhookTransientError",
    "webhook_delete",
    "webhook_deliver",
    "webhook_delivery_failed",
    "webhook_payload",
    "webhook_set",
]


def webhook_set(*, model: tm.ThreatModel, url: str, user: RequestUser | None) -> tuple[ModelWebhook, str]:
    """Set (or replace) the model's webhook with a new secret; returns the row and the secret."""
    check_url(url)
    secret = secrets.token_hex(32)
    webhook, _ = ModelWebhook.objects.update_or_create(
        model=model,
        defaults={
            "url": url,
            "secret": secret,
            "created_by": requester(user),
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
        "grade": scores.get("grade"),
        "assessed": scores.get("assessed", True),
        "coverage": (scores.get("coverage") or {}).get("ratio"),
        "principles": scores.get("principles", []),
        "pillars": scores.get("pillars", []),
        "counts": run.counts,
        "previous_run": previous,
        "new_findings": new,
        "new_findings_truncated": len(new) == MAX_NEW_FINDINGS,
    }


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
        status = post(webhook.url, addresses, body, headers)
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
