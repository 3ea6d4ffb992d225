"""Invitations into a team (owners send and revoke; the invited user accepts or declines) and a team's audit log."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from threatmodel import models as m
from threatmodel import selectors, selectors_teams, services_invitations
from threatmodel.api import audit_export
from threatmodel.api import serializers_teams as st
from threatmodel.api.common import account_of, parse_id
from threatmodel.api.serializers import ErrorSerializer
from threatmodel.choices import Role
from threatmodel.security import origin_of


def _owned_team(request: Request, team_id: str) -> m.Team:
    return selectors.team_for_user(user=request.user, team_id=parse_id(team_id), role=Role.OWNER)


class TeamInvitationViewSet(viewsets.GenericViewSet[m.Invitation]):
    """A team's invitations (owners only). Users join a team only by accepting one."""

    serializer_class = st.InvitationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return m.Invitation.objects.none()
        return selectors_teams.invitations_of_team(team=_owned_team(self.request, self.kwargs["team_id"]))

    def list(self, request: Request, team_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=st.InvitationCreateSerializer,
        responses={201: st.InvitationSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
        description="Invite a username or e-mail address. The answer does not say whether an account matches; "
        "inviting the same invitee again renews the pending invitation.",
    )
    def create(self, request: Request, team_id: str) -> Response:
        team = _owned_team(request, team_id)
        data = st.InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services_invitations.invitation_create(
            team=team, invited_by=account_of(request), origin=origin_of(request), **data.validated_data
        )
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, team_id: str, pk: str) -> Response:
        team = _owned_team(request, team_id)
        return Response(
            self.get_serializer(selectors_teams.invitation_of_team(team=team, invitation_id=parse_id(pk))).data
        )

    @extend_schema(responses={204: None, 400: ErrorSerializer}, description="Revoke a pending invitation.")
    def destroy(self, request: Request, team_id: str, pk: str) -> Response:
        team = _owned_team(request, team_id)
        invitation = selectors_teams.invitation_of_team(team=team, invitation_id=parse_id(pk))
        services_invitations.invitation_revoke(
            invitation=invitation, actor=account_of(request), origin=origin_of(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyInvitationViewSet(viewsets.GenericViewSet[m.Invitation]):
    """Open invitations addressed to your username or e-mail address; accept or decline them."""

    serializer_class = st.InvitationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return m.Invitation.objects.none()
        return selectors_teams.invitations_for_user(user=self.request.user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses={200: st.InvitationAcceptedSerializer, 404: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        invitation = selectors_teams.invitation_for_user(user=request.user, invitation_id=parse_id(pk))
        membership = services_invitations.invitation_accept(
            invitation=invitation, user=account_of(request), origin=origin_of(request)
        )
        return Response({"team_id": membership.team_id, "role": membership.role})

    @extend_schema(request=None, responses={204: None, 404: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        invitation = selectors_teams.invitation_for_user(user=request.user, invitation_id=parse_id(pk))
        services_invitations.invitation_decline(
            invitation=invitation, user=account_of(request), origin=origin_of(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamAuditViewSet(viewsets.GenericViewSet[m.AuditEvent]):
    """A team's audit log (owners only): who did what, when and from where; newest first, paginated as JSON, or
    the whole selection as one CSV file with ``?format=csv``."""

    serializer_class = st.AuditEventSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return m.AuditEvent.objects.none()
        query = st.AuditQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors_teams.audit_events_of_team(
            team=_owned_team(self.request, self.kwargs["team_id"]),
            since=query.validated_data.get("since"),
            until=query.validated_data.get("until"),
            actions=sorted(query.validated_data.get("action", [])),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="ISO 8601 time: events at or after it"),
            OpenApiParameter("until", str, description="ISO 8601 time: events before it"),
            OpenApiParameter("action", str, many=True, description="Only these actions (repeatable)"),
            OpenApiParameter(
                "format",
                str,
                enum=["json", "csv"],
                description="`csv`: every selected event (no pagination) as a CSV file, columns "
                + ", ".join(audit_export.COLUMNS),
            ),
        ],
        responses={
            (200, "application/json"): st.AuditEventSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def list(self, request: Request, team_id: str) -> Any:
        events = self.get_queryset()
        if request.query_params.get("format") == "csv":
            response = StreamingHttpResponse(
                audit_export.csv_lines(events.iterator(chunk_size=audit_export.CHUNK)),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="trustmap-audit-team{parse_id(team_id)}.csv"'
            response["X-Content-Type-Options"] = "nosniff"
            return response
        page = self.paginate_queryset(events)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
