from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ontong.web"
    label = "web"
    verbose_name = "업무 화면"
