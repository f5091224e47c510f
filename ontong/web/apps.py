from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ontong.web"
    label = "web"
    verbose_name = "업무 화면"

    def ready(self):
        # why: importing the module registers its deploy checks, as Django's docs do it.
        from . import checks, fastpoll  # noqa: F401  (fastpoll: its CaseSeen receiver)
