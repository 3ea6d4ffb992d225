from django.urls import path

from threatmodel import views

urlpatterns = [
    path("", views.home, name="home"),
    path("models/<int:model_id>/", views.model_detail, name="model-detail"),
    path("models/<int:model_id>/revisions/<int:number>/", views.revision_diff, name="revision-diff"),
]
