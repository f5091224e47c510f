"""Facebook and Instagram comments: a comment that matches the page's rule opens a case and gets
one private reply inviting the citizen to the conversation; replies under it join that case;
edits, hides and removals are followed once each."""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ontong.complaints import notices, privacy, wording
from ontong.complaints.models import Complaint, Event, Message
from ontong.complaints.services import Intake, clean_text, receive_complaint

from .models import Comment, MetaAccount

if TYPE_CHECKING:
    from ontong.org.models import User


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


def facebook_comment(account: MetaAccount, value: dict[str, Any]) -> None:
    author = got if isinstance(got := value.get("from"), dict) else {}
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


def instagram_comment(account: MetaAccount, value: dict[str, Any]) -> None:
    author = got if isinstance(got := value.get("from"), dict) else {}
    from_id = str(author.get("id") or "")
    media = got if isinstance(got := value.get("media"), dict) else {}
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


def as_seconds(value: Any) -> dt.datetime | None:
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


def comment_to_complaint(comment: Comment, channel: str, actor: "User | None" = None) -> Complaint:
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
        ),
        savepoint=False,  # the caller's is the unit: a webhook event's, a staff action's
    )
    comment.complaint = complaint
    comment.save(update_fields=["complaint"])
    if comment.private_reply_id is None:
        text = wording.render(
            "comment_reply",
            channel,
            invitation=account.private_reply_text,
            receipt_no=complaint.receipt_no,
        )
        comment.private_reply = notices.queue_notice(
            complaint,
            Message.Purpose.ACK,
            text,
            actor,
            extra={"private_reply_to": comment.comment_id},
        )
        comment.save(update_fields=["private_reply"])
    return complaint
