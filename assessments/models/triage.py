from __future__ import annotations

from django.conf import settings
from django.db import models

from assessments.choices import TriageStatus
from threatmodel.models import ThreatModel


class FindingTriage(models.Model):
    """A decision about a finding fingerprint; it carries over to later revisions and runs."""

    model = models.ForeignKey(ThreatModel, on_delete=models.CASCADE, related_name="triage")
    fingerprint = models.CharField(max_length=512)
    status = models.CharField(max_length=16, choices=TriageStatus.choices, default=TriageStatus.OPEN)
    justification = models.TextField(blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the team member who owns the decision (e.g. the accepted risk until it expires)",
    )

    class Meta:
        ordering = ["model", "fingerprint"]
        constraints = [models.UniqueConstraint(fields=["model", "fingerprint"], name="triage_unique")]

    def __str__(self) -> str:
        return f"{self.fingerprint}: {self.status}"
