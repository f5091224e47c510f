from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ontong.api"
    label = "api"
    verbose_name = "API·연계"

    def ready(self) -> None:
        from . import webhooks

        webhooks.connect()
