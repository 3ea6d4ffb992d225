"""REST API routes (``/api/v1/...``), the OpenAPI schema and docs, and ``/metrics``."""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from assessments.api.metrics import MetricsView


@csrf_exempt  # an unknown path is a 404 whatever the method, never a CSRF page
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown ``/api/...`` URLs answer JSON like the rest of the API (not the HTML 404 page)."""
    return JsonResponse({"detail": "not found"}, status=404)


urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", include("threatmodel.api.urls")),
    path("api/v1/", include("assessments.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("metrics", MetricsView.as_view(), name="metrics"),
    re_path(r"^api/", api_not_found),
]
