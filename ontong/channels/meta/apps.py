from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class MetaChannelConfig(AppConfig):
    name = "ontong.channels.meta"
    label = "channels_meta"
    verbose_name = "Meta (메신저·인스타그램·댓글)"

    def ready(self) -> None:
        from ontong.complaints.channel_profiles import register

        from .models import MetaAccount
        from .profiles import PROFILES

        register(*PROFILES)
        from .views import forget_app_secrets

        post_save.connect(forget_app_secrets, sender=MetaAccount, dispatch_uid="meta-secrets")
        post_delete.connect(forget_app_secrets, sender=MetaAccount, dispatch_uid="meta-secrets-del")
