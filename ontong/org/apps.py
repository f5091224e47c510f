from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "ontong.org"
    label = "org"
    verbose_name = "조직"
