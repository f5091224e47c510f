from django.urls import path
app_name = "channels_web"
urlpatterns = []
