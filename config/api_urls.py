"""REST API routes (``/api/v1/...``), the OpenAPI schema and docs, and ``/metrics``."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from assessments.api.metrics import MetricsView


@csrf_exempt  # an unknown path is a 404 whatever the method, never a CSRF page
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown ``/api/...`` URLs answer JSON like the rest of the API (not the HTML 404 page)."""
    return JsonResponse({"detail": "not found"}, status=404)


def docs_page(view: Any) -> Any:
    """The documentation pages send an anonymous browser to the login page (API_DOCS_PUBLIC=1 opens them)."""
    behind_login = login_required(view)

    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return (view if settings.API_DOCS_PUBLIC else behind_login)(request, *args, **kwargs)

    return page


def schema_view(view: Any) -> Any:
    """The OpenAPI schema answers 401 to anonymous clients (API_DOCS_PUBLIC=1 opens it)."""

    def schema(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
        return view(request, *args, **kwargs)

    return schema


urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include("threatmodel.api.urls")),
    path("api/v1/", include("assessments.api.urls")),
    path("api/schema/", schema_view(SpectacularAPIView.as_view()), name="api-schema"),
    path("api/docs/", docs_page(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("api/redoc/", docs_page(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("metrics", MetricsView.as_view(), name="metrics"),
    re_path(r"^api/", api_not_found),
]
