from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from threatmodel.health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("config.api_urls")),
    path("", include("assessments.urls")),
    path("", include("catalog.urls")),
    path("", include("threatmodel.urls")),
]

handler400 = "threatmodel.api.unavailable.bad_request"
handler403 = "threatmodel.api.unavailable.permission_denied"
handler404 = "threatmodel.api.unavailable.not_found"
handler500 = "threatmodel.api.unavailable.server_error"
