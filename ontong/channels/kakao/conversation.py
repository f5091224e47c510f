"""KakaoTalk on the conversation engine: a skill request becomes an `Inbound` for
`channels.conversation`, and the citizen a `ChannelIdentity` per bot (botUserKey) with its
`KakaoUser`, linked to the same citizen elsewhere by appUserId or a consented phone number."""

import datetime as dt
import re
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from ontong.channels import conversation
from ontong.channels.conversation import engine
from ontong.complaints.channel_profiles import profile_for
from ontong.complaints.models import Attachment, ChannelIdentity, Citizen, Complaint, Message

from . import media
from .models import KakaoBot, KakaoUser, SkillRequest
from .payload import SkillPayload
from .tasks import fetch_media

MAX_PHOTOS = 10


class KakaoAdapter(conversation.ChannelAdapter):
    """One 카카오톡 채널 bot, for the conversation engine (account = the bot id)."""

    def __init__(self, bot: KakaoBot):
        super().__init__(profile_for("kakao"), bot.bot_id, bot.follow_up_hours)
        self.bot = bot
        self.said: list[str] = []  # answers outside any case, for this request's skill response

    def needs_contact(self, complaint: Complaint) -> bool:
        """The skill server answers only the citizen's own messages: a result days later
        reaches them in the chat only through the Event API. Without it, their phone (알림톡,
        SMS) or e-mail is asked for."""
        return not self.bot.event_api_enabled and complaint.is_open

    def answer_without_case(self, text: str) -> None:
        self.said.append(text)

    def attach_images(self, complaint: Complaint, message: Message, urls: Sequence[str]) -> None:
        """Fetched by the worker (media.py) from Kakao's hosts only; a URL elsewhere is refused
        at once: staff see that a photo came and was not fetched, and the citizen is told."""
        for url in list(urls)[:MAX_PHOTOS]:
            if not media.allowed(url):
                item = Attachment.objects.create(complaint=complaint, message=message)
                error = f"허용되지 않은 주소의 사진이라 받지 않았습니다 ({url[:200]})"
                media.refuse(item, error, "unreachable")
                continue
            item = Attachment.objects.create(complaint=complaint, message=message, source_url=url)
            fetch_media.enqueue(item.pk)


def as_inbound(
    request: SkillRequest, payload: SkillPayload, adapter: KakaoAdapter
) -> conversation.Inbound:
    """The citizen's message: the utterance, the photos, the place; a tapped quick reply's
    payload from its `extra` (clientExtra), else the label's words when they are one of ours."""
    text = payload.utterance
    photos = tuple(payload.secure_image_urls())
    if photos and text in photos:  # an image upload's utterance is the image's URL
        text = ""
    notes: list[str] = []
    if place := payload.location():
        notes.append(f"[위치: {place}]")
    extra = payload.client_extra.get("payload")
    payload_value = str(extra) if isinstance(extra, str) and engine.is_choice(extra) else ""
    if not payload_value:
        payload_value = engine.typed_choice(adapter.profile, text.strip())
    return conversation.Inbound(
        sender=payload.bot_user_key,
        message_id=f"skill-{request.pk}",
        sent_at=request.received_at,
        text=text,
        payload=payload_value,
        image_urls=photos,
        notes=tuple(notes),
    )


def kakao_user(bot: KakaoBot, payload: SkillPayload, when: dt.datetime) -> KakaoUser:
    """The citizen as this bot knows them; a new one joins the citizen another bot knows by the
    same appUserId (the Kakao Login id, the same on every bot of the city)."""
    user = (
        KakaoUser.objects.select_related("identity__citizen")
        .filter(bot=bot, bot_user_key=payload.bot_user_key)
        .first()
    )
    if user is None:
        try:
            with transaction.atomic():  # two first messages at once: one creates, one reads
                user = new_user(bot, payload.bot_user_key, when)
        except IntegrityError:
            user = KakaoUser.objects.select_related("identity__citizen").get(
                bot=bot, bot_user_key=payload.bot_user_key
            )
    changed = {
        "plusfriend_user_key": payload.plusfriend_user_key or user.plusfriend_user_key,
        "app_user_id": payload.app_user_id or user.app_user_id,
        "is_friend": payload.is_friend if payload.is_friend is not None else False,
        "last_seen_at": when,
    }
    for name, value in changed.items():
        setattr(user, name, value)
    user.save(update_fields=list(changed))
    if user.app_user_id:
        other = (
            KakaoUser.objects.select_related("identity__citizen")
            .filter(app_user_id=user.app_user_id)
            .exclude(pk=user.pk)
            .exclude(identity__citizen=user.identity.citizen)
            .order_by("pk")
            .first()
        )
        if other is not None:
            link(user.identity, other.identity.citizen)
    return user


def new_user(bot: KakaoBot, key: str, when: dt.datetime) -> KakaoUser:
    identity = ChannelIdentity.objects.filter(
        channel="kakao", account=bot.bot_id, external_user_id=key
    ).first()
    if identity is None:
        identity = ChannelIdentity.objects.create(
            citizen=Citizen.objects.create(),
            channel="kakao",
            account=bot.bot_id,
            external_user_id=key,
            last_inbound_at=when,
        )
    return KakaoUser.objects.create(bot=bot, identity=identity, bot_user_key=key)


def phone_variants(phone: str) -> set[str]:
    digits = re.sub(r"\D", "", phone)
    variants = {phone, digits}
    if len(digits) == 11:
        variants.add(f"{digits[:3]}-{digits[3:7]}-{digits[7:]}")
    if len(digits) == 10:
        variants.add(f"{digits[:3]}-{digits[3:6]}-{digits[6:]}")
    return {v for v in variants if v}


def link_by_phone(identity: ChannelIdentity) -> None:
    """The citizen consented to give a phone number another channel's citizen consented to give
    too: one person, so one citizen (the earlier one)."""
    citizen = identity.citizen
    if not citizen.phone or citizen.contact_consent_at is None:
        return
    other = (
        Citizen.objects.filter(
            phone__in=phone_variants(citizen.phone), contact_consent_at__isnull=False
        )
        .exclude(pk=citizen.pk)
        .order_by("pk")
        .first()
    )
    if other is not None:
        link(identity, other)


def link(identity: ChannelIdentity, citizen: Citizen) -> None:
    """Move this identity and its cases to `citizen`; the citizen it leaves, if nothing else
    is theirs any more, is deleted (no personal data is left behind unowned)."""
    if identity.citizen_id == citizen.pk:
        return
    old = identity.citizen
    with transaction.atomic():
        Complaint.objects.filter(identity=identity).update(citizen=citizen)
        identity.citizen = citizen
        identity.save(update_fields=["citizen"])
        if not old.identities.exists() and not old.complaints.exists():
            old.delete()
