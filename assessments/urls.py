"""Pages of the assessments app."""

urlpatterns: list = []
