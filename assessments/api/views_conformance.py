"""Designed x allowed x observed per workload pair, for a model with attached manifests (and observation)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.conformance.threeway import CATEGORIES
from assessments.services.conformance import conformance_of_model, conformance_sarif_of_model, policy_of_model
from assessments.services.conformance_accept import conformance_accept_observed
from threatmodel.api.common import base_revision_of, conflict_response, etag, parse_id
from threatmodel.api.serializers import ConflictSerializer, ErrorSerializer
from threatmodel.choices import Role
from threatmodel.selectors import keys_changed_in_revision, model_for_user
from threatmodel.services import RevisionConflict

ACCEPT_REQUEST = inline_serializer(
    "ConformanceAccept",
    {
        "base_revision": serializers.IntegerField(),
        "pairs": serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
    },
)
ACCEPTED = inline_serializer(
    "ConformanceAccepted",
    {
        "revision": serializers.IntegerField(),
        "flows": serializers.ListField(child=serializers.CharField()),
        "message": serializers.CharField(),
    },
)


class ModelConformanceViewSet(viewsets.ViewSet):
    @extend_schema(
        parameters=[OpenApiParameter("category", str, required=False, enum=list(CATEGORIES))],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="counts, findings and verdicts"),
            400: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def retrieve(self, request: Request, model_id: str) -> Response:
        model = model_for_user(user=request.user, model_id=parse_id(model_id))
        category = request.query_params.get("category") or ""
        if category and category not in CATEGORIES:
            raise ValidationError(
                {
                    "detail": f"unknown category {category!r}",
                    "errors": [{"path": "category", "message": f"one of {', '.join(CATEGORIES)}"}],
                }
            )
        return Response(conformance_of_model(model=model).as_dict(category))

    @extend_schema(
        parameters=[OpenApiParameter("download", bool, required=False, description="the YAML alone, as a file")],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="yaml and dry_run"), 404: ErrorSerializer},
    )
    def policy(self, request: Request, model_id: str) -> Response | HttpResponse:
        model = model_for_user(user=request.user, model_id=parse_id(model_id))
        result = policy_of_model(model=model)
        if request.query_params.get("download") in ("1", "true"):
            response = HttpResponse(result["yaml"], content_type="application/yaml; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="model-{model.pk}-policy.yaml"'
            return response
        return Response(result)

    @extend_schema(
        parameters=[OpenApiParameter("download", bool, required=False, description="as a file to save")],
        responses={
            (200, "application/sarif+json"): OpenApiResponse(OpenApiTypes.OBJECT, description="SARIF 2.1.0 log"),
            404: ErrorSerializer,
        },
    )
    def sarif(self, request: Request, model_id: str) -> HttpResponse:
        """Policy findings and problem pairs as SARIF 2.1.0, each located in the attached manifest file (as named
        when attached) at the line its object's document starts."""
        model = model_for_user(user=request.user, model_id=parse_id(model_id))
        body = json.dumps(conformance_sarif_of_model(model=model), indent=2, ensure_ascii=False) + "\n"
        response = HttpResponse(body, content_type="application/sarif+json; charset=utf-8")
        if request.query_params.get("download") in ("1", "true"):
            response["Content-Disposition"] = f'attachment; filename="model-{model.pk}-conformance.sarif"'
        return response

    @extend_schema(
        request=ACCEPT_REQUEST,
        responses={201: ACCEPTED, 400: ErrorSerializer, 404: ErrorSerializer, 409: ConflictSerializer},
    )
    def accept(self, request: Request, model_id: str) -> Response:
        """Accept observed, undesigned pairs (``[[source, target], ...]`` as the verdicts name them) into the
        design as one new revision: a data flow each, with provenance ``observed``."""
        model = model_for_user(user=request.user, model_id=parse_id(model_id), role=Role.EDITOR)
        body = request.data if isinstance(request.data, dict) else {}
        base = base_revision_of(request, body)
        try:
            revision = conformance_accept_observed(
                model=model, pairs=body.get("pairs"), base_revision=base, user=request.user
            )
        except RevisionConflict as exc:
            return conflict_response(model, exc)
        flows = sorted(keys_changed_in_revision(revision=revision, kind="flow"))
        return Response(
            {"revision": revision.number, "flows": flows, "message": revision.message},
            status=status.HTTP_201_CREATED,
            headers={"ETag": etag(revision.number)},
        )
