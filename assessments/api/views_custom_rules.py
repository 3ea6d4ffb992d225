"""A team's custom rules: viewers read, editors write. Expressions are validated on save (400 with the error)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from assessments import selectors
from assessments.api.serializers_custom_rules import CustomRuleSerializer
from assessments.models import CustomRule
from assessments.services import custom_rules as services
from threatmodel.api.common import parse_id
from threatmodel.api.serializers import ErrorSerializer
from threatmodel.choices import Role
from threatmodel.selectors import team_for_user

ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}


class CustomRuleViewSet(viewsets.GenericViewSet[CustomRule]):
    serializer_class = CustomRuleSerializer
    filterset_fields = ["element_kind", "enabled", "severity"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return CustomRule.objects.none()
        team = team_for_user(user=self.request.user, team_id=parse_id(self.kwargs["team_id"]))
        return selectors.custom_rules_of_team(team_id=team.pk)

    def _rule(self, pk: str, role: str) -> CustomRule:
        return selectors.custom_rule_for_user(
            user=self.request.user, team_id=parse_id(self.kwargs["team_id"]), rule_pk=parse_id(pk), role=role
        )

    def list(self, request: Request, team_id: str) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={201: CustomRuleSerializer, **ERRORS})
    def create(self, request: Request, team_id: str) -> Response:
        team = team_for_user(user=request.user, team_id=parse_id(team_id), role=Role.EDITOR)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.custom_rule_create(team=team, user=request.user, **data.validated_data)
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, team_id: str, pk: str) -> Response:
        return Response(self.get_serializer(self._rule(pk, Role.VIEWER)).data)

    @extend_schema(responses={200: CustomRuleSerializer, **ERRORS})
    def partial_update(self, request: Request, team_id: str, pk: str) -> Response:
        rule = self._rule(pk, Role.EDITOR)
        data = self.get_serializer(rule, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        rule = services.custom_rule_update(rule=rule, **data.validated_data)
        return Response(self.get_serializer(rule).data)

    @extend_schema(responses={204: None, 403: ErrorSerializer, 404: ErrorSerializer})
    def destroy(self, request: Request, team_id: str, pk: str) -> Response:
        services.custom_rule_delete(rule=self._rule(pk, Role.EDITOR))
        return Response(status=status.HTTP_204_NO_CONTENT)
