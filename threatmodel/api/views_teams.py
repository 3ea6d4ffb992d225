"""Teams, memberships and personal API tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from threatmodel import models as m
from threatmodel import selectors, services, services_tokens
from threatmodel.api import serializers as s
from threatmodel.api.common import account_of, parse_id
from threatmodel.api.filters import TeamFilterSet
from threatmodel.choices import Role
from threatmodel.security import origin_of
from threatmodel.selectors import NotFound


def _roles(user: Any) -> dict[int, str]:
    return dict(m.Membership.objects.filter(user_id=user.pk).values_list("team_id", "role"))


class TeamViewSet(viewsets.GenericViewSet[m.Team]):
    """Teams you are a member of. Anyone may create a team (and becomes its owner)."""

    serializer_class = s.TeamSerializer
    filterset_class = TeamFilterSet

    def get_queryset(self) -> Any:
        return selectors.teams_for_user(user=self.request.user)

    def get_serializer_context(self) -> Mapping[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and self.request.user.is_authenticated:
            return {**context, "roles": _roles(self.request.user)}
        return context

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=s.TeamCreateSerializer, responses={201: s.TeamSerializer})
    def create(self, request: Request) -> Response:
        data = s.TeamCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = services.team_create(
            name=data.validated_data["name"],
            owner=account_of(request),
            slug=data.validated_data.get("slug"),
            origin=origin_of(request),
        )
        return Response(self.get_serializer(team).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        team = selectors.team_for_user(user=request.user, team_id=parse_id(pk))
        return Response(self.get_serializer(team).data)


class MembershipViewSet(viewsets.GenericViewSet[m.Membership]):
    """Members of a team. Everyone in the team may list them; only owners change roles or remove members.
    People join a team by accepting an invitation (``teams/{id}/invitations/``)."""

    serializer_class = s.MembershipSerializer
    lookup_field = "user_id"
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return m.Membership.objects.none()
        team = selectors.team_for_user(user=self.request.user, team_id=parse_id(self.kwargs["team_id"]))
        return selectors.memberships_of_team(team=team)

    def list(self, request: Request, team_id: str) -> Response:
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    @extend_schema(request=s.MembershipRoleSerializer, responses={200: s.MembershipSerializer})
    def partial_update(self, request: Request, team_id: str, user_id: str) -> Response:
        team = selectors.team_for_user(user=request.user, team_id=parse_id(team_id), role=Role.OWNER)
        user = _member(team, user_id)
        data = s.MembershipRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_set(
            team=team, user=user, role=data.validated_data["role"], actor=request.user, origin=origin_of(request)
        )
        return Response(self.get_serializer(membership).data)

    def destroy(self, request: Request, team_id: str, user_id: str) -> Response:
        team = selectors.team_for_user(user=request.user, team_id=parse_id(team_id), role=Role.OWNER)
        services.membership_remove(
            team=team, user=_member(team, user_id), actor=request.user, origin=origin_of(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _member(team: m.Team, user_id: str) -> Any:
    membership = m.Membership.objects.filter(team=team, user_id=parse_id(user_id)).select_related("user").first()
    if membership is None:
        raise NotFound("member not found")
    return membership.user


class ApiTokenViewSet(viewsets.GenericViewSet[m.ApiToken]):
    """Your personal API tokens. Creating one requires a browser session (a token cannot mint tokens)."""

    serializer_class = s.ApiTokenSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[m.ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return m.ApiToken.objects.none()
        return m.ApiToken.objects.filter(user_id=account_of(self.request).pk).order_by("-created_at", "-pk")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=s.ApiTokenCreateSerializer, responses={201: s.ApiTokenCreatedSerializer})
    def create(self, request: Request) -> Response:
        if isinstance(request.auth, m.ApiToken):
            raise PermissionDenied("API tokens are created from a browser session, not with another token")
        data = s.ApiTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = services_tokens.api_token_create(
            user=account_of(request), origin=origin_of(request), **data.validated_data
        )
        out = s.ApiTokenCreatedSerializer(token).data
        return Response({**out, "token": raw}, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self._own(pk)).data)

    @extend_schema(responses={204: None}, description="Revoke the token (it stops working at once).")
    def destroy(self, request: Request, pk: str) -> Response:
        services_tokens.api_token_revoke(token=self._own(pk), actor=account_of(request), origin=origin_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _own(self, pk: str) -> m.ApiToken:
        token = self.get_queryset().filter(pk=parse_id(pk)).first()
        if token is None:
            raise NotFound("token not found")
        return token


#: Pending the i12a merge: catalog/api/views.py still imports the former private name.
_int = parse_id

__all__ = ["ApiTokenViewSet", "MembershipViewSet", "TeamViewSet"]
