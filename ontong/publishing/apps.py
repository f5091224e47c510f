from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "ontong.publishing"
    verbose_name = "SNS 게시"
    default_auto_field = "django.db.models.BigAutoField"
