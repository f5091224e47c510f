from django.urls import path

from . import views

app_name = "channels_web"
urlpatterns = [
    path("minwon/", views.intake, name="intake"),
    path("minwon/status/", views.status_lookup, name="lookup"),
    path("minwon/status/<str:receipt_no>/", views.status, name="status"),
    path("robots.txt", views.robots),
]
