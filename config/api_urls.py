"""REST API routes (``/api/v1/...``), the OpenAPI schema and docs, and ``/metrics``."""

urlpatterns: list = []
