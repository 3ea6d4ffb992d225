"""Elements of a threat model. ``key`` is the element id, unique within a model across all kinds
(the service layer enforces cross-kind uniqueness; the database enforces it per table)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Self

from django.db import models

from threatmodel import choices
from threatmodel.models.model import ThreatModel


class Element(models.Model):
    model = models.ForeignKey(ThreatModel, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    description = models.TextField(blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)

    if TYPE_CHECKING:  # every concrete element has Django's default manager (code takes element classes by kind)
        objects: ClassVar[models.Manager[Self]]

    class Meta:
        abstract = True
        ordering = ["model", "key"]

    def __str__(self) -> str:
        return str(getattr(self, "name", "") or self.key)


class NamedElement(Element):
    name = models.CharField(max_length=200)
    tags = models.JSONField(default=list, blank=True)
    foreign_id = models.CharField(
        max_length=512, blank=True, default="", help_text="Id of this element in the system it was imported from."
    )

    class Meta(Element.Meta):
        abstract = True


def _unique(name: str) -> list[models.BaseConstraint]:
    return [models.UniqueConstraint(fields=["model", "key"], name=f"{name}_unique_model_key")]


class DataAsset(NamedElement):
    classification = models.CharField(max_length=16, choices=choices.CLASSIFICATION, default="unclassified")
    confidentiality = models.CharField(max_length=16, choices=choices.RATING, default="medium")
    integrity = models.CharField(max_length=16, choices=choices.RATING, default="medium")
    availability = models.CharField(max_length=16, choices=choices.RATING, default="medium")
    pii = models.BooleanField(default=False)
    credentials = models.BooleanField(default=False)

    class Meta(NamedElement.Meta):
        constraints = _unique("dataasset")


class TrustBoundary(NamedElement):
    kind = models.CharField(max_length=32, choices=choices.BOUNDARY_KIND, default="network-zone")
    trust_level = models.CharField(max_length=16, choices=choices.TRUST_LEVEL, default="unspecified")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position_x = models.FloatField(null=True, blank=True)
    position_y = models.FloatField(null=True, blank=True)

    class Meta(NamedElement.Meta):
        constraints = _unique("trustboundary")
        verbose_name_plural = "trust boundaries"


class Identity(NamedElement):
    kind = models.CharField(max_length=32, choices=choices.IDENTITY_KIND, default="workload")
    mfa = models.BooleanField(default=False)

    class Meta(NamedElement.Meta):
        constraints = _unique("identity")
        verbose_name_plural = "identities"


class Component(NamedElement):
    kind = models.CharField(max_length=32, choices=choices.COMPONENT_KIND, default="service")
    technology = models.CharField(max_length=128, blank=True, default="")
    boundary = models.ForeignKey(
        TrustBoundary, null=True, blank=True, on_delete=models.PROTECT, related_name="components"
    )
    internet_facing = models.BooleanField(default=False)
    mesh = models.CharField(max_length=16, choices=choices.MESH_MODE, default="none")
    authentication = models.CharField(max_length=32, choices=choices.AUTHENTICATION, default="unspecified")
    authorization = models.CharField(max_length=16, choices=choices.AUTHORIZATION, default="none")
    encryption_at_rest = models.BooleanField(default=False)
    logging = models.CharField(max_length=16, choices=choices.LOGGING, default="basic")
    identity = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.PROTECT, related_name="components")
    position_x = models.FloatField(null=True, blank=True)
    position_y = models.FloatField(null=True, blank=True)

    class Meta(NamedElement.Meta):
        constraints = _unique("component")


class ComponentData(models.Model):
    """A data asset stored or processed by a component (ordered as written)."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="data_links")
    data_asset = models.ForeignKey(DataAsset, on_delete=models.PROTECT, related_name="component_links")
    role = models.CharField(max_length=16, choices=choices.DataRole.choices)
    ordinal = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["component", "role", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["component", "data_asset", "role"], name="componentdata_unique")]

    def __str__(self) -> str:
        return f"{self.component_id} {self.role} {self.data_asset_id}"


class DataFlow(Element):
    name = models.CharField(max_length=200, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    foreign_id = models.CharField(max_length=512, blank=True, default="")
    source = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="outgoing_flows")
    target = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="incoming_flows")
    protocol = models.CharField(max_length=64, default="https")
    port = models.PositiveIntegerField(null=True, blank=True)
    encryption = models.CharField(max_length=16, choices=choices.ENCRYPTION, default="unspecified")
    authentication = models.CharField(max_length=32, choices=choices.AUTHENTICATION, default="unspecified")
    authorization = models.CharField(max_length=16, choices=choices.AUTHORIZATION, default="unspecified")
    bidirectional = models.BooleanField(default=False)
    provenance = models.CharField(max_length=16, choices=choices.PROVENANCE, default="declared")

    class Meta(Element.Meta):
        constraints = _unique("dataflow")


class FlowData(models.Model):
    flow = models.ForeignKey(DataFlow, on_delete=models.CASCADE, related_name="data_links")
    data_asset = models.ForeignKey(DataAsset, on_delete=models.PROTECT, related_name="flow_links")
    ordinal = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["flow", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["flow", "data_asset"], name="flowdata_unique")]

    def __str__(self) -> str:
        return f"{self.flow_id} carries {self.data_asset_id}"


class Grant(Element):
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="grants")
    target_component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    target_data_asset = models.ForeignKey(
        DataAsset, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    target_all = models.BooleanField(default=False, help_text="Wildcard target '*'.")
    actions = models.JSONField(default=list)
    scope = models.CharField(max_length=256, blank=True, default="")

    class Meta(Element.Meta):
        constraints = [
            *_unique("grant"),
            models.CheckConstraint(
                condition=(
                    models.Q(target_all=True, target_component__isnull=True, target_data_asset__isnull=True)
                    | models.Q(target_all=False, target_component__isnull=False, target_data_asset__isnull=True)
                    | models.Q(target_all=False, target_component__isnull=True, target_data_asset__isnull=False)
                ),
                name="grant_exactly_one_target",
            ),
        ]


class Control(Element):
    control = models.CharField(max_length=64, help_text="Id of the control in the catalog.")
    target_key = models.CharField(max_length=128, help_text="Key of the element the control applies to.")
    status = models.CharField(max_length=16, choices=choices.CONTROL_STATUS, default="implemented")

    class Meta(Element.Meta):
        constraints = _unique("control")


class Threat(Element):
    """A threat a person recorded on an element (``target_key``: any element kind, like a control's target)."""

    target_key = models.CharField(max_length=128, help_text="Key of the element the threat is about.")
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=32, choices=choices.THREAT_CATEGORY, default="tampering")
    likelihood = models.CharField(max_length=16, choices=choices.LIKELIHOOD, default="likely")
    impact = models.CharField(max_length=16, choices=choices.IMPACT, default="medium")
    status = models.CharField(max_length=16, choices=choices.THREAT_STATUS, default="open")
    mitigation = models.TextField(blank=True, default="")
    controls = models.JSONField(default=list, blank=True, help_text="Keys of the model's controls answering it.")
    foreign_id = models.CharField(max_length=512, blank=True, default="")

    class Meta(Element.Meta):
        constraints = _unique("threat")

    def __str__(self) -> str:
        return self.title or self.key
