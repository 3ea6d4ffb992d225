from __future__ import annotations

from django.conf import settings
from django.db import models

from threatmodel.models.model import ThreatModel


class MeshSource(models.Model):
    """What runs, attached to a model: a set of manifests (what policy allows) or an observation (what traffic
    was seen). The uploaded text is kept as sent, so every conformance result can be recomputed and every
    finding points into a file the team has; a new upload never changes the design."""

    class Kind(models.TextChoices):
        MANIFESTS = "manifests", "Kubernetes / Istio / Linkerd manifests"
        OBSERVATION = "observation", "Observed traffic"

    model = models.ForeignKey(ThreatModel, on_delete=models.CASCADE, related_name="mesh_sources")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    recorder = models.CharField(max_length=32)  # kubernetes | kiali | linkerd-viz
    files = models.JSONField(default=list)  # [{"name": ..., "content": ...}] (UTF-8 text)
    options = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["model", "-created_at", "-id"]
        indexes = [models.Index(fields=["model", "kind", "-created_at"], name="meshsource_latest")]

    def __str__(self) -> str:
        return f"{self.kind} {self.recorder} for model {self.model_id}"
