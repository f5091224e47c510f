from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "ontong.routing"
    label = "routing"
    verbose_name = "배정 추천"
