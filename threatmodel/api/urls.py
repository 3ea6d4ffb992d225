"""Routes of the threat-model API (mounted under /api/v1/)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from threatmodel.api import views_invitations, views_mesh, views_mesh_live, views_models, views_teams
from threatmodel.api.views_elements import ELEMENT_VIEWSETS

router = SimpleRouter()
router.register("teams", views_teams.TeamViewSet, basename="team")
router.register(r"teams/(?P<team_id>\d+)/members", views_teams.MembershipViewSet, basename="team-member")
router.register(
    r"teams/(?P<team_id>\d+)/invitations", views_invitations.TeamInvitationViewSet, basename="team-invitation"
)
router.register(r"teams/(?P<team_id>\d+)/audit", views_invitations.TeamAuditViewSet, basename="team-audit")
router.register("invitations", views_invitations.MyInvitationViewSet, basename="invitation")
router.register("tokens", views_teams.ApiTokenViewSet, basename="api-token")
router.register("models", views_models.ThreatModelViewSet, basename="threat-model")
router.register(r"models/(?P<model_id>\d+)/revisions", views_models.RevisionViewSet, basename="revision")
for segment, viewset in ELEMENT_VIEWSETS.items():
    router.register(rf"models/(?P<model_id>\d+)/{segment}", viewset, basename=f"element-{segment}")

urlpatterns = [
    path(
        "teams/<int:team_id>/models/import/",
        views_models.TeamModelImportViewSet.as_view({"post": "create"}),
        name="team-model-import",
    ),
    path(
        "teams/<int:team_id>/models/import-manifests/",
        views_mesh.TeamManifestImportViewSet.as_view({"post": "create"}),
        name="team-model-import-manifests",
    ),
    path("models/<int:model_id>/mesh/", views_mesh.ModelMeshViewSet.as_view({"get": "list"}), name="model-mesh"),
    path(
        "models/<int:model_id>/mesh/manifests/",
        views_mesh.ModelMeshViewSet.as_view({"post": "manifests"}),
        name="model-mesh-manifests",
    ),
    path(
        "models/<int:model_id>/mesh/observations/",
        views_mesh.ModelObservationViewSet.as_view({"post": "observations"}),
        name="model-mesh-observations",
    ),
    path(
        "models/<int:model_id>/mesh/live/",
        views_mesh_live.ModelMeshLiveViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="model-mesh-live",
    ),
    path(
        "models/<int:model_id>/mesh/live/pull/",
        views_mesh_live.ModelMeshLiveViewSet.as_view({"post": "pull"}),
        name="model-mesh-live-pull",
    ),
    *router.urls,
]
