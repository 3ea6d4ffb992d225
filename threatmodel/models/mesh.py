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


class MeshLiveSource(models.Model):
    """Where a model's observed traffic is pulled from: a Kiali base URL, its auth, the namespaces to graph and
    how often. The token is stored encrypted (``threatmodel.fieldcrypt``) and never returned. Each pull records
    its outcome here; a successful one also adds an observation (a ``MeshSource``), never touching the design."""

    class Auth(models.TextChoices):
        NONE = "none", "No authentication"
        BEARER = "bearer", "Bearer token"

    class Status(models.TextChoices):
        NEVER = "never", "Never pulled"
        OK = "ok", "Pulled"
        ERROR = "error", "Failed"

    model = models.OneToOneField(ThreatModel, on_delete=models.CASCADE, related_name="mesh_live")
    base_url = models.URLField(max_length=500)
    auth = models.CharField(max_length=8, choices=Auth.choices, default=Auth.NONE)
    token_encrypted = models.TextField(blank=True, default="")
    namespaces = models.JSONField(default=list)
    graph_type = models.CharField(max_length=16, default="workload")
    duration_seconds = models.PositiveIntegerField(default=600)
    #: Minutes between scheduled pulls; 0 = only when asked ("pull now", the API).
    interval_minutes = models.PositiveIntegerField(default=60)
    next_pull_at = models.DateTimeField(null=True, blank=True)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEVER)
    last_error_code = models.CharField(max_length=32, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    last_observation = models.ForeignKey(MeshSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["next_pull_at"], name="meshlive_due")]

    def __str__(self) -> str:
        return f"live pull for model {self.model_id} from {self.base_url}"
