from django.apps import AppConfig


class WebChannelConfig(AppConfig):
    name = "ontong.channels.web"
    label = "channels_web"
    verbose_name = "누리집 채널"

    def ready(self) -> None:
        from ontong.complaints.channel_profiles import ChannelProfile, register

        # The status page and e-mail take any length; the fallback routes every channel shares
        # (e-mail, SMS) are named here too, as this app is the one that sends by e-mail.
        register(
            ChannelProfile(channel="web"),
            ChannelProfile(channel="email"),
            ChannelProfile(channel="sms", max_text=1000),  # LMS: 2,000 bytes, 1,000 한글
        )
