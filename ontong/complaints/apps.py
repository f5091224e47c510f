from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "ontong.complaints"
    label = "complaints"
    verbose_name = "민원"
