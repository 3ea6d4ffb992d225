from django.urls import path

from threatmodel import views, views_models, views_teams

urlpatterns = [
    path("", views.home, name="home"),
    path("import/", views.model_import, name="model-import"),
    path("models/<int:model_id>/", views.model_detail, name="model-detail"),
    path("models/<int:model_id>/revisions/", views.revision_list, name="revision-list"),
    path("models/<int:model_id>/revisions/<int:number>/", views.revision_diff, name="revision-diff"),
]
urlpatterns += [path("account/tokens/", views.api_tokens, name="api-tokens")]
urlpatterns += [
    path("models/", views_models.model_list, name="model-list"),
    path("models/new/", views_models.model_new, name="model-new"),
    path("models/<int:model_id>/settings/", views_models.model_settings, name="model-settings"),
    path("models/<int:model_id>/duplicate/", views_models.model_duplicate, name="model-duplicate"),
    path("models/<int:model_id>/archive/", views_models.model_archive, name="model-archive"),
    path("models/<int:model_id>/restore/", views_models.model_restore, name="model-restore"),
    path("models/<int:model_id>/delete/", views_models.model_delete, name="model-delete"),
]
urlpatterns += [
    path("teams/", views_teams.team_list, name="team-list"),
    path("teams/<int:team_id>/", views_teams.team_detail, name="team-detail"),
    path("teams/<int:team_id>/audit/", views_teams.team_audit, name="team-audit"),
    path(
        "teams/<int:team_id>/invitations/<int:invitation_id>/revoke/",
        views_teams.invitation_revoke,
        name="team-invitation-revoke",
    ),
    path(
        "invitations/<int:invitation_id>/accept/",
        views_teams.invitation_answer,
        {"answer": "accept"},
        name="invitation-accept",
    ),
    path(
        "invitations/<int:invitation_id>/decline/",
        views_teams.invitation_answer,
        {"answer": "decline"},
        name="invitation-decline",
    ),
]
