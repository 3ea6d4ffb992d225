"""Serializers of invitations and the audit log."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from threatmodel import models as m
from threatmodel.choices import AuditAction, Role
from threatmodel.services_invitations import MAX_INVITEE


class InvitationSerializer(serializers.ModelSerializer[m.Invitation]):
    team_id = serializers.IntegerField(source="team.pk", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    invited_by = serializers.CharField(source="invited_by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = m.Invitation
        fields = [
            "id",
            "team_id",
            "team_name",
            "invitee",
            "role",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "responded_at",
        ]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer[Any]):
    invitee = serializers.CharField(
        max_length=MAX_INVITEE,
        help_text="Username or e-mail address. The answer is the same whether or not such an account exists: "
        "whoever signs in with it sees the invitation.",
    )
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


class InvitationAcceptedSerializer(serializers.Serializer[Any]):
    team_id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Role.choices)


class AuditEventSerializer(serializers.ModelSerializer[m.AuditEvent]):
    actor = serializers.CharField(source="actor_name", read_only=True)
    actor_id = serializers.IntegerField(read_only=True, allow_null=True)
    team_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = m.AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "team_id",
            "actor",
            "actor_id",
            "target",
            "detail",
            "ip_address",
            "user_agent",
        ]
        read_only_fields = fields


class AuditQuerySerializer(serializers.Serializer[Any]):
    since = serializers.DateTimeField(required=False, help_text="Events at or after this time (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Events before this time (ISO 8601).")
    action = serializers.MultipleChoiceField(
        choices=AuditAction.choices, required=False, help_text="One or more actions (repeat the parameter)."
    )
    format = serializers.ChoiceField(
        choices=["json", "csv"], required=False, help_text="`csv`: the whole selection as one CSV file."
    )
