from __future__ import annotations

from django.conf import settings
from django.db import models

from assessments.choices import JobStatus, RunTrigger, Severity
from threatmodel.models import ThreatModel


class AssessmentRun(models.Model):
    """One engine run over a model revision; also the background job that performs it."""

    model = models.ForeignKey(ThreatModel, on_delete=models.CASCADE, related_name="assessment_runs")
    revision = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100")
    progress_message = models.CharField(max_length=200, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    trigger = models.CharField(max_length=16, choices=RunTrigger.choices, default=RunTrigger.REQUEST)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="last time the job was sent to a worker")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="last sign of life of its worker")
    overall_score = models.FloatField(null=True, blank=True)
    scores = models.JSONField(null=True, blank=True, help_text="principles and pillars breakdown")
    counts = models.JSONField(null=True, blank=True, help_text="open findings by severity")
    result = models.JSONField(null=True, blank=True, help_text="the engine's full JSON result")
    triage_counts = models.JSONField(
        null=True,
        blank=True,
        help_text="the counts with the triage in force (selectors.run_counts_recomputed), stored by the services "
        "that finish a run or change its model's triage; empty: recomputed on read",
    )
    triage_counts_until = models.DateTimeField(
        null=True, blank=True, help_text="when an acceptance counted in triage_counts expires (then recomputed)"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["model", "status", "-finished_at"], name="run_model_status_finished")]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.model} r{self.revision} ({self.status})"


class RunFinding(models.Model):
    """A finding of a run, as rows for filtering (the full finding is in ``run.result``)."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="findings")
    fingerprint = models.CharField(max_length=512)
    rule = models.CharField(max_length=128)
    title = models.CharField(max_length=300)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    principle = models.CharField(max_length=64, blank=True, default="")
    pillar = models.CharField(max_length=64, blank=True, default="")
    elements = models.JSONField(default=list)
    mitigated_by = models.JSONField(default=list)
    ordinal = models.PositiveIntegerField(default=0)
    stride = models.CharField(max_length=32, blank=True, default="")
    cwe = models.CharField(max_length=32, blank=True, default="")
    family = models.CharField(max_length=64, blank=True, default="")
    boundaries = models.JSONField(
        default=list, help_text="ids of the trust boundaries the finding's elements sit in, with their ancestors"
    )
    remediation = models.TextField(blank=True, default="")
    evidence = models.JSONField(default=dict, blank=True, help_text="what the rule saw (the result's evidence)")
    first_seen_revision = models.PositiveIntegerField(
        null=True, blank=True, help_text="the revision since which the model has had this finding without a gap"
    )

    class Meta:
        ordering = ["run", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["run", "fingerprint"], name="runfinding_unique")]
        indexes = [
            models.Index(fields=["run", "severity"], name="runfinding_run_severity"),
            models.Index(fields=["run", "rule"], name="runfinding_run_rule"),
        ]

    def __str__(self) -> str:
        return self.fingerprint
