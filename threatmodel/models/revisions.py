from __future__ import annotations

from django.conf import settings
from django.db import models

from threatmodel.choices import ChangeAction
from threatmodel.models.model import ThreatModel


class Revision(models.Model):
    """One accepted write to a model (a change set). Append-only."""

    model = models.ForeignKey(ThreatModel, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    base_number = models.PositiveIntegerField(help_text="The revision the writer had seen.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    message = models.CharField(max_length=500, blank=True, default="")
    change_count = models.PositiveIntegerField(default=0)
    last_change_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last change set merged into this revision was accepted."
    )
    coalescible = models.BooleanField(
        default=False, help_text="Whether the author's next change set within a few seconds merges into it."
    )

    class Meta:
        ordering = ["model", "-number"]
        constraints = [models.UniqueConstraint(fields=["model", "number"], name="revision_unique_model_number")]

    def __str__(self) -> str:
        return f"{self.model} r{self.number}"


class ChangeRecord(models.Model):
    """Before/after of one element in one revision. ``element_kind`` 'model' holds model-level fields."""

    model = models.ForeignKey(ThreatModel, on_delete=models.CASCADE, related_name="changes")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="changes")
    revision_number = models.PositiveIntegerField()
    seq = models.PositiveIntegerField()
    element_kind = models.CharField(max_length=32)
    element_key = models.CharField(max_length=128)
    action = models.CharField(max_length=8, choices=ChangeAction.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["model", "revision_number", "seq"]
        indexes = [models.Index(fields=["model", "revision_number"], name="change_model_revision")]
        constraints = [models.UniqueConstraint(fields=["revision", "seq"], name="change_unique_revision_seq")]

    def __str__(self) -> str:
        return f"r{self.revision_number} {self.action} {self.element_kind} {self.element_key}"


class CreationLog(models.Model):
    """The change log of a revision that only creates (a model's first revision: created, imported, duplicated),
    stored once as one JSON document instead of one ``ChangeRecord`` per element: ``records`` is the list of
    ``[element_kind, element_key, after]`` in ``seq`` order, each a creation (``before`` is null).
    ``threatmodel.changelog`` reads both forms as the same rows."""

    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, primary_key=True, related_name="creations")
    model = models.ForeignKey(ThreatModel, on_delete=models.CASCADE, related_name="+")
    revision_number = models.PositiveIntegerField()
    records = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["model", "revision_number"], name="creations_model_revision")]

    def __str__(self) -> str:
        return f"r{self.revision_number} creations"
