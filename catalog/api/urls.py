"""Routes of the catalog API (mounted under /api/v1/)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from catalog.api.views import CustomRuleViewSet

router = SimpleRouter()
router.register(r"teams/(?P<team_id>\d+)/custom-rules", CustomRuleViewSet, basename="custom-rule")
urlpatterns = router.urls
