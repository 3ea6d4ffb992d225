"""Pages of the catalog app."""

from django.urls import path

from catalog import views

urlpatterns: list = [
    path("catalog/rules/", views.rules, name="catalog-rules"),
]
