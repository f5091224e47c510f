from django.apps import AppConfig

from ontong.complaints.channel_profiles import ChannelProfile, register

# 알림톡 is a fallback route, never a channel a citizen writes in on: one message of up to 1,000
# characters (the approved template with its variables filled).
ALIMTALK = ChannelProfile(channel="alimtalk", max_text=1000)


class AlimtalkChannelConfig(AppConfig):
    name = "ontong.channels.alimtalk"
    label = "channels_alimtalk"
    verbose_name = "알림톡"

    def ready(self) -> None:
        register(ALIMTALK)
