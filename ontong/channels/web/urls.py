from django.urls import path

from . import views

app_name = "channels_web"
urlpatterns = [
    path("minwon/", views.intake, name="intake"),
    path("minwon/status/", views.status_lookup, name="lookup"),
    path("minwon/status/<str:receipt_no>/", views.status, name="status"),
    path(
        "minwon/status/<str:receipt_no>/photos/<int:attachment_id>/",
        views.status_photo,
        name="status_photo",
    ),
    path("minwon/map/near/", views.near, name="near"),
    path("minwon/map/address/", views.address, name="address"),
    path("minwon/follow/", views.follow, name="follow"),
    path("minwon/follow/<str:receipt_no>/", views.following, name="following"),
    path("robots.txt", views.robots),
]
