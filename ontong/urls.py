from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ontong.accounts.forms import LoginForm
from ontong.api.rest import api
from ontong.api.views import open_data
from ontong.web import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("ontong.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("open311/v2/", include("ontong.api.urls")),
    path("opendata/monthly.csv", open_data, name="open_data"),
    path("", include("ontong.channels.web.urls")),
    path("", include("ontong.channels.meta.urls")),
    path("", include("ontong.channels.kakao.urls")),
    path("", include("ontong.publishing.urls")),
    path("", include("ontong.web.urls")),
]

# Friendly error pages (templates 400.html, 403.html, 404.html; 403_csrf.html, 429.html, 500.html).
handler500 = "ontong.web.errors.server_error"
