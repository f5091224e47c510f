from django.apps import AppConfig


class WebChannelConfig(AppConfig):
    name = "ontong.channels.web"
    label = "channels_web"
    verbose_name = "누리집 채널"
