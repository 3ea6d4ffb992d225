"""The API's exception handler: maps domain exceptions to HTTP answers in one place.

``NotFound`` -> 404, ``Forbidden`` -> 403, ``ModelValidationError`` -> 400 with ``errors`` (path + message),
``TeamRuleError`` -> 400, ``RevisionConflict`` -> 409 with ``current_revision``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from threatmodel.invariants import ModelValidationError
from threatmodel.selectors import Forbidden, NotFound
from threatmodel.services import RevisionConflict, TeamRuleError


def validation_payload(exc: ModelValidationError) -> dict[str, Any]:
    issues = list(exc.issues)
    detail = "the change is invalid" if not issues else f"{len(issues)} problem(s): {issues[0].path}: " \
                                                         f"{issues[0].message}"
    return {"detail": detail, "errors": [{"path": i.path, "message": i.message} for i in issues]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, NotFound):
        return Response({"detail": str(exc) or "not found"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, Forbidden):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ModelValidationError):
        return Response(validation_payload(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TeamRuleError):
        return Response({"detail": str(exc), "errors": [{"path": "", "message": str(exc)}]},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RevisionConflict):
        return Response({"detail": str(exc), "current_revision": exc.current_revision},
                        status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
