from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ontong.api"
    label = "api"
    verbose_name = "API·연계"

    def ready(self) -> None:
        from . import webhooks  # why: imports models, only once the app registry is ready

        webhooks.connect()
