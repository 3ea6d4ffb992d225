"""Attach what runs to a model: manifests (multipart ``files`` or JSON ``{files: [{name, content}], options}``)
and observed traffic (a Kiali graph or ``linkerd viz edges`` output); create a model from manifests."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from threatmodel import models as m
from threatmodel import selectors, selectors_mesh, services_mesh
from threatmodel.api import serializers as s
from threatmodel.api.common import parse_id
from threatmodel.api.views_models import RawModelParser
from threatmodel.choices import Role

ERRORS = {400: s.ErrorSerializer, 403: s.ErrorSerializer, 404: s.ErrorSerializer}


class MeshSourceSerializer(serializers.ModelSerializer[m.MeshSource]):
    class Meta:
        model = m.MeshSource
        fields = ["id", "kind", "recorder", "options", "summary", "observed_at", "created_at"]
        read_only_fields = fields


def _options(raw: Any) -> dict[str, Any]:
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ValidationError(
                {"detail": "options must be a JSON object", "errors": [{"path": "options", "message": "not JSON"}]}
            ) from None
    if not isinstance(raw, dict):
        raise ValidationError(
            {"detail": "options must be a JSON object", "errors": [{"path": "options", "message": "not an object"}]}
        )
    return raw


def _form(request: Request) -> Any:
    """The parsed body as a mapping (a QueryDict for multipart, a dict for JSON, empty otherwise)."""
    data = request.data
    return data if hasattr(data, "get") else {}


def manifest_upload(request: Request) -> tuple[list[tuple[str, bytes]], dict[str, Any]]:
    """Multipart ``files`` (one or more) + optional ``options`` JSON, or a JSON body ``{files, options}``."""
    uploads = request.FILES.getlist("files") if hasattr(request, "FILES") else []
    if uploads:
        return [(u.name or "", u.read()) for u in uploads], _options(_form(request).get("options"))
    data = request.data if isinstance(request.data, dict) else {}
    files = data.get("files")
    if not isinstance(files, list) or not files:
        raise ValidationError(
            {
                "detail": "send manifests as multipart `files` or JSON {files: [{name, content}]}",
                "errors": [{"path": "files", "message": "missing"}],
            }
        )
    result = []
    for index, item in enumerate(files):
        if not isinstance(item, dict) or not isinstance(item.get("content"), str):
            raise ValidationError(
                {
                    "detail": "each file needs name and content",
                    "errors": [{"path": f"files[{index}]", "message": "needs name and content"}],
                }
            )
        result.append((str(item.get("name") or f"file-{index + 1}.yaml"), item["content"].encode("utf-8")))
    return result, _options(data.get("options"))


_FILES_SCHEMA = {
    "multipart/form-data": inline_serializer(
        "MeshManifestUpload",
        {
            "files": serializers.ListField(child=serializers.FileField()),
            "options": serializers.CharField(required=False),
        },
    ),
    "application/json": OpenApiTypes.OBJECT,
}


class ModelMeshViewSet(viewsets.ViewSet):
    """The mesh sources attached to a model (newest first); attach manifests or an observation."""

    parser_classes = [parsers.MultiPartParser, parsers.JSONParser]

    def _model(self, request: Request, model_id: str, role: str = Role.VIEWER) -> m.ThreatModel:
        return selectors.model_for_user(user=request.user, model_id=parse_id(model_id), role=role)

    @extend_schema(responses={200: MeshSourceSerializer(many=True), **ERRORS})
    def list(self, request: Request, model_id: str) -> Response:
        model = self._model(request, model_id)
        return Response(MeshSourceSerializer(selectors_mesh.mesh_sources_of_model(model=model)[:100], many=True).data)

    @extend_schema(request=_FILES_SCHEMA, responses={201: MeshSourceSerializer, **ERRORS})
    def manifests(self, request: Request, model_id: str) -> Response:
        model = self._model(request, model_id, Role.EDITOR)
        files, options = manifest_upload(request)
        source = services_mesh.mesh_manifests_attach(model=model, files=files, options=options, user=request.user)
        return Response(MeshSourceSerializer(source).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "MeshObservationUpload",
                {"file": serializers.FileField(), "format": serializers.CharField(required=False)},
            ),
            "application/json": OpenApiTypes.OBJECT,
        },
        responses={201: MeshSourceSerializer, **ERRORS},
    )
    def observations(self, request: Request, model_id: str) -> Response:
        model = self._model(request, model_id, Role.EDITOR)
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None:
            raw, name, fmt = upload.read(), upload.name or "", str(_form(request).get("format") or "")
        else:
            data = request.data if isinstance(request.data, dict) else {}
            raw, name, fmt = bytes(data.get("raw") or b""), "", str(request.query_params.get("format") or "")
        if not raw:
            raise ValidationError(
                {
                    "detail": "send the graph as multipart `file` or as the JSON body",
                    "errors": [{"path": "file", "message": "missing"}],
                }
            )
        source = services_mesh.mesh_observation_attach(model=model, raw=raw, filename=name, fmt=fmt, user=request.user)
        return Response(MeshSourceSerializer(source).data, status=status.HTTP_201_CREATED)


class ModelObservationViewSet(ModelMeshViewSet):
    """The observation upload reads the body itself (a Kiali graph is JSON but not a form)."""

    parser_classes = [parsers.MultiPartParser, RawModelParser]


class TeamManifestImportViewSet(viewsets.ViewSet):
    """Create a model in a team from manifests; they stay attached for conformance."""

    parser_classes = [parsers.MultiPartParser, parsers.JSONParser]

    @extend_schema(request=_FILES_SCHEMA, responses={201: s.ThreatModelSerializer, **ERRORS})
    def create(self, request: Request, team_id: str) -> Response:
        team = selectors.team_for_user(user=request.user, team_id=parse_id(team_id), role=Role.EDITOR)
        files, options = manifest_upload(request)
        name = str(_form(request).get("name") or "Imported cluster")
        model = services_mesh.model_import_manifests(
            team=team, name=name, files=files, options=options, user=request.user
        )
        return Response(s.ThreatModelSerializer(model).data, status=status.HTTP_201_CREATED)
