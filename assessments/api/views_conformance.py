"""Designed x allowed x observed per workload pair, for a model with attached manifests (and observation)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.conformance.threeway import CATEGORIES
from assessments.services.conformance import conformance_of_model, policy_of_model
from threatmodel.api.common import parse_id
from threatmodel.api.serializers import ErrorSerializer
from threatmodel.selectors import model_for_user


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
