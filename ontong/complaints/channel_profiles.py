"""What each channel can show a citizen, told by the channel itself.

A channel app registers its profile when Django starts (its AppConfig.ready); complaints only
reads them, so it needs no import of any channel: the survey asks in the chat where the channel
converses, notices fit the channel's message length, and menus become quick replies or a line of
text. A channel nobody registered gets the plain profile (no chat, no length limit).
"""

import datetime as dt
from dataclasses import dataclass

# A menu: what the citizen sees on each choice, and what comes back when it is tapped.
Option = tuple[str, str]


@dataclass(frozen=True)
class ChannelProfile:
    channel: str
    quick_replies: bool = False  # tappable answers under a message
    buttons: bool = False  # buttons that send a postback (menus, ice breakers)
    images: bool = False  # the citizen can send photos we fetch
    max_text: int | None = None  # characters in one message; None: no limit (e-mail, web page)
    reply_window: dt.timedelta | None = None  # how long after the citizen wrote we may write
    converses: bool = False  # our questions (consent, survey) are asked and answered in the chat
    chat_name: str = ""  # how notices name the conversation ("메신저")


_PROFILES: dict[str, ChannelProfile] = {}


def register(*profiles: ChannelProfile) -> None:
    for profile in profiles:
        _PROFILES[profile.channel] = profile


def profile_for(channel: str) -> ChannelProfile:
    return _PROFILES.get(channel) or ChannelProfile(channel=channel)


def registered() -> list[ChannelProfile]:
    return list(_PROFILES.values())
