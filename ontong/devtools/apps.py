from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "ontong.devtools"
    label = "devtools"
    verbose_name = "개발 도구"
