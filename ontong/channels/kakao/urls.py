from django.urls import path

from . import views

app_name = "channels_kakao"
urlpatterns = [
    path("channels/kakao/skill/<str:bot_id>/<str:secret>/", views.skill_view, name="skill_secret"),
    path("channels/kakao/skill/<str:bot_id>/", views.skill_view, name="skill"),
]
