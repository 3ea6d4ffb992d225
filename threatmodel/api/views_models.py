"""Threat models: CRUD, the native document, change sets, revisions, import and export."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from threatmodel import models as m
from threatmodel import selectors, services
from threatmodel.api import serializers as s
from threatmodel.api.common import base_revision_of, conflict_response, etag, parse_id
from threatmodel.api.filters import ThreatModelFilterSet
from threatmodel.api.parsers import RequestTooLarge
from threatmodel.choices import Role
from threatmodel.interchange.native import MAX_FILE_BYTES, snapshot_to_document, write_model
from threatmodel.interchange.reimport import align as align_reimport
from threatmodel.model_templates import TEMPLATE_BY_SLUG
from threatmodel.security import origin_of
from threatmodel.services import RevisionConflict

MODEL_FIELDS = ("name", "description", "business_criticality", "tags", "attributes")


class RawModelParser(parsers.BaseParser):
    """A model file sent as the raw request body (YAML or JSON); the view validates it."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        """At most the model file limit (``MAX_FILE_BYTES``, not the JSON body limit) is read: above it, 413."""
        raw = stream.read(MAX_FILE_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_FILE_BYTES:
            raise RequestTooLarge(f"the model file is larger than {MAX_FILE_BYTES:,} bytes")
        return {"raw": raw}


ERRORS = {400: s.ErrorSerializer, 404: s.ErrorSerializer}
REVISION_PRECONDITION = [
    OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False, description='The revision, e.g. "12"'),
    OpenApiParameter("base_revision", int, required=False, description="Alternative to If-Match"),
]


class ThreatModelViewSet(viewsets.GenericViewSet[m.ThreatModel]):
    """Threat models of your teams. Viewers read, editors write, owners delete."""

    serializer_class = s.ThreatModelSerializer
    filterset_class = ThreatModelFilterSet

    def get_queryset(self) -> Any:
        return selectors.models_for_user(user=self.request.user).order_by("team_id", "name", "pk")

    def _model(self, pk: str, role: str = Role.VIEWER) -> m.ThreatModel:
        return selectors.model_for_user(user=self.request.user, model_id=parse_id(pk), role=role)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=s.ThreatModelCreateSerializer, responses={201: s.ThreatModelSerializer, **ERRORS})
    def create(self, request: Request) -> Response:
        """Create a model: blank, or from a template (``template``). The name must be new in the team."""
        data = s.ThreatModelCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        team = selectors.team_for_user(user=request.user, team_id=values["team"], role=Role.EDITOR)
        template = TEMPLATE_BY_SLUG.get(values.get("template", ""))
        model = services.model_start(
            team=team,
            user=request.user,
            name=values["name"],
            template=template.snapshot() if template else None,
            template_title=template.title if template else "",
            description=values.get("description"),
            business_criticality=values.get("business_criticality"),
            tags=values.get("tags"),
        )
        return Response(
            self.get_serializer(model).data, status=status.HTTP_201_CREATED, headers={"ETag": etag(model.revision)}
        )

    @extend_schema(responses={200: s.ModelTemplateSerializer(many=True)}, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def templates(self, request: Request) -> Response:
        """The templates a model can start from (each a native model file shipped with Trustmap)."""
        return Response(selectors.model_templates())

    @extend_schema(
        request=s.ThreatModelDuplicateSerializer,
        responses={201: s.ThreatModelSerializer, 403: s.ErrorSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, pk: str) -> Response:
        """A new model in the same team with this model's current content (its history starts at revision 1)."""
        model = self._model(pk, Role.EDITOR)
        data = s.ThreatModelDuplicateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        copy = services.model_duplicate(model=model, user=request.user, name=data.validated_data.get("name"))
        return Response(
            self.get_serializer(copy).data, status=status.HTTP_201_CREATED, headers={"ETag": etag(copy.revision)}
        )

    @extend_schema(request=None, responses={200: s.ThreatModelSerializer, 403: s.ErrorSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        """Archive the model: kept with its history, read-only, off the dashboard (undo with ``restore``)."""
        model = services.model_archive(model=self._model(pk, Role.EDITOR))
        return Response(self.get_serializer(model).data, headers={"ETag": etag(model.revision)})

    @extend_schema(request=None, responses={200: s.ThreatModelSerializer, 403: s.ErrorSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        """Bring an archived model back: editable and on the dashboard again."""
        model = services.model_restore(model=self._model(pk, Role.EDITOR))
        return Response(self.get_serializer(model).data, headers={"ETag": etag(model.revision)})

    def retrieve(self, request: Request, pk: str) -> Response:
        model = self._model(pk)
        return Response(s.threat_model_data(model), headers={"ETag": etag(model.revision)})

    @extend_schema(
        request=s.ThreatModelUpdateSerializer,
        responses={200: s.ThreatModelSerializer, 409: s.ConflictSerializer, 428: s.ErrorSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        model = self._model(pk, Role.EDITOR)
        data = s.ThreatModelUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        base = base_revision_of(request, request.data)
        fields = {k: v for k, v in data.validated_data.items() if k in MODEL_FIELDS}
        try:
            services.model_update_info(
                model=model,
                user=request.user,
                base_revision=base,
                fields=fields,
                message=data.validated_data.get("message", ""),
            )
        except RevisionConflict as exc:
            return conflict_response(model, exc)
        return Response(self.get_serializer(model).data, headers={"ETag": etag(model.revision)})

    @extend_schema(
        parameters=REVISION_PRECONDITION,
        responses={204: None, 403: s.ErrorSerializer, 404: s.ErrorSerializer, 409: s.ConflictSerializer},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        """Delete the model; needs the revision it is based on (If-Match or base_revision), like every write."""
        model = self._model(pk, Role.OWNER)
        base = base_revision_of(request, request.data if isinstance(request.data, dict) else None)
        if base != model.revision:
            return conflict_response(
                model, RevisionConflict(model_id=model.pk, base_revision=base, current_revision=model.revision)
            )
        services.model_delete(model=model, actor=request.user, origin=origin_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={200: s.DocumentSerializer, 404: s.ErrorSerializer},
        parameters=[
            OpenApiParameter("revision", int, required=False, description="A past revision (default: current)")
        ],
    )
    @action(detail=True, methods=["get"])
    def document(self, request: Request, pk: str) -> Response:
        """The whole model as a native document (every field present), with its revision."""
        model = self._model(pk)
        revision = _optional_int(request, "revision")
        snapshot = selectors.snapshot_of_model(model=model, revision=revision)
        return Response(
            {"revision": snapshot.revision, "document": snapshot_to_document(snapshot, compact=False)},
            headers={"ETag": etag(snapshot.revision)},
        )

    @extend_schema(
        request=s.ChangeSetInputSerializer,
        responses={201: s.ChangeSetOutputSerializer, 409: s.ConflictSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def changesets(self, request: Request, pk: str) -> Response:
        """Apply many element edits atomically on top of ``base_revision`` (409 if the model moved on).

        Your consecutive change sets within a few seconds merge into one revision (send ``coalesce: false`` to
        keep this one separate); the revision number still grows with every change set."""
        model = self._model(pk, Role.EDITOR)
        body = request.data if isinstance(request.data, dict) else {}
        base = base_revision_of(request, body)
        message = body.get("message", "")
        if not isinstance(message, str) or len(message) > 500:
            raise ValidationError({"message": "must be a string of at most 500 characters"})
        coalesce = body.get("coalesce", True)
        if not isinstance(coalesce, bool):
            raise ValidationError({"coalesce": "must be true or false"})
        changes = services.changeset_parse(body.get("changes"))
        try:
            revision = services.changeset_apply(
                model=model, user=request.user, base_revision=base, changes=changes, message=message, coalesce=coalesce
            )
        except RevisionConflict as exc:
            return conflict_response(model, exc)
        return Response(
            {
                "revision": revision.number,
                "change_count": revision.change_count,
                "coalesced": bool(getattr(revision, "coalesced", False)),
                "message": revision.message,
            },
            status=status.HTTP_201_CREATED,
            headers={"ETag": etag(revision.number)},
        )

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["yaml", "json"], required=False)],
        responses={
            (200, "application/yaml"): OpenApiTypes.OBJECT,
            (200, "application/json"): OpenApiTypes.OBJECT,
            404: s.ErrorSerializer,
        },
    )
    @action(detail=True, methods=["get"])
    def export(self, request: Request, pk: str) -> HttpResponse:
        """The model as a native file (YAML by default)."""
        model = self._model(pk)
        fmt = request.query_params.get("format", "yaml")
        if fmt not in ("yaml", "json"):
            raise ValidationError({"format": "use yaml or json"})
        snapshot = selectors.snapshot_of_model(model=model)
        content_type = "application/yaml" if fmt == "yaml" else "application/json"
        response = HttpResponse(write_model(snapshot, fmt), content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="model-{model.pk}-r{model.revision}.{fmt}"'
        response["ETag"] = etag(model.revision)
        return response

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "ModelFileUpload",
                {
                    "file": serializers.FileField(),
                    "base_revision": serializers.IntegerField(required=False),
                    "message": serializers.CharField(required=False),
                },
            ),
            "application/yaml": OpenApiTypes.STR,
        },
        parameters=[OpenApiParameter("base_revision", int, required=False)],
        responses={200: s.ImportResultSerializer, 409: s.ConflictSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[parsers.MultiPartParser, RawModelParser])
    def reimport(self, request: Request, pk: str) -> Response:
        """Replace the model's content with a native file, as one new revision (atomic)."""
        model = self._model(pk, Role.EDITOR)
        raw, filename = uploaded_file(request)
        base = base_revision_of(request, _form(request))
        incoming = services.read_upload(raw, filename)
        current = selectors.snapshot_of_model(model=model)
        # unchanged elements keep their ids (so their triage) and positions: matched by id, foreign id, name
        snapshot = align_reimport(current, incoming)
        try:
            revision = services.model_replace(
                model=model,
                snapshot=snapshot,
                user=request.user,
                base_revision=base,
                current=current,
                message=str(_form(request).get("message") or f"Re-imported {filename}"),
            )
        except RevisionConflict as exc:
            return conflict_response(model, exc)
        if revision is None and base != model.revision:
            return conflict_response(
                model, RevisionConflict(model_id=model.pk, base_revision=base, current_revision=model.revision)
            )
        return Response(
            {"model": self.get_serializer(model).data, "revision": model.revision, "changed": revision is not None},
            headers={"ETag": etag(model.revision)},
        )


def _form(request: Request) -> dict[str, Any]:
    data = request.data
    if hasattr(data, "dict"):
        return {k: v for k, v in data.dict().items() if k != "file"}
    return {}


def uploaded_file(request: Request) -> tuple[bytes, str]:
    upload = request.FILES.get("file") if hasattr(request, "FILES") else None
    if upload is not None:
        return upload.read(), upload.name or ""
    data = request.data
    raw = data.get("raw") if isinstance(data, dict) else None
    if not raw:
        raise ValidationError(
            {
                "detail": "send the model file as multipart field `file` or as the raw body",
                "errors": [{"path": "file", "message": "missing"}],
            }
        )
    content_type = request.content_type or ""
    return raw, "upload.json" if "json" in content_type else "upload.yaml"


def _optional_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: "must be an integer"}) from None


class TeamModelImportViewSet(viewsets.ViewSet):
    """Create a model in a team from a native file."""

    parser_classes = [parsers.MultiPartParser, RawModelParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "ModelFileCreate",
                {
                    "file": serializers.FileField(),
                    "name": serializers.CharField(required=False, help_text="Default: the name in the file."),
                    "message": serializers.CharField(required=False),
                },
            ),
            "application/yaml": OpenApiTypes.STR,
        },
        responses={201: s.ThreatModelSerializer, **ERRORS},
    )
    def create(self, request: Request, team_id: str) -> Response:
        team = selectors.team_for_user(user=request.user, team_id=parse_id(team_id), role=Role.EDITOR)
        raw, filename = uploaded_file(request)
        form = _form(request)
        model = services.model_import(
            team=team,
            raw=raw,
            filename=filename,
            user=request.user,
            message=str(form.get("message") or ""),
            name=str(form["name"]) if form.get("name") else None,
        )
        return Response(
            s.ThreatModelSerializer(model).data, status=status.HTTP_201_CREATED, headers={"ETag": etag(model.revision)}
        )


class RevisionViewSet(viewsets.GenericViewSet[m.Revision]):
    """The revision history of a model (append-only), one revision's changes, and diffs."""

    serializer_class = s.RevisionSerializer
    lookup_field = "number"
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return m.Revision.objects.none()
        return selectors.revisions_of_model(model=self._model())

    def _model(self) -> m.ThreatModel:
        return selectors.model_for_user(user=self.request.user, model_id=parse_id(self.kwargs["model_id"]))

    def list(self, request: Request, model_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: s.RevisionDetailSerializer, 404: s.ErrorSerializer})
    def retrieve(self, request: Request, model_id: str, number: str) -> Response:
        model = self._model()
        revision = selectors.revision_of_model(model=model, number=parse_id(number))
        changes = selectors.changes_of_revision(revision=revision)
        return Response(s.RevisionDetailSerializer(revision, context={"changes": changes}).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, required=True),
            OpenApiParameter("to", int, required=False, description="default: current"),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="ModelDiff"), **ERRORS},
    )
    @action(detail=False, methods=["get"])
    def diff(self, request: Request, model_id: str) -> Response:
        model = self._model()
        start = _optional_int(request, "from")
        end = _optional_int(request, "to")
        if start is None:
            raise ValidationError({"from": "required"})
        diff = selectors.revision_diff(
            model=model, from_revision=start, to_revision=model.revision if end is None else end
        )
        return Response(diff.as_dict())
