"""What the engine needs from a channel: its profile, its account, and a message in one shape."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from ontong.complaints.channel_profiles import ChannelProfile
from ontong.complaints.models import Complaint, Message


@dataclass(frozen=True)
class Inbound:
    """One message from a citizen, as every channel delivers it."""

    sender: str  # the citizen's id on the channel
    message_id: str  # the platform's id: a message seen twice is stored once
    sent_at: dt.datetime
    text: str = ""
    payload: str = ""  # what a tapped quick reply or button sent back
    image_urls: tuple[str, ...] = ()  # photos to fetch
    notes: tuple[str, ...] = ()  # a line for each thing that is not text ("[스티커]")

    @property
    def body(self) -> str:
        """What is kept as the citizen's message: the text, else the photo count, and the notes."""
        photos = [f"[사진 {len(self.image_urls)}장]"] if self.image_urls and not self.text else []
        return "\n".join([self.text, *photos, *self.notes]).strip() or "[내용 없음]"


class ChannelAdapter:
    """One account on one messaging channel (a Facebook page, an Instagram account, a KakaoTalk
    channel). Subclasses set the profile and the account and may fetch photos."""

    def __init__(self, profile: ChannelProfile, account: str, follow_up_hours: int = 24):
        self.profile = profile
        self.account = account  # our account's id on the platform (ChannelIdentity.account)
        self.follow_up_hours = follow_up_hours  # a message within this joins the open case

    @property
    def channel(self) -> str:
        return self.profile.channel

    def needs_contact(self, complaint: Complaint) -> bool:
        """Whether the citizen is asked for a phone or e-mail for the result (when they have
        none): by default when the answer may come after the channel's reply window closes."""
        window = self.profile.reply_window
        return bool(window and complaint.due_at and complaint.due_at - timezone.now() > window)

    def attach_images(self, complaint: Complaint, message: Message, urls: Sequence[str]) -> None:
        """Keep the photos the citizen sent with `message` (a channel without photos keeps none)."""

    def answer_without_case(self, text: str) -> None:
        """Answer a citizen who has no case to answer on (every message we send is recorded on
        a case). A channel that answers each message in its own reply (Kakao's skill response)
        carries `text` there; others cannot send it, and say nothing."""
