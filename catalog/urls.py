"""Pages of the catalog app."""

urlpatterns: list = []
