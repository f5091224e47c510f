from django.urls import path

from . import views

app_name = "channels_meta"
urlpatterns = [
    path("webhooks/meta/", views.webhook, name="webhook"),
]
