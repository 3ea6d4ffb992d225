"""Serializers of the threat-model API (teams, members, tokens, models, revisions, change sets).

Elements are represented by their native dicts (the file format's element objects; ``id`` is the key),
so they need no serializer; request bodies are validated by the change-set service.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from threatmodel import models as m
from threatmodel.api.gate_fields import gated_name, gated_structure
from threatmodel.choices import BUSINESS_CRITICALITY, Role
from threatmodel.model_templates import TEMPLATES


class TeamSerializer(serializers.ModelSerializer[m.Team]):
    role = serializers.SerializerMethodField(help_text="Your role in this team.")

    class Meta:
        model = m.Team
        fields = ["id", "name", "slug", "created_at", "role"]
        read_only_fields = ["id", "slug", "created_at", "role"]

    def get_role(self, team: m.Team) -> str | None:
        roles: dict[int, str] = self.context.get("roles", {})
        return roles.get(team.pk)


class TeamCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, validators=[gated_name])
    slug = serializers.SlugField(max_length=56, required=False)


class MembershipSerializer(serializers.ModelSerializer[m.Membership]):
    user_id = serializers.IntegerField(source="user.pk", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = m.Membership
        fields = ["user_id", "username", "role", "created_at"]
        read_only_fields = fields


class MembershipRoleSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=Role.choices)


class ApiTokenSerializer(serializers.ModelSerializer[m.ApiToken]):
    active = serializers.SerializerMethodField()

    class Meta:
        model = m.ApiToken
        fields = ["id", "name", "prefix", "scope", "created_at", "expires_at", "revoked_at", "last_used_at", "active"]
        read_only_fields = fields

    def get_active(self, token: m.ApiToken) -> bool:
        from django.utils import timezone

        return token.revoked_at is None and (token.expires_at is None or token.expires_at > timezone.now())


class ApiTokenCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, validators=[gated_name])
    scope = serializers.ChoiceField(choices=m.TokenScope.choices, default=m.TokenScope.READ)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret. Shown only in this response.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


#: The services' own words for a missing name (the serializer would say "This field may not be blank.").
NAME_ERRORS: dict[str, Any] = {
    "blank": "a model needs a name",
    "required": "a model needs a name",
    "null": "a model needs a name",
}


class ThreatModelSerializer(serializers.ModelSerializer[m.ThreatModel]):
    class Meta:
        model = m.ThreatModel
        fields = [
            "id",
            "team",
            "name",
            "description",
            "business_criticality",
            "tags",
            "attributes",
            "revision",
            "created_at",
            "updated_at",
            "archived",
            "archived_at",
        ]
        read_only_fields = fields

    archived = serializers.SerializerMethodField(help_text="Archived models are read-only until restored.")

    def get_archived(self, model: m.ThreatModel) -> bool:
        return model.archived_at is not None


#: One ``ThreatModelSerializer`` whose fields are built once, for the model GET (a hot path, ``bench_load``): a
#: ``ModelSerializer`` builds its fields from the model's introspection on every instantiation, a large share of
#: the request (measured in benchmarks/NOTES.md, "The load's reads, 2026-12-04"). Its
#: fields are all read-only and need no context, so ``to_representation`` keeps no state: safe across threads.
_MODEL_READER = ThreatModelSerializer()


def threat_model_data(model: m.ThreatModel) -> dict[str, Any]:
    """What ``ThreatModelSerializer(model).data`` gives, without rebuilding the serializer's fields."""
    data: dict[str, Any] = _MODEL_READER.to_representation(model)
    return data


class ThreatModelCreateSerializer(serializers.Serializer[Any]):
    team = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    name = serializers.CharField(
        max_length=200,
        help_text="Unique in the team (case-insensitive), not blank.",
        error_messages=NAME_ERRORS,
        validators=[gated_name],
    )
    template = serializers.ChoiceField(
        choices=[t.slug for t in TEMPLATES],
        required=False,
        help_text="Start from this template's content (see GET /api/v1/models/templates/); default: blank.",
    )
    description = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True, help_text="Default: blank, or the template's."
    )
    business_criticality = serializers.ChoiceField(
        choices=BUSINESS_CRITICALITY, required=False, help_text="Default: important, or the template's."
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=64)


class ModelTemplateSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Elements per collection.")


class ThreatModelDuplicateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text='Default: "<name> (copy)".'
    )


class ThreatModelUpdateSerializer(serializers.Serializer[Any]):
    base_revision = serializers.IntegerField(min_value=0, required=False, help_text='Or send If-Match: "<revision>".')
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, required=False, error_messages=NAME_ERRORS, validators=[gated_name])
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    business_criticality = serializers.ChoiceField(choices=BUSINESS_CRITICALITY, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=64)
    attributes = serializers.DictField(required=False, validators=[gated_structure])


class DocumentSerializer(serializers.Serializer[Any]):
    revision = serializers.IntegerField()
    document = serializers.DictField(help_text="The native document (docs/schema/trustmap-model.schema.json).")


class ChangeSerializer(serializers.Serializer[Any]):
    op = serializers.ChoiceField(choices=["create", "update", "delete"])
    kind = serializers.ChoiceField(
        choices=["component", "flow", "boundary", "data_asset", "identity", "grant", "control", "threat", "model"]
    )
    id = serializers.CharField(required=False)
    data = serializers.DictField(required=False)  # type: ignore[assignment]  # the API's field shadows Serializer.data


class ChangeSetInputSerializer(serializers.Serializer[Any]):
    base_revision = serializers.IntegerField(min_value=0)
    message = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Kept only when `coalesce` is false."
    )
    changes = ChangeSerializer(many=True)
    coalesce = serializers.BooleanField(
        default=True,
        help_text="Merge into your previous change set if it came within REVISION_COALESCE_SECONDS (the merged "
        "revision takes the next number); the message is then written from what the revision changes.",
    )


class ChangeSetOutputSerializer(serializers.Serializer[Any]):
    revision = serializers.IntegerField()
    change_count = serializers.IntegerField(help_text="Change log rows of the (merged) revision.")
    coalesced = serializers.BooleanField(help_text="Whether the change set merged into your previous revision.")
    message = serializers.CharField()


class ErrorItemSerializer(serializers.Serializer[Any]):
    path = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True, required=False)  # type: ignore[assignment]  # shadows Serializer.errors


class ConflictSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    current_revision = serializers.IntegerField()
    diff = serializers.DictField(allow_null=True, required=False)


class RevisionSerializer(serializers.ModelSerializer[m.Revision]):
    author = serializers.CharField(source="author.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = m.Revision
        fields = ["number", "base_number", "author", "created_at", "message", "change_count"]
        read_only_fields = fields


class ChangeRecordSerializer(serializers.ModelSerializer[m.ChangeRecord]):
    class Meta:
        model = m.ChangeRecord
        fields = ["seq", "element_kind", "element_key", "action", "before", "after"]
        read_only_fields = fields


class RevisionDetailSerializer(RevisionSerializer):
    changes = serializers.SerializerMethodField()

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "changes"]
        read_only_fields = fields

    def get_changes(self, revision: m.Revision) -> list[dict[str, Any]]:
        records = self.context["changes"]
        return list(ChangeRecordSerializer(records, many=True).data)


class ReferenceSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    id = serializers.CharField()
    name = serializers.CharField()
    field = serializers.CharField(help_text="The field that refers to the element.")
    target = serializers.CharField(help_text="The element deleted.")
    consequence = serializers.ChoiceField(choices=["deleted", "updated"], help_text="What cascade does to it.")


class DeletionPlanSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    kind = serializers.CharField()
    id = serializers.CharField()
    referenced_by = ReferenceSerializer(many=True)
    cascade_changes = ChangeSerializer(many=True, help_text="The change set a delete with cascade=true applies.")
    errors = ErrorItemSerializer(many=True, required=False)  # type: ignore[assignment]  # shadows Serializer.errors


class ImportResultSerializer(serializers.Serializer[Any]):
    model = ThreatModelSerializer()
    revision = serializers.IntegerField()
    changed = serializers.BooleanField()


class ElementSerializer(serializers.Serializer[Any]):
    """An element's native dict (see docs/schema/trustmap-model.schema.json); other fields depend on the kind."""

    id = serializers.CharField(help_text="The element id (key), unique in the model.")

    def to_representation(self, instance: Any) -> Any:
        return instance
