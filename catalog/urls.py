"""Pages of the catalog app."""

from django.urls import URLPattern, path

from catalog import views

urlpatterns: list[URLPattern] = [
    path("catalog/rules/", views.rules, name="catalog-rules"),
]
