from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "ontong.complaints"
    label = "complaints"
    verbose_name = "민원"

    def ready(self) -> None:
        # why: importing the module connects its receivers, as Django's docs do it.
        from . import changes  # noqa: F401
