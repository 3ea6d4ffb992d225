"""A model's webhook: called when one of its assessments succeeds (score and new findings), signed."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from threatmodel.models import ThreatModel


class ModelWebhook(models.Model):
    """Where to POST a model's finished assessments, and the secret their HMAC-SHA256 signature uses.

    The secret is kept in clear (signing needs it); it is shown once, when the webhook is set.
    """

    model = models.OneToOneField(ThreatModel, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(
        max_length=16, blank=True, default="", help_text="delivered or failed, for the latest delivery"
    )
    last_error = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"webhook of model {self.model_id}"
