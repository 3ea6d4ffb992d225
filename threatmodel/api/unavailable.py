"""Answers for a dependency that is down, and for failures outside DRF's views, on API paths and pages alike.

* a database that is locked, read-only or unreachable (``OperationalError``/``InterfaceError``): 503 with
  ``Retry-After`` and a message that names the database;
* an oversized body: 413; a CSRF failure: 403; anything unexpected: 500 - as JSON on ``/api/`` paths
  (a client never parses Django's HTML page), as a short page elsewhere.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger("trustmap.errors")

RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = "the database is unavailable (locked, read-only or unreachable); retry shortly"
DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_response(request: HttpRequest, status: int, detail: str, **headers: str) -> HttpResponse:
    response: HttpResponse
    if is_api(request):
        response = JsonResponse({"detail": detail}, status=status)
    else:
        response = HttpResponse(detail + "\n", status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def database_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    return error_response(request, 503, DATABASE_UNAVAILABLE, Retry_After=str(RETRY_AFTER_SECONDS))


class FailureAnswerMiddleware:
    """Turns a database outage raised by any view into a 503 and, on API paths, any other exception into a JSON
    500 (logged with its traceback, never shown)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, DATABASE_ERRORS):
            return database_unavailable(request, exc)
        if isinstance(exc, RequestDataTooBig):
            return error_response(request, 413, "the request body is too large")
        if is_api(request) and not _is_http_answer(exc):
            log.error("unexpected error on %s %s", request.method, request.path, exc_info=exc)
            return error_response(request, 500, "internal error")
        return None


def _is_http_answer(exc: Exception) -> bool:
    """Exceptions Django itself turns into 4xx answers (Http404, PermissionDenied, SuspiciousOperation...)."""
    from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
    from django.http import Http404

    return isinstance(exc, Http404 | PermissionDenied | SuspiciousOperation | BadRequest)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """``handler500``: failures raised by middleware (a session saved to a locked database) land here."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        return database_unavailable(request, exc)
    if is_api(request):
        return error_response(request, 500, "internal error")
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)


def bad_request(request: HttpRequest, exception: Exception, *args: Any, **kwargs: Any) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig) or isinstance(getattr(exception, "__cause__", None), RequestDataTooBig):
        return error_response(request, 413, "the request body is too large")
    if is_api(request):
        return error_response(request, 400, "bad request")
    from django.views.defaults import bad_request as django_bad_request

    return django_bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception, *args: Any, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return error_response(request, 404, "not found")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception, *args: Any, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return error_response(request, 403, "permission denied")
    from django.views.defaults import permission_denied as django_permission_denied

    return django_permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: JSON on API paths (a browser session's unsafe request without the token)."""
    if is_api(request):
        return error_response(request, 403, f"CSRF check failed: {reason}")
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason)
