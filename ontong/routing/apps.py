from django.apps import AppConfig

from ontong.complaints import hooks


class RoutingConfig(AppConfig):
    name = "ontong.routing"
    label = "routing"
    verbose_name = "배정 추천"

    def ready(self) -> None:
        # why: these import models, which may be imported only once the app registry is ready.
        from .similar import repeated_by_same_person
        from .tasks import enqueue_after_intake

        hooks.on_complaint_received(enqueue_after_intake)
        hooks.set_repeat_finder(repeated_by_same_person)
