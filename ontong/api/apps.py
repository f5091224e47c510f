from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ontong.api"
    label = "api"
    verbose_name = "API·연계"

    def ready(self) -> None:
        from ontong.web.sweeps import register_job

        from . import keys, webhooks  # why: import models, only once the app registry is ready

        webhooks.connect()
        register_job("purge_api_calls", keys.purge_old_calls)
