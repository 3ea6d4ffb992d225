from __future__ import annotations

from django.conf import settings
from django.db import models

from assessments.choices import JobStatus, ReportFormat
from assessments.models.runs import AssessmentRun
from threatmodel.models import ThreatModel


class Report(models.Model):
    """A rendered report of one assessment run, produced in the background and stored."""

    model = models.ForeignKey(ThreatModel, on_delete=models.CASCADE, related_name="reports")
    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="reports")
    format = models.CharField(max_length=8, choices=ReportFormat.choices)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True, default="")
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True, default="")
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="last time the job was sent to a worker")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="last sign of life of its worker")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.format} report of {self.model} (run {self.run_id})"
