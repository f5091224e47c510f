"""The city's side of a Messenger/Instagram conversation: open or join a complaint, answer
"처리현황", ask for a fallback contact, record echoes, edits, unsends and comments."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from ontong.channels.email import can_email
from ontong.complaints import notices, privacy, satisfaction
from ontong.complaints.deadlines import due_label
from ontong.complaints.models import (
    FINAL_STATES,
    Attachment,
    ChannelIdentity,
    Citizen,
    Complaint,
    Event,
    Message,
    State,
)
from ontong.complaints.services import Intake, clean_text, receive_complaint
from ontong.korean import with_josa

from .models import Comment, HandledEvent, MetaAccount

NEW, STATUS, AGENT = "NEW_COMPLAINT", "STATUS", "AGENT"
CONSENT_SMS, CONSENT_EMAIL, CONSENT_NONE = "CONSENT_SMS", "CONSENT_EMAIL", "CONSENT_NONE"
MENU = [("새 민원", NEW), ("처리현황", STATUS), ("담당자 연결", AGENT)]
CONSENT_MENU = [
    ("문자로 받기", CONSENT_SMS),
    ("이메일로 받기", CONSENT_EMAIL),
    ("메신저로 충분해요", CONSENT_NONE),
]
RECEIPT_NO = re.compile(r"\b(\d{4}-\d{6})\b")
SKIP_WORDS = {"없음", "없어요", "아니요", "괜찮아요", "취소"}
STATUS_WORDS = {"처리현황", "처리 현황", "진행상황", "진행 상황"}
CANCEL_WORDS = {"취소", "그만", "괜찮아요"}
WINDOW = dt.timedelta(hours=24)
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


def reply(
    complaint: Complaint, text: str, quick_replies=None, purpose=Message.Purpose.REPLY
) -> Message:
    extra = {"quick_replies": quick_replies} if quick_replies else None
    return notices.queue_notice(complaint, purpose, text, extra=extra)


def identity_for(account: MetaAccount, channel: str, user_id: str, when) -> ChannelIdentity:
    identity = ChannelIdentity.objects.filter(
        channel=channel, account=account.external_id, external_user_id=user_id
    ).first()
    if identity is None:
        identity = ChannelIdentity.objects.create(
            citizen=Citizen.objects.create(),
            channel=channel,
            account=account.external_id,
            external_user_id=user_id,
            last_inbound_at=when,
        )
    elif not identity.last_inbound_at or when > identity.last_inbound_at:
        identity.last_inbound_at = when
        identity.save(update_fields=["last_inbound_at"])
    return identity


def already_stored(channel: str, account: MetaAccount, mid: str) -> bool:
    return Message.objects.filter(
        channel=channel, account=account.external_id, external_id=mid
    ).exists()


def describe_attachments(attachments) -> tuple[list[str], list[str]]:
    """Image URLs to fetch, and a line of text for every other kind (stickers, reels, shares…)."""
    images, notes = [], []
    for item in attachments or []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type", "unsupported_type"))
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        url = payload.get("url") or ""
        if kind == "image" and url and not payload.get("sticker_id"):
            images.append(url)
        else:
            label = ATTACHMENT_LABELS.get(kind, kind)
            title = item.get("title") or payload.get("title") or ""
            notes.append(f"[{label}{': ' + title if title else ''}]")
    return images, notes


def open_complaint(identity: ChannelIdentity, account: MetaAccount) -> Complaint | None:
    since = timezone.now() - dt.timedelta(hours=account.follow_up_hours)
    return (
        Complaint.objects.filter(identity=identity, received_at__gte=since)
        .exclude(state__in=FINAL_STATES | {State.NOTIFIED})
        .order_by("-received_at")
        .first()
    )


def latest_complaint(identity: ChannelIdentity) -> Complaint | None:
    return Complaint.objects.filter(citizen=identity.citizen).order_by("-received_at").first()


def inbound(account: MetaAccount, channel: str, sender: str, message: dict, when) -> None:
    mid = str(message.get("mid") or "")
    if not sender or not mid or already_stored(channel, account, mid):
        return
    identity = identity_for(account, channel, sender, when)
    text = clean_text(str(message.get("text") or "")).strip()
    payload = str((message.get("quick_reply") or {}).get("payload") or "")
    images, notes = describe_attachments(message.get("attachments"))
    if message.get("is_unsupported"):
        notes.append("[지원하지 않는 형식]")
    if isinstance(message.get("reply_to"), dict) and message["reply_to"].get("story"):
        notes.append("[스토리 답장]")
    photos = [f"[사진 {len(images)}장]"] if images and not text else []
    body = "\n".join([text, *photos, *notes]).strip() or "[내용 없음]"
    notices.release_held(identity)
    if identity.pending_question and handle_answer(
        identity, account, channel, mid, text, payload, when
    ):
        return
    if payload == NEW:
        identity.pending_question = "new"
        identity.save(update_fields=["pending_question"])
        if c := latest_complaint(identity):
            store_inbound(c, channel, account, mid, body, when)
            reply(c, "새 민원 내용을 보내 주세요. 사진과 위치가 있으면 더 빨리 처리할 수 있습니다.")
        return
    if payload == STATUS or text in STATUS_WORDS or (RECEIPT_NO.search(text) and len(text) < 40):
        return answer_status(identity, account, channel, mid, body, text, when)
    if payload == AGENT:
        return connect_agent(identity, account, channel, mid, body, when)
    complaint = None if identity.pending_question == "new" else open_complaint(identity, account)
    if complaint is not None:
        stored = store_inbound(complaint, channel, account, mid, body, when)
        attach_images(complaint, stored, images)
        Event.objects.create(
            complaint=complaint, action="citizen_message", note="민원인이 추가로 보냈습니다."
        )
        return
    if identity.pending_question == "new":
        identity.pending_question = ""
        identity.save(update_fields=["pending_question"])
    open_new_complaint(identity, account, channel, mid, body, images, when)


def postback(account, channel, sender: str, data: dict, event: dict, when) -> None:
    """A tapped button. Our menu's payloads act as the same quick replies; any other postback
    (get started, an ice breaker, a persistent menu item) starts the conversation without
    opening a complaint that has nothing in it: the citizen's next message does that."""
    payload = str(data.get("payload") or "")
    if not sender:
        return
    if payload in {NEW, STATUS, AGENT, CONSENT_SMS, CONSENT_EMAIL, CONSENT_NONE} or (
        payload.startswith("SURVEY")
    ):
        as_message = {
            "mid": data.get("mid") or f"postback-{sender}-{event.get('timestamp')}",
            "text": data.get("title", ""),
            "quick_reply": {"payload": payload},
        }
        return inbound(account, channel, sender, as_message, when)
    identity = identity_for(account, channel, sender, when)
    notices.release_held(identity)
    return None


def first_time(account: MetaAccount, key: str) -> bool:
    """True the first time this event is seen for the account (see HandledEvent)."""
    try:
        with transaction.atomic():
            HandledEvent.objects.create(account=account.external_id, key=key[:255])
    except IntegrityError:
        return False
    return True


def store_inbound(complaint, channel, account, mid, body, when) -> Message:
    body, _removed = privacy.remove_rrns(body)
    return Message.objects.create(
        complaint=complaint,
        direction=Message.Direction.IN,
        channel=channel,
        account=account.external_id,
        external_id=mid,
        body=body,
        sent_at=when,
    )


def attach_images(complaint: Complaint, message: Message, urls: list[str]) -> None:
    from .tasks import fetch_media

    for url in urls[:10]:
        item = Attachment.objects.create(complaint=complaint, message=message, source_url=url)
        fetch_media.enqueue(item.pk)


def open_new_complaint(identity, account, channel, mid, body, images, when) -> Complaint:
    complaint = receive_complaint(
        Intake(
            channel=channel,
            account=account.external_id,
            external_user_id=identity.external_user_id,
            external_message_id=mid,
            body=body,
            sent_at=when,
            acknowledge=False,
        )
    )
    attach_images(complaint, complaint.messages.get(direction=Message.Direction.IN), images)
    reply(complaint, notices.acknowledgement_text(complaint), MENU, purpose=Message.Purpose.ACK)
    citizen = identity.citizen
    outlasts_window = complaint.due_at and complaint.due_at - timezone.now() > WINDOW
    if outlasts_window and not (
        can_email(citizen) or (citizen.phone and citizen.contact_consent_at)
    ):
        reply(
            complaint,
            "처리 결과는 며칠 걸릴 수 있습니다. 메신저는 24시간이 지나면 먼저 연락드리기 어려워서, "
            "결과를 문자나 이메일로도 받으시겠어요? (민원 안내에만 쓰고 보존기간이 지나면 파기합니다)",
            CONSENT_MENU,
        )
        identity.pending_question = "consent"
        identity.save(update_fields=["pending_question"])
    return complaint


def handle_answer(identity, account, channel, mid, text, payload, when) -> bool:
    """Answers to our own questions (consent, phone, e-mail); False if it is not one."""
    question = identity.pending_question
    if question.startswith(("survey:", "survey_comment:")):
        return handle_survey_answer(identity, account, channel, mid, text, payload, when)
    complaint = latest_complaint(identity)
    if question == "new" or complaint is None:
        return False
    if question == "consent" and payload in {CONSENT_SMS, CONSENT_EMAIL, CONSENT_NONE}:
        store_inbound(complaint, channel, account, mid, text, when)
        identity.pending_question = {CONSENT_SMS: "phone", CONSENT_EMAIL: "email"}.get(payload, "")
        identity.save(update_fields=["pending_question"])
        ask = {
            "phone": "휴대전화 번호를 보내 주세요 (예: 010-1234-5678).",
            "email": "이메일 주소를 보내 주세요.",
            "": "알겠습니다. 결과는 이 대화로 알려 드리겠습니다. 24시간이 지나면 메시지를 한 번 보내 주시면 바로 전달됩니다.",
        }
        reply(complaint, ask[identity.pending_question])
        return True
    if question in {"phone", "email"} and not payload:
        store_inbound(complaint, channel, account, mid, text, when)
        if text in CANCEL_WORDS:
            identity.pending_question = ""
            identity.save(update_fields=["pending_question"])
            reply(complaint, "알겠습니다. 결과는 이 대화로 알려 드리겠습니다.")
            return True
        valid = (
            privacy.MOBILE.fullmatch(text) if question == "phone" else privacy.EMAIL.fullmatch(text)
        )
        if not valid:
            reply(complaint, "형식이 맞지 않아요. 다시 보내 주시거나 '취소'라고 보내 주세요.")
            return True
        citizen = identity.citizen
        setattr(citizen, question, text)
        citizen.contact_consent_at = timezone.now()
        citizen.save()
        identity.pending_question = ""
        identity.save(update_fields=["pending_question"])
        Event.objects.create(
            complaint=complaint,
            action="contact_consent",
            note=f"민원인이 결과 안내용 {with_josa('휴대전화' if question == 'phone' else '이메일', '을')} "
            "동의하고 알려 줌",
        )
        reply(
            complaint,
            "등록했습니다. 처리 결과를 메신저로 보낼 수 없을 때 이 연락처로 알려 드리겠습니다.",
        )
        return True
    identity.pending_question = ""
    identity.save(update_fields=["pending_question"])
    return False


def handle_survey_answer(identity, account, channel, mid, text, payload, when) -> bool:
    """A score (quick reply or typed 1–5), "아직 해결 안 됨", or the optional comment after it."""
    question, _, complaint_id = identity.pending_question.partition(":")
    complaint = Complaint.objects.filter(pk=complaint_id, identity=identity).first()
    answer = satisfaction.parse_score(text, payload)
    if complaint is None or (question == "survey" and answer is None):
        identity.pending_question = ""
        identity.save(update_fields=["pending_question"])
        return False
    store_inbound(complaint, channel, account, mid, text or payload, when)
    if question == "survey":
        score, unresolved = answer
        try:
            satisfaction.record_answer(complaint, channel, score=score, unresolved=unresolved)
        except ValueError:
            identity.pending_question = ""
            identity.save(update_fields=["pending_question"])
            return True
        identity.pending_question = f"survey_comment:{complaint.pk}"
        identity.save(update_fields=["pending_question"])
        reply(
            complaint,
            "불편을 드려 죄송합니다. 담당 부서에 바로 전달했습니다. 무엇이 해결되지 않았는지 "
            "알려 주시면 함께 전달하겠습니다. (없으면 '없음')"
            if unresolved
            else "응답해 주셔서 감사합니다. 더 하실 말씀이 있으면 보내 주세요. (없으면 '없음')",
        )
        return True
    identity.pending_question = ""
    identity.save(update_fields=["pending_question"])
    if text and text not in SKIP_WORDS:
        satisfaction.add_comment(complaint, text)
        reply(complaint, "의견 감사합니다. 담당 부서에 전달했습니다.")
    return True


def answer_status(identity, account, channel, mid, body, text, when) -> None:
    match = RECEIPT_NO.search(text)
    complaints = Complaint.objects.filter(citizen=identity.citizen)
    complaint = (
        complaints.filter(receipt_no=match.group(1)).first()
        if match
        else complaints.order_by("-received_at").first()
    )
    if complaint is None:
        fallback = latest_complaint(identity)
        if fallback is None and (text in STATUS_WORDS or not text):
            return None  # nothing to report and nothing to open a case with
        if fallback is None:
            open_new_complaint(identity, account, channel, mid, body, [], when)
            return None
        store_inbound(fallback, channel, account, mid, body, when)
        reply(
            fallback,
            "그 접수번호의 민원을 찾지 못했습니다. 이 대화로 접수하신 민원만 조회할 수 있습니다.",
            MENU,
        )
        return None
    store_inbound(complaint, channel, account, mid, body, when)
    lines = [f"민원 {complaint.receipt_no}: {complaint.get_state_display()}"]
    if complaint.department:
        lines.append(f"담당 부서: {complaint.department.name}")
    if complaint.due_at and complaint.is_open:
        lines.append(f"처리기한: {due_label(complaint.due_at, timezone.now())}")
    if complaint.state in {State.NOTIFIED, State.CLOSED} and complaint.answer:
        lines.append(f"처리 결과: {complaint.answer}")
    reply(complaint, "\n".join(lines), MENU)
    return None


def connect_agent(identity, account, channel, mid, body, when) -> None:
    complaint = latest_complaint(identity)
    if complaint is None:
        open_new_complaint(identity, account, channel, mid, body, [], when)
        return
    store_inbound(complaint, channel, account, mid, body, when)
    Event.objects.create(
        complaint=complaint, action="agent_requested", note="민원인이 담당자 연결을 요청했습니다."
    )
    reply(
        complaint, "담당자에게 알렸습니다. 근무시간(평일 09:00–18:00)에 이 대화로 답변드리겠습니다."
    )


def record_echo(account, channel, recipient: str, message: dict, when) -> None:
    """Our own sends confirm their delivery; a reply typed in Meta Business Suite joins the thread."""
    metadata = str(message.get("metadata") or "")
    mid = str(message.get("mid") or "")
    if metadata.startswith("ontong:"):
        try:
            message_id = int(metadata.split(":")[1])
        except (IndexError, ValueError):
            return
        Message.objects.filter(
            pk=message_id,
            delivery__in=[
                Message.Delivery.UNKNOWN,
                Message.Delivery.SENDING,
                Message.Delivery.QUEUED,
            ],
        ).update(
            delivery=Message.Delivery.SENT, external_id=mid or None, sent_at=when, last_error=""
        )
        return
    if not mid or already_stored(channel, account, mid):
        return
    identity = ChannelIdentity.objects.filter(
        channel=channel, account=account.external_id, external_user_id=recipient
    ).first()
    complaint = latest_complaint(identity) if identity else None
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


def unsend(account, channel, mid) -> None:
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


def edit(account, channel, change: dict) -> None:
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


def reaction(account, channel, data: dict, when=None) -> None:
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


def comment_matches(account: MetaAccount, text: str) -> bool:
    if account.comment_rule == MetaAccount.CommentRule.ALL:
        return bool(text.strip())
    if account.comment_rule == MetaAccount.CommentRule.KEYWORDS:
        return any(k in text for k in account.keyword_list())
    return False


@dataclass(frozen=True)
class CommentEvent:
    """One comment change, the same for Facebook feed and Instagram comments."""

    channel: str
    comment_id: str
    verb: str
    text: str
    from_id: str
    from_name: str
    post_id: str
    parent_id: str
    created: dt.datetime | None
    by_city: bool


def facebook_comment(account: MetaAccount, value: dict) -> None:
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    from_id = str(author.get("id") or value.get("sender_id") or "")
    post_id = str(value.get("post_id") or "")
    parent_id = str(value.get("parent_id") or "")
    handle_comment(
        account,
        CommentEvent(
            channel="fb_comment",
            comment_id=str(value.get("comment_id") or ""),
            verb=str(value.get("verb") or ""),
            text=str(value.get("message") or ""),
            from_id=from_id,
            from_name=str(author.get("name") or value.get("sender_name") or ""),
            post_id=post_id,
            parent_id="" if parent_id == post_id else parent_id,
            created=as_seconds(value.get("created_time")),
            by_city=bool(from_id) and from_id in {account.external_id, account.page_id},
        ),
    )


def instagram_comment(account: MetaAccount, value: dict) -> None:
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    from_id = str(author.get("id") or "")
    media = value.get("media") if isinstance(value.get("media"), dict) else {}
    handle_comment(
        account,
        CommentEvent(
            channel="ig_comment",
            comment_id=str(value.get("id") or ""),
            verb="add",
            text=str(value.get("text") or ""),
            from_id=from_id,
            from_name=str(author.get("username") or ""),
            post_id=str(media.get("id") or ""),
            parent_id=str(value.get("parent_id") or ""),
            created=timezone.now(),
            by_city=from_id == account.external_id,
        ),
    )


def as_seconds(value):
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    except (TypeError, ValueError):
        return None


def handle_comment(account: MetaAccount, event: CommentEvent) -> None:
    if not event.comment_id:
        return
    text = clean_text(event.text)
    comment = Comment.objects.filter(account=account, comment_id=event.comment_id).first()
    if event.verb in {"remove", "delete", "hide", "unhide", "edited"}:
        if comment is not None:
            change_comment(comment, event.verb, text)
        return
    if comment is not None:
        return  # the same add delivered again
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                account=account,
                comment_id=event.comment_id,
                post_id=event.post_id,
                parent_id=event.parent_id,
                by_city=event.by_city,
                from_id=event.from_id,
                from_name=clean_text(event.from_name)[:100],
                message=text,
                created_time=event.created,
            )
    except IntegrityError:
        return
    thread = thread_complaint(account, event.parent_id)
    if event.by_city:
        if thread is not None:
            record_city_comment(comment, thread, event.channel)
        return  # the city's own comments never open complaints
    if thread is not None and thread.is_open:
        join_thread(comment, thread, event.channel)
    elif comment_matches(account, text):
        comment_to_complaint(comment, event.channel)


def thread_complaint(account: MetaAccount, parent_id: str) -> Complaint | None:
    """The case a reply belongs to: the one its parent comment opened or joined."""
    if not parent_id:
        return None
    parent = Comment.objects.filter(account=account, comment_id=parent_id).first()
    return parent.complaint if parent else None


def join_thread(comment: Comment, complaint: Complaint, channel: str) -> None:
    """A citizen's reply under a comment that opened a case is more of that case."""
    comment.complaint = complaint
    comment.save(update_fields=["complaint"])
    Message.objects.create(
        complaint=complaint,
        direction=Message.Direction.IN,
        channel=channel,
        account=comment.account.external_id,
        external_id=comment.comment_id,
        body=privacy.remove_rrns(comment.message)[0] or "[댓글]",
        sent_at=comment.created_time,
    )
    Event.objects.create(
        complaint=complaint, action="citizen_message", note="민원인이 댓글 스레드에 더 남겼습니다."
    )


def record_city_comment(comment: Comment, complaint: Complaint, channel: str) -> None:
    """The city answering in public under the citizen's comment: the thread's reply."""
    comment.complaint = complaint
    comment.save(update_fields=["complaint"])
    Message.objects.create(
        complaint=complaint,
        direction=Message.Direction.OUT,
        purpose=Message.Purpose.REPLY,
        channel=channel,
        account=comment.account.external_id,
        external_id=comment.comment_id,
        body=comment.message or "[댓글]",
        delivery=Message.Delivery.SENT,
        route="page-comment",
        sent_at=comment.created_time or timezone.now(),
    )
    Event.objects.create(
        complaint=complaint, action="reply", note="페이지 댓글로 공개 답변했습니다."
    )


def change_comment(comment: Comment, verb: str, text: str) -> None:
    """Edits, removals and hides; each applied once, however often Meta delivers it."""
    thread_message = (
        comment.complaint.messages.filter(external_id=comment.comment_id).first()
        if comment.complaint
        else None
    )
    whose = "시의 답글" if comment.by_city else "원래 댓글"
    if verb in {"remove", "delete"}:
        if comment.removed_at:
            return
        comment.removed_at = timezone.now()
        comment.save(update_fields=["removed_at"])
        if thread_message is not None:
            thread_message.deleted_at = comment.removed_at
            thread_message.save(update_fields=["deleted_at"])
        if comment.complaint:
            Event.objects.create(
                complaint=comment.complaint,
                action="comment_removed",
                note=f"{whose}이 삭제되었습니다.",
            )
        return
    if verb in {"hide", "unhide"}:
        if comment.hidden != (verb == "hide"):
            comment.hidden = verb == "hide"
            comment.save(update_fields=["hidden"])
        return
    if comment.message == text:
        return  # the same edit delivered again
    comment.message = text
    comment.save(update_fields=["message"])
    if thread_message is not None:
        thread_message.body = privacy.remove_rrns(text)[0]
        thread_message.save(update_fields=["body"])
    if comment.complaint:
        Event.objects.create(
            complaint=comment.complaint,
            action="reply_edited" if comment.by_city else "citizen_edited",
            note=f"{'시의 답글' if comment.by_city else '댓글'}이 수정되었습니다: {text[:500]}",
        )


def comment_to_complaint(comment: Comment, channel: str, actor=None) -> Complaint:
    """Open a complaint from a comment and invite the citizen to a private conversation (once)."""
    account = comment.account
    complaint = receive_complaint(
        Intake(
            channel=channel,
            account=account.external_id,
            external_user_id=comment.from_id or f"comment-{comment.pk}",
            external_message_id=comment.comment_id,
            body=comment.message or "[댓글]",
            sent_at=comment.created_time,
            acknowledge=False,
        )
    )
    comment.complaint = complaint
    comment.save(update_fields=["complaint"])
    if comment.private_reply_id is None:
        text = f"{account.private_reply_text}\n(접수번호 {complaint.receipt_no})"
        comment.private_reply = notices.queue_notice(
            complaint,
            Message.Purpose.ACK,
            text,
            actor,
            extra={"private_reply_to": comment.comment_id},
        )
        comment.save(update_fields=["private_reply"])
    return complaint
