from django.urls import path

from threatmodel import views, views_models

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
