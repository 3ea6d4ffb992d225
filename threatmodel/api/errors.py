"""The API's exception handler: maps domain exceptions to HTTP answers in one place.

``NotFound`` -> 404, ``Forbidden`` -> 403, ``ModelValidationError`` -> 400 with ``errors`` (path + message),
``TeamRuleError`` -> 400, ``RevisionConflict`` -> 409 with ``current_revision``; a database that is locked,
read-only or gone -> 503 with ``Retry-After`` (``threatmodel.api.unavailable``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from threatmodel.api.unavailable import DATABASE_ERRORS, DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, log
from threatmodel.invariants import ModelValidationError
from threatmodel.selectors import Forbidden, NotFound
from threatmodel.services import RevisionConflict, TeamRuleError


def validation_payload(exc: ModelValidationError) -> dict[str, Any]:
    issues = list(exc.issues)
    detail = (
        "the change is invalid" if not issues else f"{len(issues)} problem(s): {issues[0].path}: {issues[0].message}"
    )
    return {"detail": detail, "errors": [{"path": i.path, "message": i.message} for i in issues]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, NotFound):
        return Response({"detail": str(exc) or "not found"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, Forbidden):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ModelValidationError):
        return Response(validation_payload(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TeamRuleError):
        return Response(
            {"detail": str(exc), "errors": [{"path": "", "message": str(exc)}]}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, RevisionConflict):
        return Response({"detail": str(exc), "current_revision": exc.current_revision}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, exceptions.ValidationError):
        return Response(flatten_validation(exc.detail), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DATABASE_ERRORS):
        log.warning("database unavailable: %s", exc)
        return Response(
            {"detail": DATABASE_UNAVAILABLE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "the request body is too large"}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return drf_exception_handler(exc, context)


def flatten_validation(detail: Any) -> dict[str, Any]:
    """DRF's field-keyed errors -> the API's one error shape ``{"detail", "errors": [{"path", "message"}]}``."""
    errors: list[dict[str, str]] = []
    summary = ""
    if isinstance(detail, dict):
        if isinstance(detail.get("detail"), str):
            summary = str(detail["detail"])
        given = detail.get("errors")
        if isinstance(given, list) and all(isinstance(e, dict) for e in given):
            errors.extend({"path": str(e.get("path", "")), "message": str(e.get("message", ""))} for e in given)
        rest = {k: v for k, v in detail.items() if k not in ("detail", "errors")}
        _walk(rest, "", errors)
    else:
        _walk(detail, "", errors)
    if not summary:
        first = errors[0] if errors else {"path": "", "message": "invalid request"}
        summary = f"{first['path']}: {first['message']}" if first["path"] else first["message"]
    return {"detail": summary, "errors": errors}


def _walk(value: Any, path: str, out: list[dict[str, str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            name = "" if key == "non_field_errors" else str(key)
            _walk(item, f"{path}.{name}" if path and name else (name or path), out)
    elif isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            out.extend({"path": path, "message": str(v)} for v in value)
        else:
            for index, item in enumerate(value):
                _walk(item, f"{path}[{index}]", out)
    else:
        out.append({"path": path, "message": str(value)})
