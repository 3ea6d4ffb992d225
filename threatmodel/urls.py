from django.urls import path

from threatmodel import views

urlpatterns = [
    path("", views.home, name="home"),
    path("import/", views.model_import, name="model-import"),
    path("models/<int:model_id>/", views.model_detail, name="model-detail"),
    path("models/<int:model_id>/revisions/", views.revision_list, name="revision-list"),
    path("models/<int:model_id>/revisions/<int:number>/", views.revision_diff, name="revision-diff"),
]
urlpatterns += [path("account/tokens/", views.api_tokens, name="api-tokens")]
