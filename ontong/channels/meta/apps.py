from django.apps import AppConfig


class MetaChannelConfig(AppConfig):
    name = "ontong.channels.meta"
    label = "channels_meta"
    verbose_name = "Meta (메신저·인스타그램·댓글)"
