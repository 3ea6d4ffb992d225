"""Shared API helpers: pagination, ids from the URL, the base-revision precondition, conflict answers."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, NotAuthenticated, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from threatmodel import models as m
from threatmodel import selectors
from threatmodel.accounts import Account
from threatmodel.selectors import NotFound
from threatmodel.services import RevisionConflict

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


class ApiPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


#: Primary keys are positive 64-bit integers.
MAX_ID = 2**63 - 1


def parse_id(raw: str | int | None) -> int:
    """An object id from the URL or the query string; anything but a positive 64-bit integer is not found (404),
    exactly like an id that names no object."""
    if raw is None:
        raise NotFound("not found")
    try:
        value = int(raw)
    except ValueError:
        raise NotFound("not found") from None
    if not 0 < value <= MAX_ID:
        raise NotFound("not found")
    return value


def account_of(request: Request) -> Account:
    """The signed-in account making the request (the API's permission classes have refused anonymous users
    before any view runs; this says so to the type checker, and answers 401 should one get through)."""
    user = request.user
    if not isinstance(user, Account):
        raise NotAuthenticated()
    return user


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = (
        "this write needs the model revision it is based on: send `base_revision` in the body "
        '(or the query string) or an `If-Match: "<revision>"` header'
    )
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = 412
    default_detail = "the revision in If-Match and the base_revision sent with it disagree"
    default_code = "precondition_failed"


def base_revision_of(request: Request, body: Any = None) -> int:
    """The revision a write is based on: body ``base_revision``, ``If-Match`` or ``?base_revision=``.

    Without one the write is refused with 428 Precondition Required (lost updates are never silent); when
    several are sent they must name the same revision (412 Precondition Failed otherwise: a stale ``If-Match``
    is never overridden by a current body).
    """
    given: list[tuple[str, Any]] = []
    if isinstance(body, dict) and "base_revision" in body:
        given.append(("base_revision", body["base_revision"]))
    if request.headers.get("If-Match"):
        match = _ETAG.match(request.headers["If-Match"])
        if not match:
            raise ValidationError({"detail": 'If-Match must be a revision number such as "12"'})
        given.append(("If-Match", match.group(1)))
    if "base_revision" in request.query_params:
        given.append(("base_revision", request.query_params["base_revision"]))
    if not given:
        raise PreconditionRequired()
    values = {_revision_number(raw) for _, raw in given}
    if len(values) > 1:
        raise PreconditionFailed(
            "the preconditions disagree: " + ", ".join(f"{name} {raw}" for name, raw in given) + "; send one revision"
        )
    return values.pop()


def _revision_number(raw: Any) -> int:
    if isinstance(raw, bool) or raw is None:
        raise ValidationError({"base_revision": "must be a non-negative integer"})
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({"base_revision": "must be a non-negative integer"}) from None
    if value < 0 or value > 2_000_000_000:
        raise ValidationError({"base_revision": "must be a non-negative integer"})
    return value


def conflict_response(model: m.ThreatModel, exc: RevisionConflict) -> Response:
    """409 with the current revision and what changed since the writer's base revision."""
    model.refresh_from_db(fields=["revision"])
    payload: dict[str, Any] = {"detail": str(exc), "current_revision": model.revision}
    if 0 <= exc.base_revision <= model.revision:
        payload["diff"] = selectors.revision_diff(
            model=model, from_revision=exc.base_revision, to_revision=model.revision
        ).as_dict()
    else:
        payload["diff"] = None
    return Response(payload, status=status.HTTP_409_CONFLICT, headers={"ETag": etag(model.revision)})


def etag(revision: int) -> str:
    return f'"{revision}"'
