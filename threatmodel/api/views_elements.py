"""Element resources (boundaries, components, flows, data assets, identities, grants, controls).

The representation is the element's native dict (``id`` = the element key). Every write is a one-change
change set through ``threatmodel.services.changeset_apply`` and needs the model revision it is based on
(``base_revision`` in the body or query, or ``If-Match: "<revision>"``; 428 without one).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from threatmodel import models as m
from threatmodel import selectors, services
from threatmodel.api import serializers as s
from threatmodel.api.common import base_revision_of, conflict_response, etag, parse_id
from threatmodel.api.element_schemas import element_schema
from threatmodel.api.filters import element_filterset
from threatmodel.changes import normalize
from threatmodel.choices import Role
from threatmodel.deletion import DeletionPlan, deletion_plan
from threatmodel.invariants import Issue, ModelValidationError
from threatmodel.persistence import ROW_MODEL, load_element_dicts
from threatmodel.selectors import NotFound
from threatmodel.services import RevisionConflict

ID_REGEX = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}"

#: URL segment -> element kind
RESOURCES: dict[str, str] = {
    "boundaries": "boundary",
    "components": "component",
    "flows": "flow",
    "data-assets": "data_asset",
    "identities": "identity",
    "grants": "grant",
    "controls": "control",
    "threats": "threat",
}

REVISION_PARAMS = [
    OpenApiParameter(
        "If-Match",
        str,
        OpenApiParameter.HEADER,
        required=False,
        description='The model revision the write is based on, e.g. "12"',
    ),
    OpenApiParameter("base_revision", int, required=False, description="Alternative to If-Match / body base_revision"),
]
WRITE_ERRORS = {400: s.ErrorSerializer, 404: s.ErrorSerializer, 409: s.ConflictSerializer, 428: s.ErrorSerializer}


class ElementViewSet(viewsets.GenericViewSet[Any]):
    kind = ""
    lookup_field = "key"
    lookup_url_kwarg = "key"
    lookup_value_regex = ID_REGEX
    serializer_class = s.ElementSerializer

    def get_queryset(self) -> Any:
        row = ROW_MODEL[self.kind]
        if getattr(self, "swagger_fake_view", False):
            return row.objects.none()
        return row.objects.filter(model_id=self._model().pk).order_by("key")

    def _model(self, role: str = Role.VIEWER) -> m.ThreatModel:
        return selectors.model_for_user(user=self.request.user, model_id=parse_id(self.kwargs["model_id"]), role=role)

    def _dicts(self, model: m.ThreatModel, keys: list[str]) -> list[dict[str, Any]]:
        return load_element_dicts(model.pk, kinds=[self.kind], keys={self.kind: keys})[self.kind]

    def _one(self, model: m.ThreatModel, key: str) -> dict[str, Any]:
        found = self._dicts(model, [key])
        if not found:
            raise NotFound(f"no {self.kind} {key!r} in this model")
        return found[0]

    def list(self, request: Request, model_id: str) -> Response:
        model = self._model()
        keys = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values_list("key", flat=True))
        response = self.get_paginated_response(self._dicts(model, list(keys or [])))
        response["ETag"] = etag(model.revision)
        return response

    def retrieve(self, request: Request, model_id: str, key: str) -> Response:
        model = self._model()
        return Response(self._one(model, key), headers={"ETag": etag(model.revision)})

    def create(self, request: Request, model_id: str) -> Response:
        model = self._model(Role.EDITOR)
        body = _body(request)
        base = base_revision_of(request, body)
        data = {k: v for k, v in body.items() if k not in ("base_revision", "message")}
        key = data.get("id")
        if not isinstance(key, str) or not key:
            raise ModelValidationError([Issue("id", "an element id is required")])
        return self._write(model, base, {"op": "create", "id": key, "data": data}, body, status.HTTP_201_CREATED)

    def update(self, request: Request, model_id: str, key: str) -> Response:
        model = self._model(Role.EDITOR)
        body = _body(request)
        base = base_revision_of(request, body)
        data = {k: v for k, v in body.items() if k not in ("base_revision", "message")}
        full, issues = normalize(self.kind, {**data, "id": key}, "data")  # PUT: unspecified fields -> defaults
        if issues or full is None:
            raise ModelValidationError(issues)
        self._one(model, key)
        return self._write(model, base, {"op": "update", "id": key, "data": full}, body, status.HTTP_200_OK)

    def partial_update(self, request: Request, model_id: str, key: str) -> Response:
        model = self._model(Role.EDITOR)
        body = _body(request)
        base = base_revision_of(request, body)
        data = {k: v for k, v in body.items() if k not in ("base_revision", "message")}
        self._one(model, key)
        return self._write(model, base, {"op": "update", "id": key, "data": data}, body, status.HTTP_200_OK)

    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def references(self, request: Request, model_id: str, key: str) -> Response:
        """What refers to the element, and the one change set deleting it with ``cascade`` would apply."""
        model = self._model()
        self._one(model, key)
        plan = deletion_plan(selectors.snapshot_of_model(model=model), [key])
        return Response(_plan_payload(self.kind, key, plan), headers={"ETag": etag(model.revision)})

    def destroy(self, request: Request, model_id: str, key: str) -> Response:
        model = self._model(Role.EDITOR)
        base = base_revision_of(request)
        self._one(model, key)
        plan = deletion_plan(selectors.snapshot_of_model(model=model), [key])
        cascade = request.query_params.get("cascade") in ("1", "true")
        if plan.references and not cascade:
            # the client chooses: repeat with ?cascade=true (one revision, undoable) or leave it
            payload = _plan_payload(self.kind, key, plan)
            payload["errors"] = [
                {
                    "path": f"{r.kind}[{r.id}].{r.field}",
                    "message": f"refers to {key!r} ({r.name} would be {r.consequence})",
                }
                for r in plan.references
            ]
            return Response(payload, status=status.HTTP_400_BAD_REQUEST, headers={"ETag": etag(model.revision)})
        changes = list(plan.changes)
        try:
            revision = services.changeset_apply(
                model=model,
                user=request.user,
                base_revision=base,
                changes=changes,
                message=f"Deleted {self.kind} {key}",
            )
        except RevisionConflict as exc:
            return conflict_response(model, exc)
        return Response(status=status.HTTP_204_NO_CONTENT, headers={"ETag": etag(revision.number)})

    def _write(
        self, model: m.ThreatModel, base: int, change: dict[str, Any], body: dict[str, Any], code: int
    ) -> Response:
        changes = services.changeset_parse([{"kind": self.kind, **change}])
        message = body.get("message") if isinstance(body.get("message"), str) else ""
        try:
            revision = services.changeset_apply(
                model=model, user=self.request.user, base_revision=base, changes=changes, message=(message or "")[:500]
            )
        except RevisionConflict as exc:
            return conflict_response(model, exc)
        return Response(self._one(model, change["id"]), status=code, headers={"ETag": etag(revision.number)})


def _plan_payload(kind: str, key: str, plan: DeletionPlan) -> dict[str, Any]:
    count = len(plan.references)
    if count:
        names = ", ".join(dict.fromkeys(r.name for r in plan.references))
        detail = (
            f"{count} reference{'s' if count != 1 else ''} to {kind} {key!r} ({names}): delete with cascade=true to "
            "delete or update them too, or cancel"
        )
    else:
        detail = f"nothing refers to {kind} {key!r}"
    return {
        "detail": detail,
        "kind": kind,
        "id": key,
        "referenced_by": [r.as_dict() for r in plan.references],
        "cascade_changes": [{"op": c.op, "kind": c.kind, "id": c.id, "data": dict(c.data)} for c in plan.changes],
    }


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ValidationError({"detail": "the body must be a JSON object (the element's native form)"})
    return dict(request.data)


def _viewset(segment: str, kind: str) -> type[ElementViewSet]:
    label = kind.replace("_", " ")
    tag = [segment]
    element = element_schema(kind, request=False)
    create_body = element_schema(kind, request=True)
    replace_body = element_schema(kind, request=True)
    replace_body["required"] = [name for name in replace_body.get("required", []) if name != "id"]
    patch_body = element_schema(kind, request=True, partial=True)
    decorated = extend_schema_view(
        list=extend_schema(summary=f"List {segment}", tags=tag, responses={200: element}),
        retrieve=extend_schema(summary=f"Read one {label}", responses={200: element, 404: s.ErrorSerializer}, tags=tag),
        create=extend_schema(
            summary=f"Create a {label}",
            request={"application/json": create_body},
            parameters=REVISION_PARAMS,
            tags=tag,
            responses={201: element, **WRITE_ERRORS},
        ),
        update=extend_schema(
            summary=f"Replace a {label} (unspecified fields get their defaults)",
            request={"application/json": replace_body},
            parameters=REVISION_PARAMS,
            tags=tag,
            responses={200: element, **WRITE_ERRORS},
        ),
        partial_update=extend_schema(
            summary=f"Update fields of a {label}",
            request={"application/json": patch_body},
            parameters=REVISION_PARAMS,
            tags=tag,
            responses={200: element, **WRITE_ERRORS},
        ),
        references=extend_schema(
            summary=f"What refers to a {label}, and what deleting it with cascade changes",
            responses={200: s.DeletionPlanSerializer, 404: s.ErrorSerializer},
            tags=tag,
        ),
        destroy=extend_schema(
            summary=f"Delete a {label}",
            description="Refused (400, with `referenced_by` and `cascade_changes`) while other elements refer to "
            "it, unless `cascade=true`: then the references go too, in the same revision.",
            responses={204: None, **WRITE_ERRORS, 400: s.DeletionPlanSerializer},
            parameters=[
                *REVISION_PARAMS,
                OpenApiParameter(
                    "cascade",
                    bool,
                    required=False,
                    description="also delete the flows, grants and controls referring to it, move members of a "
                    "boundary to its parent and clear identity and data references",
                ),
            ],
            tags=tag,
        ),
    )
    cls = type(
        f"{ROW_MODEL[kind].__name__}ElementViewSet",
        (ElementViewSet,),
        {"kind": kind, "filterset_class": element_filterset(kind), "__doc__": f"The model's {segment}."},
    )
    return decorated(cls)


ELEMENT_VIEWSETS: dict[str, type[ElementViewSet]] = {
    segment: _viewset(segment, kind) for segment, kind in RESOURCES.items()
}
