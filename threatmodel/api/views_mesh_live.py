"""A model's live Kiali pull: ``GET/PUT/DELETE /models/{id}/mesh/live/`` (where from, how often, the outcome of
the last pull) and ``POST /models/{id}/mesh/live/pull/`` (pull now). The token is write-only: answers only say
whether one is stored. A pull that fails answers 502 with the error (code, message) as JSON."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from threatmodel import models as m
from threatmodel import selectors, services_mesh_live
from threatmodel.api import serializers as s
from threatmodel.api.common import parse_id
from threatmodel.api.views_mesh import MeshSourceSerializer
from threatmodel.choices import Role
from threatmodel.interchange.kiali import GRAPH_TYPES

HOST_NOT_ALLOWED = "host-not-allowed"
ERRORS = {400: s.ErrorSerializer, 403: s.ErrorSerializer, 404: s.ErrorSerializer}


class MeshLiveSerializer(serializers.ModelSerializer[m.MeshLiveSource]):
    has_token = serializers.SerializerMethodField()

    class Meta:
        model = m.MeshLiveSource
        fields = [
            "base_url", "auth", "has_token", "namespaces", "graph_type", "duration_seconds", "interval_minutes",
            "next_pull_at", "last_pulled_at", "last_status", "last_error_code", "last_error", "last_observation",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_token(self, obj: m.MeshLiveSource) -> bool:
        return bool(obj.token_encrypted)


class MeshLiveInputSerializer(serializers.Serializer[Any]):
    base_url = serializers.CharField(max_length=500)
    auth = serializers.ChoiceField(choices=m.MeshLiveSource.Auth.choices, default=m.MeshLiveSource.Auth.NONE)
    token = serializers.CharField(
        required=False, allow_blank=True, write_only=True, trim_whitespace=True, help_text="omit to keep the stored one"
    )
    namespaces = serializers.ListField(child=serializers.CharField(max_length=63), max_length=100)
    graph_type = serializers.ChoiceField(choices=GRAPH_TYPES, default="workload")
    duration_seconds = serializers.IntegerField(default=600)
    interval_minutes = serializers.IntegerField(default=60, help_text="0: pull only when asked")


PULL_FAILED = inline_serializer(
    "MeshPullFailed",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": s.ErrorItemSerializer(many=True),
        "live": MeshLiveSerializer(),
    },
)
PULLED = inline_serializer("MeshPulled", {"live": MeshLiveSerializer(), "observation": MeshSourceSerializer()})


class ModelMeshLiveViewSet(viewsets.ViewSet):
    def _model(self, request: Request, model_id: str, role: str = Role.VIEWER) -> m.ThreatModel:
        return selectors.model_for_user(user=request.user, model_id=parse_id(model_id), role=role)

    def _live(self, model: m.ThreatModel) -> m.MeshLiveSource:
        live = services_mesh_live.live_source_of_model(model=model)
        if live is None:
            raise selectors.NotFound("no live pull is configured for this model: PUT it to this address")
        return live

    @extend_schema(responses={200: MeshLiveSerializer, **ERRORS})
    def retrieve(self, request: Request, model_id: str) -> Response:
        return Response(MeshLiveSerializer(self._live(self._model(request, model_id))).data)

    @extend_schema(request=MeshLiveInputSerializer, responses={200: MeshLiveSerializer, **ERRORS})
    def update(self, request: Request, model_id: str) -> Response:
        model = self._model(request, model_id, Role.EDITOR)
        given = MeshLiveInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        token = data.pop("token", None)
        live = services_mesh_live.mesh_live_configure(model=model, token=token or None, **data)
        return Response(MeshLiveSerializer(live).data)

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request: Request, model_id: str) -> Response:
        services_mesh_live.mesh_live_remove(model=self._model(request, model_id, Role.EDITOR))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={201: PULLED, 422: PULL_FAILED, 502: PULL_FAILED, **ERRORS})
    def pull(self, request: Request, model_id: str) -> Response:
        """Pull the graph now; the new observation is what conformance compares with from then on. 502: Kiali
        failed (``code``); 422: the host is not one ``KIALI_ALLOWED_HOSTS`` allows (``code`` ``host-not-allowed``)."""
        model = self._model(request, model_id, Role.EDITOR)
        live = services_mesh_live.mesh_live_pull(live=self._live(model), user=request.user)
        if live.last_status != m.MeshLiveSource.Status.OK or live.last_observation is None:
            return Response(
                {
                    "detail": live.last_error,
                    "code": live.last_error_code,
                    "errors": [{"path": "kiali", "message": live.last_error}],
                    "live": MeshLiveSerializer(live).data,
                },
                # the operator's host restriction refuses the configuration: not Kiali's fault
                status=status.HTTP_422_UNPROCESSABLE_ENTITY
                if live.last_error_code == HOST_NOT_ALLOWED
                else status.HTTP_502_BAD_GATEWAY,
            )
        return Response(
            {"live": MeshLiveSerializer(live).data, "observation": MeshSourceSerializer(live.last_observation).data},
            status=status.HTTP_201_CREATED,
        )
