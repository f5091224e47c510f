from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ontong.web"
    label = "web"
    verbose_name = "업무 화면"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
