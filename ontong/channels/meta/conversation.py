"""Messenger and Instagram Direct on the conversation engine: Meta's webhook events become
`Inbound` messages for `channels.conversation`; what only Meta has (echoes of our own sends,
edits, unsends, reactions) is handled here. Comments are in comments.py."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ontong.channels import conversation
from ontong.channels.conversation import engine
from ontong.complaints import notices, privacy
from ontong.complaints.channel_profiles import profile_for
from ontong.complaints.models import Attachment, ChannelIdentity, Complaint, Event, Message
from ontong.complaints.services import clean_text
from ontong.tasks_queue import collect

from .models import HandledEvent, MetaAccount
from .tasks import fetch_media

ATTACHMENT_LABELS = {
    "sticker": "스티커",
    "audio": "음성",
    "video": "동영상",
    "file": "파일",
    "reel": "릴스",
    "ig_reel": "릴스",
    "share": "공유",
    "post": "게시물",
    "ig_post": "게시물",
    "story_mention": "스토리 언급",
    "like_heart": "좋아요",
    "fallback": "링크",
    "location": "위치",
    "unsupported_type": "지원하지 않는 형식",
    "template": "템플릿",
    "appointment_booking": "예약",
}


class MetaAdapter(conversation.ChannelAdapter):
    """A page (Messenger) or an Instagram account, for the conversation engine."""

    def __init__(self, account: MetaAccount, channel: str):
        super().__init__(profile_for(channel), account.external_id, account.follow_up_hours)

    def attach_images(self, complaint: Complaint, message: Message, urls: Sequence[str]) -> None:
        """Fetched from Meta's CDN by the worker (media.py), at most ten per message."""
        for url in list(urls)[:10]:
            item = Attachment.objects.create(complaint=complaint, message=message, source_url=url)
            fetch_media.enqueue(item.pk)


def as_inbound(sender: str, message: dict[str, Any], when: dt.datetime) -> conversation.Inbound:
    images, notes = describe_attachments(message.get("attachments"))
    if message.get("is_unsupported"):
        notes.append("[지원하지 않는 형식]")
    if isinstance(message.get("reply_to"), dict) and message["reply_to"].get("story"):
        notes.append("[스토리 답장]")
    quick_reply = message.get("quick_reply")
    return conversation.Inbound(
        sender=sender,
        message_id=str(message.get("mid") or ""),
        sent_at=when,
        text=str(message.get("text") or ""),
        payload=str((quick_reply if isinstance(quick_reply, dict) else {}).get("payload") or ""),
        image_urls=tuple(images),
        notes=tuple(notes),
    )


def describe_attachments(attachments: object) -> tuple[list[str], list[str]]:
    """Image URLs to fetch, and a line of text for every other kind (stickers, reels, shares…)."""
    images: list[str] = []
    notes: list[str] = []
    for item in attachments if isinstance(attachments, list) else []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type", "unsupported_type"))
        payload = got if isinstance(got := item.get("payload"), dict) else {}
        url = payload.get("url") or ""
        if kind == "image" and url and not payload.get("sticker_id"):
            images.append(url)
        else:
            label = ATTACHMENT_LABELS.get(kind, kind)
            title = item.get("title") or payload.get("title") or ""
            notes.append(f"[{label}{': ' + title if title else ''}]")
    return images, notes


def inbound(
    account: MetaAccount, channel: str, sender: str, message: dict[str, Any], when: dt.datetime
) -> None:
    conversation.receive(MetaAdapter(account, channel), as_inbound(sender, message, when))


def postback(
    account: MetaAccount,
    channel: str,
    sender: str,
    data: dict[str, Any],
    event: dict[str, Any],
    when: dt.datetime,
) -> None:
    """A tapped button. Our menu's payloads act as the same quick replies; any other postback
    (get started, an ice breaker, a persistent menu item) starts the conversation without
    opening a complaint that has nothing in it: the citizen's next message does that."""
    payload = str(data.get("payload") or "")
    if not sender:
        return
    if engine.is_choice(payload):
        as_message = {
            "mid": data.get("mid") or f"postback-{sender}-{event.get('timestamp')}",
            "text": data.get("title", ""),
            "quick_reply": {"payload": payload},
        }
        return inbound(account, channel, sender, as_message, when)
    conversation.greet(MetaAdapter(account, channel), sender, when)


def first_time(account: MetaAccount, key: str) -> bool:
    """True the first time this event is seen for the account (see HandledEvent)."""
    try:
        with transaction.atomic():
            HandledEvent.objects.create(account=account.external_id, key=key[:255])
    except IntegrityError:
        return False
    return True


def record_echo(
    account: MetaAccount, channel: str, recipient: str, message: dict[str, Any], when: dt.datetime
) -> None:
    """Our own sends confirm their delivery; a reply typed in Meta Business Suite joins the thread."""
    metadata = str(message.get("metadata") or "")
    mid = str(message.get("mid") or "")
    if metadata.startswith("ontong:"):
        try:
            message_id = int(metadata.split(":")[1])
        except (IndexError, ValueError):
            return
        collect("meta-echo", (message_id, mid, when), confirm_sent)
        return
    if not mid or engine.already_stored(MetaAdapter(account, channel), mid):
        return
    identity = ChannelIdentity.objects.filter(
        channel=channel, account=account.external_id, external_user_id=recipient
    ).first()
    complaint = engine.latest_complaint(identity) if identity else None
    if complaint is None:
        return
    Message.objects.create(
        complaint=complaint,
        direction=Message.Direction.OUT,
        purpose=Message.Purpose.REPLY,
        channel=channel,
        account=account.external_id,
        external_id=mid,
        body=clean_text(str(message.get("text") or "")) or "[첨부]",
        delivery=Message.Delivery.SENT,
        route="meta-business-suite",
        sent_at=when,
    )
    Event.objects.create(
        complaint=complaint, action="reply", note="Meta Business Suite에서 직접 보낸 답장"
    )


def confirm_sent(echoes: list[tuple[int, str, dt.datetime]]) -> None:
    """Echoes of our own sends: a message not yet marked sent is now (its send timed out, or its
    worker died before writing the answer). Usually the sender marked it already; then a batch
    of echoes costs one read (tasks_queue.collect)."""
    if len(echoes) > 1:
        ids = {message_id for message_id, _mid, _when in echoes}
        waiting = set(
            Message.objects.filter(
                pk__in=ids, delivery__in=notices.CONFIRMED_FROM[Message.Delivery.SENT]
            ).values_list("pk", flat=True)
        )
        echoes = [echo for echo in echoes if echo[0] in waiting]
    for message_id, mid, when in echoes:
        notices.confirm(
            Message.objects.filter(pk=message_id),
            Message.Delivery.SENT,
            external_id=mid or None,
            sent_at=when,
            route=F("channel"),  # sent by its own channel: the sender may not have written it yet
        )


def unsend(account: MetaAccount, channel: str, mid: object) -> None:
    updated = Message.objects.filter(
        channel=channel,
        account=account.external_id,
        external_id=str(mid or ""),
        deleted_at__isnull=True,  # an unsend delivered again changes nothing
    )
    for message in updated:
        message.body = "[민원인이 보내기를 취소한 메시지]"
        message.deleted_at = timezone.now()
        message.save(update_fields=["body", "deleted_at"])
        Event.objects.create(
            complaint=message.complaint,
            action="citizen_unsent",
            note="민원인이 메시지 보내기를 취소했습니다 (내용 삭제).",
        )


def edit(account: MetaAccount, channel: str, change: dict[str, Any]) -> None:
    message = Message.objects.filter(
        channel=channel, account=account.external_id, external_id=str(change.get("mid") or "")
    ).first()
    if message is None or message.direction != Message.Direction.IN:
        return
    number = change.get("num_edit")
    key = f"edit:{message.external_id}:{number if number is not None else change.get('text')}"
    if not first_time(account, key):
        return
    text, _removed = privacy.remove_rrns(clean_text(str(change.get("text") or "")))
    message.body = text
    message.save(update_fields=["body"])
    Event.objects.create(
        complaint=message.complaint,
        action="citizen_edited",
        note=f"민원인이 메시지를 고쳤습니다 ({change.get('num_edit', 1)}번째).",
    )


def reaction(account: MetaAccount, channel: str, data: dict[str, Any], when: object = None) -> None:
    message = Message.objects.filter(
        channel=channel, account=account.external_id, external_id=str(data.get("mid") or "")
    ).first()
    key = ":".join(
        str(part)
        for part in ("reaction", data.get("mid"), data.get("action"), data.get("emoji"), when)
    )
    if message is not None and first_time(account, key):
        emoji = data.get("emoji") or data.get("reaction") or ""
        verb = "반응 취소" if data.get("action") == "unreact" else "반응"
        Event.objects.create(
            complaint=message.complaint, action="citizen_reaction", note=f"{verb} {emoji}".strip()
        )
