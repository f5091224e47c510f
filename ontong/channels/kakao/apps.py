from django.apps import AppConfig

from ontong.complaints.channel_profiles import ChannelProfile, register

KAKAO = ChannelProfile(
    channel="kakao",
    quick_replies=True,
    buttons=True,
    images=True,
    max_text=1000,  # simpleText: 1,000 characters
    converses=True,
    chat_name="카카오톡",
)


class KakaoChannelConfig(AppConfig):
    name = "ontong.channels.kakao"
    label = "channels_kakao"
    verbose_name = "카카오톡 채널"

    def ready(self) -> None:
        register(KAKAO)
