"""Outbound notices: queued in the same transaction as the change that causes them, sent by the
worker, retried with backoff on temporary errors, and visibly failed otherwise."""

import datetime as dt
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from ontong import delivery
from ontong.channels.base import (
    PermanentError,
    TemporaryError,
    Transport,
    UnknownOutcome,
    WindowClosed,
    fallback_routes,
    get_transport,
)
from ontong.korean import staff_for_citizens, with_josa
from ontong.org.models import User
from ontong.tasks_queue import batch, enqueue_for, waiting_ids

from . import privacy, wording
from .deadlines import due_date_text
from .models import (
    FINAL_STATES,
    ChannelIdentity,
    Citizen,
    Complaint,
    Event,
    Follower,
    Message,
    State,
)
from .tasks import deliver_message, deliver_messages

log = logging.getLogger(__name__)


def queue_notice(
    complaint: Complaint,
    purpose: str,
    body: str,
    author: User | None = None,
    extra: dict[str, Any] | None = None,
    send_at: dt.datetime | None = None,
    recipient: Citizen | None = None,
) -> Message:
    """Store an outbound message and enqueue its delivery (not before send_at, if given); call
    inside the caller's transaction. recipient: another citizen than the case's (a follower)."""
    message = Message.objects.create(
        complaint=complaint,
        recipient=recipient,
        direction=Message.Direction.OUT,
        purpose=purpose,
        channel=complaint.channel,
        account=complaint.identity.account if complaint.identity else "web",
        body=body,
        author=author,
        delivery=Message.Delivery.QUEUED,
        extra=extra or {},
        next_attempt_at=send_at,
    )
    if send_at:
        deliver_message.using(run_after=send_at).enqueue(message.pk)
    else:  # inside a worker's batch, one task delivers the batch's notices
        enqueue_for(message.pk, deliver_message, deliver_messages)
    if author is not None and complaint.first_answered_at is None:
        # A person's first answer: what the SNS first-answer target measures.
        complaint.first_answered_at = message.created_at
        Complaint.objects.filter(pk=complaint.pk, first_answered_at__isnull=True).update(
            first_answered_at=message.created_at
        )
    return message


def status_url(complaint: Complaint) -> str:
    path = reverse("channels_web:status", args=[complaint.receipt_no])
    return f"{settings.SITE_URL}{path}?t={complaint.status_token}"


def lookup_url() -> str:
    """The web page where anyone looks a case up by receipt number and code (or phone)."""
    return f"{settings.SITE_URL}{reverse('channels_web:lookup')}"


def intake_url() -> str:
    return f"{settings.SITE_URL}{reverse('channels_web:intake')}"


FOLLOW_SALT = "ontong.follow"
# A follower left a mobile number only: 카카오톡 (알림톡) where the city has it, else a text.
FOLLOWER_ROUTES = ["alimtalk", "sms"]
FOLLOWED_TITLE_CHARS = 40


def follow_key(receipt_no: str) -> str:
    """A key for a link that opens the followed case's public progress on any device: signed,
    not stored. It shows no more than the map does (title, state, dates, department)."""
    return signing.dumps(receipt_no, salt=FOLLOW_SALT, compress=True)


def following_url(complaint: Complaint) -> str:
    path = reverse("channels_web:following", args=[complaint.receipt_no])
    return f"{settings.SITE_URL}{path}?f={follow_key(complaint.receipt_no)}"


def tell_followers(complaint: Complaint) -> int:
    """The case's result went out: each follower who left a phone with consent is told once
    (Follower.told_at, claimed by a conditional UPDATE, so a second result notice or two workers
    tell nobody twice) — the title as the map shows it and the follow page's link, never the
    answer or the case's citizen. Call inside the notifying transaction."""
    title = privacy.public_titles([complaint.title])[0][:FOLLOWED_TITLE_CHARS]
    body = wording.render(
        "followed_result",
        "sms",
        receipt_no=complaint.receipt_no,
        title=title,
        following_url=following_url(complaint),
    )
    told = 0
    for follower in complaint.followers.filter(told_at__isnull=True).select_related("citizen"):
        claimed = Follower.objects.filter(pk=follower.pk, told_at__isnull=True).update(
            told_at=timezone.now()
        )
        reachable = any(
            route in FOLLOWER_ROUTES for route, _transport in fallback_routes(follower.citizen)
        )
        if claimed and reachable:
            queue_notice(
                complaint,
                Message.Purpose.FOLLOWED_RESULT,
                body,
                extra={"routes": FOLLOWER_ROUTES},
                recipient=follower.citizen,
            )
            told += 1
    if told:
        Event.objects.create(
            complaint=complaint,
            action="followers_told",
            note=f"이 민원을 따라가는 시민 {told}명에게 처리가 끝났다고 알렸습니다 "
            "(제목과 처리 단계 링크만, 답변·민원인 정보 없음).",
        )
    return told


def officer_signature(complaint: Complaint) -> str:
    """[영] 제31조: notices name the officer's department, name and contact."""
    officer = complaint.assignee
    dept = complaint.department
    return wording.render(
        "signature",
        complaint.channel,
        department=dept.name if dept else settings.CITY_NAME,
        officer=staff_for_citizens(officer) if officer else "",
        phone=(officer.work_phone or (dept.phone if dept else "")) if officer else "",
    )


def notice_text(name: str, complaint: Complaint, **context: object) -> str:
    """A notice about this case, with what every notice may name."""
    values = {
        "complaint": complaint,
        "receipt_no": complaint.receipt_no,
        "signature": officer_signature(complaint),
        **context,
    }
    return wording.render(name, complaint.channel, **values)


def acknowledgement_text(complaint: Complaint) -> str:
    return notice_text(
        "acknowledgement",
        complaint,
        due=due_date_text(complaint.due_at) if complaint.due_at else "",
        status_url=status_url(complaint) if complaint.channel == "web" else "",
    )


def result_text(complaint: Complaint, for_receipt: Complaint | None = None) -> str:
    return notice_text(
        "result",
        complaint,
        receipt_no=(for_receipt or complaint).receipt_no,
        together=complaint.receipt_no if for_receipt else "",
        answer=complaint.answer,
    )


def transfer_text(complaint: Complaint) -> str:
    return notice_text(
        "transfer", complaint, agency=complaint.transfer_agency, reason=complaint.state_reason
    )


def reject_text(complaint: Complaint) -> str:
    return notice_text("reject", complaint, reason=complaint.state_reason)


def extension_text(complaint: Complaint, reason: str) -> str:
    """[영] 제21조②: the reason and the new completion date, without delay; 제31조: who handles it."""
    due = due_date_text(complaint.due_at) if complaint.due_at else ""
    return notice_text("extension", complaint, reason=reason, due=due)


def progress_text(complaint: Complaint) -> str:
    """[영] 제23조: after 30 days (and every 30 days) the progress and the expected completion."""
    return notice_text(
        "progress",
        complaint,
        state=complaint.get_state_display(),
        due=due_date_text(complaint.due_at) if complaint.due_at else "",
    )


def duplicate_text(complaint: Complaint, original: Complaint) -> str:
    return notice_text("duplicate", complaint, original=original.receipt_no)


PROGRESS_EVERY = dt.timedelta(days=30)


def send_due_progress_notices(now: dt.datetime | None = None) -> int:
    """Every open case gets a 중간통지 each 30 days after receipt. The conditional UPDATE of the
    counter lets exactly one worker send each notice, however many run this at once."""
    now = now or timezone.now()
    sent = 0
    open_cases = Complaint.objects.exclude(state__in=FINAL_STATES | {State.NOTIFIED}).filter(
        received_at__lte=now - PROGRESS_EVERY
    )
    for complaint in open_cases.select_related("department", "assignee", "identity", "citizen"):
        due_count = int((now - complaint.received_at) / PROGRESS_EVERY)
        if complaint.progress_notices >= due_count:
            continue
        with transaction.atomic():
            claimed = Complaint.objects.filter(
                pk=complaint.pk, progress_notices=complaint.progress_notices
            ).update(progress_notices=due_count)
            if claimed:
                queue_notice(complaint, Message.Purpose.PROGRESS, progress_text(complaint))
                sent += 1
    return sent


def info_request_text(complaint: Complaint, request: str) -> str:
    return notice_text("info_request", complaint, request=request)


def deliver_many(message_ids: list[int]) -> dict[int, str]:
    """Several notices read at once, claimed by one statement, sent one by one, and those the
    platform took recorded by one statement (a write per notice was a wait for SQLite's write
    lock and a commit on PostgreSQL each: the sender queued behind the webhook batches)."""
    with batch():  # each account is read once (transports' batch_memo)
        return send_all(message_ids)


def send_all(message_ids: list[int]) -> dict[int, str]:
    found = Message.objects.select_related("complaint__citizen", "complaint__identity").in_bulk(
        message_ids
    )
    wanted = [pk for pk in dict.fromkeys(message_ids) if pk in found]
    claimed = delivery.claim_many([found[pk] for pk in wanted])
    outcome = dict.fromkeys(message_ids, "skipped")
    taken: list[tuple[Message, str]] = []
    sent = send_in_parallel(claimed)
    for message in claimed:
        result = attempt(message, sent.get(message.pk))
        if isinstance(result, Taken):
            taken.append((message, result.external_id))
        else:
            outcome[message.pk] = result
    # A worker killed before this leaves them 'sending': the lease makes them 'unknown', to be
    # checked (or confirmed by Meta's echo) before anything is sent again.
    record_taken(taken)
    outcome.update({message.pk: Message.Delivery.SENT for message, _id in taken})
    return outcome


def send_in_parallel(messages: list[Message]) -> dict[int, str | Exception]:
    """The platform requests of the notices whose transport can make them away from the
    database (Transport.platform_call), made at once, ONTONG_SEND_CONCURRENCY at a time: a
    Graph API answer takes 0.1–0.3 s, so one after another a worker would send a few a second.
    One citizen's notices go one after another, in order. Returns each one's platform id or
    error (an error recorded by its transport here, where the database is)."""
    outcome: dict[int, str | Exception] = {}
    calls: dict[int, tuple[Message, Transport, Callable[[], str]]] = {}
    by_recipient: dict[object, list[int]] = {}
    for message in messages:
        if message.extra.get("routes"):
            continue
        transport = get_transport(message.channel)
        try:
            call = transport.platform_call(message)
        except Exception as error:  # attempt() handles it as send()'s own
            outcome[message.pk] = error
            continue
        if call is not None:
            calls[message.pk] = (message, transport, call)
            by_recipient.setdefault(recipient_key(message), []).append(message.pk)

    def in_turn(pks: list[int]) -> list[tuple[int, str | Exception]]:
        return [(pk, answer_of(calls[pk][2])) for pk in pks]

    for pairs in sender_pool(os.getpid()).map(in_turn, by_recipient.values()):
        for pk, answer in pairs:
            if isinstance(answer, Exception):
                message, transport, _call = calls[pk]
                transport.platform_failed(message, answer)
            outcome[pk] = answer
    return outcome


def recipient_key(message: Message) -> object:
    complaint = message.complaint
    return (message.channel, complaint.identity_id or f"complaint-{complaint.pk}")


def answer_of(call: Callable[[], str]) -> str | Exception:
    try:
        return call()
    except Exception as error:
        return error


@cache
def sender_pool(pid: int) -> ThreadPoolExecutor:
    """One pool per process (a forked child makes its own: pid)."""
    return ThreadPoolExecutor(settings.ONTONG_SEND_CONCURRENCY, f"ontong-send-{pid}")


def platform_answer(message: Message, sent: str | Exception | None) -> str:
    """The platform's id for the notice: sent already (send_in_parallel), or sent now."""
    if sent is None:
        return get_transport(message.channel).send(message)
    if isinstance(sent, Exception):
        raise sent
    return sent


def record_taken(taken: list[tuple[Message, str]]) -> None:
    """The batch's notices the platform took, 'sent' in one statement run for each — unless an
    echo or a read receipt came first and moved one forward, which this must not undo."""
    if not taken:
        return
    now = timezone.now()
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Message._meta.db_table)} SET delivery = %s, last_error = '', "  # noqa: S608
        "next_attempt_at = NULL, sent_at = %s, external_id = %s, route = %s "
        "WHERE id = %s AND delivery = %s"
    )
    sent_at = connection.ops.adapt_datetimefield_value(now)
    rows = [
        (
            Message.Delivery.SENT,
            sent_at,
            external_id or None,
            m.channel,
            m.pk,
            Message.Delivery.SENDING,
        )
        for m, external_id in taken
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    for message, external_id in taken:
        message.delivery, message.sent_at = Message.Delivery.SENT, now
        message.external_id, message.route = external_id or None, message.channel


def deliver(message_id: int) -> str:
    """Run one delivery attempt; returns the resulting delivery state. The task may run before
    its retry time (a swept-up copy): the claim, not the clock, keeps it to one send."""
    message = (
        Message.objects.select_related("complaint__citizen", "complaint__identity")
        .filter(pk=message_id)
        .first()
    )
    return "skipped" if message is None else send_claimed(message)


def send_claimed(message: Message) -> str:
    if not delivery.claim(message):
        return "skipped"
    result = attempt(message)
    if isinstance(result, Taken):
        return mark_sent(message, result.external_id, route=message.channel)
    return result


@dataclass(frozen=True)
class Taken:
    """The platform took the notice (with its id for it); not yet recorded as sent."""

    external_id: str


def attempt(message: Message, sent: str | Exception | None = None) -> "Taken | str":
    """One send of a claimed notice: Taken, or the state its failure left it in. sent: the
    answer to its platform request made already (send_in_parallel), if it was."""
    message_id = message.pk
    try:
        if message.extra.get("routes"):  # addressed to routes, not the channel (문자로 받기 …)
            return fall_back(message, "")
        return Taken(platform_answer(message, sent))
    except TemporaryError as exc:
        return schedule_retry(message, str(exc))
    except WindowClosed as exc:
        return fall_back(message, str(exc))
    except PermanentError as exc:
        return mark_failed(message, str(exc))
    except UnknownOutcome as exc:
        return mark_unknown(message, str(exc))
    except Exception as exc:  # a bug in a transport must not leave the notice in limbo
        log.exception("transport crashed for message %s", message_id)
        return schedule_retry(message, f"{type(exc).__name__}: {exc}")


def mark_sent(message: Message, external_id: str, route: str) -> str:
    return delivery.record_success(
        message, sent_at=timezone.now(), external_id=external_id or None, route=route
    )


ROUTE_NAMES = {"email": "이메일", "sms": "문자", "alimtalk": "알림톡", "kakao": "카카오톡"}


def fall_back(message: Message, reason: str) -> str:
    """The channel cannot carry it now: the citizen's consented 알림톡, e-mail or SMS, else hold
    it for their next message and flag the case for a person to call.

    Exactly once across routes: a route that may have delivered (timeout) ends the chain with
    the notice marked failed for a person to check, rather than trying the next route; a route
    that reported it did not arrive (`failed_routes`) is not tried again; a route's permanent
    error (a 알림톡 template not approved) is written on the case even when a later route works.

    A notice addressed to routes (`extra["routes"]`, the receipt's 카카오톡으로 받기) goes by
    those only, in FALLBACKS order, and fails visibly rather than being held when none works."""
    errors = [reason]
    tried = set(message.extra.get("failed_routes", []))
    addressed = message.extra.get("routes")
    for route, transport in fallback_routes(message.addressee):
        if route in tried or (addressed and route not in addressed):
            continue
        try:
            external_id = transport.send(message)
        except TemporaryError as exc:
            return schedule_retry(message, f"{route}: {exc}")
        except UnknownOutcome as exc:
            return mark_failed(
                message,
                f"{ROUTE_NAMES.get(route, route)}: {exc} — 전달 여부를 알 수 없어 다른 수단으로 "
                "보내지 않았습니다. 확인 후 재발송하세요.",
            )
        except PermanentError as exc:
            errors.append(f"{ROUTE_NAMES.get(route, route)}: {exc}")
            continue
        skipped = f" (실패한 수단: {' / '.join(errors[1:])})" if len(errors) > 1 else ""
        if reason or skipped:
            Event.objects.create(
                complaint=message.complaint,
                action="delivery_fallback",
                note=f"{message.get_purpose_display()}: {reason or '요청한 수단'} → "
                f"{with_josa(ROUTE_NAMES.get(route, route), '으로')} 보냄{skipped}",
                data={"message": message.pk, "route": route},
            )
        return mark_sent(message, external_id, route=route)
    if addressed:
        return mark_failed(message, " / ".join(e for e in errors if e) or "보낼 수단이 없습니다.")
    return hold(message, " / ".join(errors))


# What a platform's report (an echo of our send, a delivery or read receipt) moves a notice to,
# and from which states: only forward. A failed or held notice, or one already further on, is
# never moved back by a late or repeated report.
CONFIRMED_FROM: dict[str, tuple[str, ...]] = {
    Message.Delivery.SENT: (
        Message.Delivery.QUEUED,
        Message.Delivery.SENDING,
        Message.Delivery.UNKNOWN,
    ),
    Message.Delivery.DELIVERED: (Message.Delivery.SENT, Message.Delivery.UNKNOWN),
    Message.Delivery.READ: (
        Message.Delivery.SENT,
        Message.Delivery.DELIVERED,
        Message.Delivery.UNKNOWN,
    ),
}


def confirm(messages: QuerySet[Message], state: str, **fields: Any) -> int:
    """The platform reported these notices sent, delivered or read: each moves only by
    CONFIRMED_FROM, and what was waiting on it (a timed-out send's error, a retry) is done."""
    return messages.filter(delivery__in=CONFIRMED_FROM[state]).update(
        delivery=state, last_error="", next_attempt_at=None, **fields
    )


def mark_delivered(message: Message) -> bool:
    """The platform confirmed the citizen got a sent notice (a Kakao task, a 알림톡 report)."""
    return bool(
        delivery.write(
            message, only_if=(Message.Delivery.SENT,), delivery=Message.Delivery.DELIVERED
        )
    )


def not_delivered(message: Message, route: str, reason: str) -> str:
    """A route accepted the notice and later reported that it did not arrive (the citizen
    blocked the channel, the phone has no KakaoTalk and no 대체문자): the next route, once. Only
    a notice still 'sent' by that route moves, so two reports cannot send it twice."""
    # The route is checked in the row too: a report read before another one's fallback finished
    # would otherwise find the notice 'sent' again (by the next route) and send it a third way.
    moved = Message.objects.filter(
        pk=message.pk, route=route, delivery=Message.Delivery.SENT
    ).update(delivery=Message.Delivery.SENDING)
    if message.route != route or not moved:
        return "skipped"
    message.delivery = Message.Delivery.SENDING
    failed = [*message.extra.get("failed_routes", []), route]
    message.extra = {**message.extra, "failed_routes": failed}
    Message.objects.filter(pk=message.pk).update(extra=message.extra)
    return fall_back(message, reason)


def hold(message: Message, reason: str) -> str:
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            delivery=Message.Delivery.HELD, last_error=reason, next_attempt_at=None, route="held"
        )
        Event.objects.create(
            complaint=message.complaint,
            action="delivery_held",
            note=f"통보 대기: 직접 연락 필요 — {message.get_purpose_display()} ({reason}). "
            "민원인이 다시 메시지를 보내면 자동으로 전달합니다.",
        )
    return Message.Delivery.HELD


def mark_unknown(message: Message, reason: str) -> str:
    """A timed-out send may have arrived: wait for the platform's echo rather than send twice."""
    return delivery.record_unknown(message, reason)


def release_held(identity: ChannelIdentity) -> int:
    """The citizen wrote again, so the window is open: send what was held for them."""
    held = Message.objects.filter(complaint__identity=identity, delivery=Message.Delivery.HELD)
    ids = list(held.values_list("pk", flat=True))
    with transaction.atomic():
        held.update(delivery=Message.Delivery.QUEUED, attempts=0, route="")
        for message_id in ids:
            deliver_message.enqueue(message_id)
    return len(ids)


def backoff() -> delivery.Backoff:
    return delivery.Backoff(
        first=dt.timedelta(seconds=settings.ONTONG_DELIVERY_RETRY_SECONDS),
        max_attempts=settings.ONTONG_DELIVERY_MAX_ATTEMPTS,
    )


def schedule_retry(message: Message, error: str) -> str:
    with transaction.atomic():
        state = delivery.record_temporary_failure(message, error, backoff())
        if state == Message.Delivery.FAILED:
            failure_event(message)
        else:
            deliver_message.using(run_after=message.next_attempt_at).enqueue(message.pk)
    return state


def mark_failed(message: Message, error: str) -> str:
    with transaction.atomic():
        delivery.record_permanent_failure(message, error)
        failure_event(message)
    return Message.Delivery.FAILED


def failure_event(message: Message) -> None:
    """On the case's timeline: what failed, why, and how to reach the citizen instead."""
    fallback = (
        "민원인은 누리집 상태 페이지에서 확인할 수 있습니다."
        if message.channel == "web"
        else ("다른 연락 수단(전화·문자)으로 안내가 필요합니다.")
    )
    Event.objects.create(
        complaint=message.complaint,
        action="delivery_failed",
        note=f"{message.get_purpose_display()} 발송 실패: {message.last_error} — {fallback}",
        data={"message": message.pk},
    )


def resend(message: Message) -> None:
    """Staff asked to try a failed notice again."""
    with transaction.atomic():
        if delivery.requeue(
            message, only_if=(Message.Delivery.FAILED, Message.Delivery.HELD), attempts=0
        ):
            deliver_message.enqueue(message.pk)


STUCK_QUEUED = dt.timedelta(seconds=settings.ONTONG_STUCK_SECONDS)
STUCK_SENDING = dt.timedelta(seconds=settings.ONTONG_SENDING_STUCK_SECONDS)


def sweep_deliveries() -> dict[str, int]:
    """Re-enqueue notices whose task was lost, and surface sends cut off by a crash.

    A re-enqueued notice can have two tasks; `delivery.claim` makes the second a no-op.
    A notice left 'sending' may or may not have reached the citizen: it is marked failed with
    that said, so a person decides whether to resend, rather than sending twice silently.
    """
    now = timezone.now()
    stale = delivery.due(
        Message.objects.filter(created_at__lt=now - STUCK_QUEUED), now - STUCK_QUEUED
    )
    requeued = 0
    candidates = list(stale.values_list("pk", flat=True)[:1000])
    queued = (
        waiting_ids(deliver_message.module_path, STUCK_QUEUED)
        | waiting_ids(deliver_messages.module_path, STUCK_QUEUED)
        if candidates
        else set()
    )
    for message_id in candidates:
        if message_id not in queued:
            deliver_message.enqueue(message_id)
            requeued += 1
    for message in Message.objects.filter(
        delivery=Message.Delivery.UNKNOWN, attempted_at__lt=now - STUCK_SENDING
    ).select_related("complaint__citizen"):
        if message.channel in UNCONFIRMABLE_CHANNELS:
            # No echo will ever come: it may have arrived, so a person decides (no second route).
            error = message.last_error or "응답 시간 초과"
            if delivery.write(
                message, only_if=(Message.Delivery.UNKNOWN,), delivery=Message.Delivery.SENDING
            ):
                mark_failed(message, f"{error} — 전달 여부를 알 수 없습니다. 확인 후 재발송하세요.")
            continue
        # No echo came: not delivered on this channel as far as we know; use the fallback.
        fall_back(message, "응답 시간 초과 뒤 전달 확인이 오지 않았습니다")
    cut_off = 0
    for message in delivery.cut_off(Message.objects.all(), now, STUCK_SENDING).select_related(
        "complaint"
    ):
        if echoes_confirm(message):
            # Meta echoes every message the page sends; none came, so it never went out.
            requeued += resend_unconfirmed(message)
            continue
        mark_failed(
            message, "발송 도중 작업자가 중단되어 전달 여부를 알 수 없습니다. 확인 후 재발송하세요."
        )
        cut_off += 1
    return {"requeued": requeued, "cut_off": cut_off}


ECHO_CHANNELS = {"messenger", "instagram"}
# Channels whose timed-out sends nothing can confirm later (the Kakao Event API gives no task id
# when the POST timed out): such a notice is never sent again by another route on its own.
UNCONFIRMABLE_CHANNELS = {"kakao"}


def echoes_confirm(message: Message) -> bool:
    """Direct messages on Meta come back as echoes (record_echo marks them sent)."""
    return (
        message.channel in ECHO_CHANNELS
        and not message.extra.get("private_reply_to")
        and not message.extra.get("routes")  # addressed to 알림톡/문자: no echo comes
    )


def resend_unconfirmed(message: Message) -> int:
    with transaction.atomic():
        moved = delivery.requeue(
            message,
            only_if=(Message.Delivery.SENDING,),
            last_error="발송 도중 작업자가 중단되었고 Meta의 확인(에코)이 없어 다시 보냅니다",
        )
        if moved:
            deliver_message.enqueue(message.pk)
    return int(moved)
