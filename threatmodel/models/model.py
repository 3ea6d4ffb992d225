from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan

from threatmodel import choices
from threatmodel.models.team import Team


class ThreatModel(models.Model):
    """A system under review. ``revision`` only grows; every change is in the change log."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="threat_models")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    business_criticality = models.CharField(max_length=32, choices=choices.BUSINESS_CRITICALITY, default="important")
    tags = models.JSONField(default=list, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="Set while the model is archived: read-only and off the dashboard."
    )

    class Meta:
        ordering = ["team", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="threatmodel_unique_team_name"),
            # the services refuse a blank name with a message; this is the floor under every other writer
            models.CheckConstraint(condition=GreaterThan(Length(Trim("name")), 0), name="threatmodel_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name
