"""The skill server's work: store the request, run the conversation within the time Kakao gives,
and answer with what the conversation queued for the citizen (docs/channels/kakao.md).

Kakao waits 5 seconds. The stored request is processed in a thread of its own while the view
waits at most ONTONG_KAKAO_SKILL_BUDGET seconds; the two meet in memory (`Outcome`), never in
the database, so a slow database cannot hold the answer back:
- done in time: the SkillResponse is the answer, its messages recorded sent (route "skill");
- not done, with a callbackUrl: the answer is `useCallback`, and the thread POSTs the real
  SkillResponse to the callbackUrl once when done (route "callback"); a failed or late callback
  puts the messages back in the delivery queue (Event API, then the fallback chain);
- not done, no callbackUrl: a short "잠시 후" text; the messages go as notices.
A request whose process died before it was answered is made later by a task enqueued with it
(`recover`), its messages sent as notices.

Kakao resends a request it got no answer to, with no message id. The resend key: bot,
botUserKey, utterance, params/detailParams/clientExtra/media (a hash), within
ONTONG_KAKAO_RESEND_SECONDS of the first; a resend is stored, linked to the first, and answered
with the first's answer; it never reaches the conversation.
"""

import datetime as dt
import hashlib
import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ontong import delivery
from ontong.channels import conversation
from ontong.channels.base import split_text
from ontong.channels.conversation import engine
from ontong.complaints import notices
from ontong.complaints.models import ChannelIdentity, Complaint, Message
from ontong.complaints.retention import PURGED
from ontong.complaints.tasks import deliver_message
from ontong.outbound import http

from . import media, responses
from .conversation import KakaoAdapter, as_inbound, kakao_user, link_by_phone
from .models import KakaoBot, KakaoUser, SkillRequest
from .payload import SkillPayload, parse
from .tasks import process_skill_request

log = logging.getLogger(__name__)

WAIT_TEXT = "접수하고 있습니다…"
LATER_TEXT = "접수하고 있습니다. 잠시 후 '처리현황'으로 확인해 주세요."
FAILED_TEXT = "죄송합니다. 잠시 문제가 생겼습니다. 조금 뒤에 다시 보내 주세요."
MENU_TEXT = "무엇을 도와드릴까요? 아래에서 고르시거나 불편한 점을 적어 보내 주세요."
ADDED_TEXT = "보내 주신 내용을 민원 {receipt_no}에 덧붙였습니다. 담당자가 함께 확인합니다."
STATUS_LABEL = "처리현황 보기"
RESEND_POLL = 0.25  # seconds between looks at the first request's stored answer
RECOVER_AFTER = dt.timedelta(seconds=90)  # past any callback's validity and any live thread


# --- storing --------------------------------------------------------------------------------


def dedupe_key(bot: KakaoBot, payload: SkillPayload) -> str:
    """What makes two skill requests the same message (Kakao gives no message id)."""
    material = {
        "bot": bot.bot_id,
        "user": payload.bot_user_key,
        "utterance": payload.utterance,
        "params": payload.params,
        "detail": {k: v.value for k, v in payload.detail_params.items()},
        "extra": payload.client_extra,
        "media": payload.media,
        "test": payload.is_test,
    }
    raw = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def store(
    bot: KakaoBot, body: bytes, headers: dict[str, str], payload: SkillPayload
) -> SkillRequest:
    """The raw request, committed before anything is done with it; a resend is linked to the
    first. The recovery task is enqueued in the same transaction."""
    key = dedupe_key(bot, payload)
    callback_url, error = callback_for(payload)
    now = timezone.now()
    since = now - dt.timedelta(seconds=settings.ONTONG_KAKAO_RESEND_SECONDS)
    with transaction.atomic():
        first = (
            SkillRequest.objects.filter(
                bot=bot, dedupe_key=key, duplicate_of__isnull=True, received_at__gte=since
            )
            .order_by("received_at", "pk")
            .first()
        )
        request = SkillRequest.objects.create(
            bot=bot,
            body=body,
            headers=headers,
            bot_user_key=payload.bot_user_key,
            block_id=payload.block_id,
            block_name=payload.block_name,
            intent_name=payload.intent_name,
            is_test=payload.is_test,
            dedupe_key=key,
            duplicate_of=first,
            state=SkillRequest.State.ANSWERED if first else SkillRequest.State.PENDING,
            callback_url=callback_url,
            error=error,
        )
        if first is None:
            process_skill_request.using(run_after=now + RECOVER_AFTER).enqueue(request.pk)
    return request


def callback_for(payload: SkillPayload) -> tuple[str, str]:
    """The callbackUrl we may POST the answer to, and why not: only https to Kakao's bot API
    (ONTONG_KAKAO_CALLBACK_HOSTS). Anything else (an internal address, a metadata service, a
    host of the sender's choosing) is never called; the request is answered as one without a
    callback, its replies going as notices."""
    url = payload.callback_url
    if not url or media.allowed(url, settings.ONTONG_KAKAO_CALLBACK_HOSTS):
        return url, ""
    host = urlparse(url).hostname or "?"
    log.warning("kakao skill request with a callbackUrl to a refused host: %s", host)
    return "", f"허용되지 않은 콜백 주소라 쓰지 않았습니다: {host[:200]}"


# --- answering within the budget ------------------------------------------------------------


@dataclass
class Outcome:
    """Where the view and the processing thread meet: whoever takes the lock first decides
    whether the real answer goes in the HTTP response or by callback/notice."""

    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    response: dict[str, Any] | None = None
    gave_up: bool = False
    thread: threading.Thread | None = None


_outcomes: dict[int, Outcome] = {}
_outcomes_lock = threading.Lock()


def answer(request: SkillRequest, payload: SkillPayload, deadline: float) -> dict[str, Any]:
    """The SkillResponse for the HTTP answer, by `deadline` (time.monotonic())."""
    if request.duplicate_of_id is not None:
        return answer_resend(request, deadline)
    outcome = start(request.pk)
    if outcome.done.wait(max(deadline - time.monotonic(), 0)):
        assert outcome.response is not None
        return outcome.response
    with outcome.lock:
        if outcome.response is not None:
            return outcome.response
        outcome.gave_up = True
    return wait_response(request)


def wait_response(request: SkillRequest) -> dict[str, Any]:
    if request.callback_url:
        return responses.callback_wait(WAIT_TEXT)
    return responses.response([responses.simple_text(LATER_TEXT)])


def start(request_id: int) -> Outcome:
    outcome = Outcome()
    with _outcomes_lock:
        _outcomes[request_id] = outcome
    outcome.thread = threading.Thread(
        target=run, args=(request_id, outcome), name=f"kakao-skill-{request_id}", daemon=True
    )
    outcome.thread.start()
    return outcome


def wait_for_threads(timeout: float = 60) -> None:
    """Wait for every processing thread of this process (tests, shutdown)."""
    end = time.monotonic() + timeout
    for outcome in list(_outcomes.values()):
        if outcome.thread is not None:
            outcome.thread.join(max(end - time.monotonic(), 0))


def run(request_id: int, outcome: Outcome) -> None:
    """The processing thread: the conversation, then the answer by the way the view left open."""
    try:
        made = process(request_id, live=True)
        if made is None:  # processed elsewhere (the recovery task won)
            response = responses.response([responses.simple_text(LATER_TEXT)])
            made = Made(response, [])
        with outcome.lock:
            direct = not outcome.gave_up
            if direct:
                outcome.response = made.response
                outcome.done.set()
        if direct:
            record_sent(made.message_ids, route="skill")
        else:
            answer_later(request_id, made)
    except Exception:
        log.exception("kakao skill request %s failed", request_id)
        failed = responses.response([responses.simple_text(FAILED_TEXT)])
        with outcome.lock:
            direct = not outcome.gave_up
            if direct:
                outcome.response = failed
                outcome.done.set()
        if not direct:  # the citizen was told to wait: tell them it did not work
            answer_later(request_id, Made(failed, []))
    finally:
        with _outcomes_lock:
            _outcomes.pop(request_id, None)
        connection.close()  # this thread's own connection


def answer_resend(request: SkillRequest, deadline: float) -> dict[str, Any]:
    """A resend gets the first request's answer, waiting for it within the budget; never a
    second case or message. If the first went by callback, the resend is told to wait."""
    first_id = request.duplicate_of_id
    assert first_id is not None
    outcome = _outcomes.get(first_id)
    if outcome is not None:
        outcome.done.wait(max(deadline - time.monotonic(), 0))
        with outcome.lock:
            if outcome.response is not None and not outcome.gave_up:
                return outcome.response
    while True:  # the first may be answered by another process: its answer is stored
        first = SkillRequest.objects.filter(pk=first_id).only("response", "callback_state").first()
        if first is None or first.callback_state:
            break
        if isinstance(first.response, dict):
            return dict(first.response)
        if time.monotonic() + RESEND_POLL >= deadline:
            break
        time.sleep(RESEND_POLL)
    return responses.response([responses.simple_text(LATER_TEXT)])


# --- processing -----------------------------------------------------------------------------


@dataclass
class Made:
    response: dict[str, Any]
    message_ids: list[int]


def process(request_id: int, live: bool) -> Made | None:
    """Run the conversation for a stored request, once: the claim (pending → processed) is in
    the same transaction as the conversation's writes. live: the queued replies are rendered
    into the SkillResponse and claimed; otherwise they are left to the delivery worker."""
    try:
        with transaction.atomic():
            claimed = SkillRequest.objects.filter(
                pk=request_id, state=SkillRequest.State.PENDING
            ).update(state=SkillRequest.State.PROCESSED, processed_at=timezone.now())
            if not claimed:
                return None
            request = SkillRequest.objects.select_related("bot").get(pk=request_id)
            payload = parse(bytes(request.body))
            adapter = KakaoAdapter(request.bot)
            user = kakao_user(request.bot, payload, request.received_at)
            inbound = as_inbound(request, payload, adapter)
            if inbound.text or inbound.payload or inbound.image_urls or inbound.notes:
                conversation.receive(adapter, inbound)
            else:
                conversation.greet(adapter, payload.bot_user_key, request.received_at)
            identity = ChannelIdentity.objects.select_related("citizen").get(pk=user.identity_id)
            link_by_phone(identity)
            messages = queued_for(identity) if live else []
            added_to = None if messages else followed_up(request)
            response, used = render(messages, added_to, adapter.said)
            for message in used:
                delivery.claim(message)
            SkillRequest.objects.filter(pk=request_id).update(response=response)
            return Made(response, [m.pk for m in used])
    except Exception as exc:
        SkillRequest.objects.filter(pk=request_id, state=SkillRequest.State.PENDING).update(
            state=SkillRequest.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def recover(request_id: int) -> str:
    """A stored request nobody answered (its process died): the conversation now, the replies
    as notices through the transport and its fallback chain."""
    made = process(request_id, live=False)
    return "nothing to do" if made is None else "recovered"


def queued_for(identity: ChannelIdentity) -> list[Message]:
    """Replies waiting for this citizen on this bot, oldest first (not those scheduled later or
    waiting for a retry: those are the delivery worker's)."""
    return list(
        Message.objects.filter(
            complaint__identity=identity,
            direction=Message.Direction.OUT,
            delivery=Message.Delivery.QUEUED,
            next_attempt_at__isnull=True,
        )
        .select_related("complaint")
        .order_by("created_at", "pk")
    )


def message_outputs(message: Message) -> list[dict[str, Any]]:
    outputs = [responses.simple_text(part) for part in split_text(message.body, responses.MAX_TEXT)]
    if message.purpose == Message.Purpose.ACK:
        complaint = message.complaint
        outputs.append(
            responses.text_card(
                title=f"접수번호 {complaint.receipt_no}",
                description="처리 상황은 아래 버튼으로 언제든 확인하실 수 있습니다.",
                buttons=[responses.web_link(STATUS_LABEL, notices.status_url(complaint))],
            )
        )
    return outputs


def quick_replies(options: object) -> list[dict[str, Any]]:
    replies = []
    for option in options if isinstance(options, list) else []:
        if not isinstance(option, list | tuple) or len(option) != 2:
            continue
        title, payload = str(option[0]), str(option[1])
        replies.append(
            responses.quick_reply(responses.fit_label(title), title, {"payload": payload})
        )
    return replies[: responses.MAX_QUICK_REPLIES]


def followed_up(request: SkillRequest) -> Complaint | None:
    """The open case this request's message was added to without a reply (a follow-up: more
    words, a photo, a place), if it was."""
    stored = (
        Message.objects.filter(
            direction=Message.Direction.IN,
            channel="kakao",
            account=request.bot.bot_id,
            external_id=f"skill-{request.pk}",
        )
        .select_related("complaint")
        .first()
    )
    return stored.complaint if stored is not None else None


def render(
    messages: list[Message], added_to: Complaint | None = None, said: Sequence[str] = ()
) -> tuple[dict[str, Any], list[Message]]:
    """The SkillResponse for the queued messages that fit in it (1–3 outputs; a message is
    rendered whole or left for the delivery worker), and the messages it carries. Nothing
    queued: what the conversation said outside any case, that the message was added to its
    case (Kakao answers every message, and the menu alone would look as if it was ignored), or
    else the menu."""
    outputs: list[dict[str, Any]] = []
    used: list[Message] = []
    replies: list[dict[str, Any]] = []
    for message in messages:
        parts = message_outputs(message)
        if len(outputs) + len(parts) > responses.MAX_OUTPUTS:
            break
        outputs += parts
        used.append(message)
        replies = quick_replies((message.extra or {}).get("quick_replies")) or replies
    if not outputs:
        text = ADDED_TEXT.format(receipt_no=added_to.receipt_no) if added_to else MENU_TEXT
        outputs = [responses.simple_text(line) for line in said[: responses.MAX_OUTPUTS]] or [
            responses.simple_text(text)
        ]
        replies = quick_replies([list(option) for option in engine.MENU])
    return responses.response(outputs, replies), used


# --- after the view answered ----------------------------------------------------------------


def record_sent(message_ids: list[int], route: str) -> None:
    for message in Message.objects.filter(pk__in=message_ids, delivery=Message.Delivery.SENDING):
        delivery.record_success(message, sent_at=timezone.now(), route=route)


def back_to_queue(message_ids: list[int], reason: str) -> None:
    """The skill answer could not carry them: the delivery worker sends them (Event API, then
    the fallback chain), never dropped."""
    for message in Message.objects.filter(pk__in=message_ids):
        with transaction.atomic():
            if delivery.requeue(
                message, only_if=(Message.Delivery.SENDING,), attempts=0, last_error=reason
            ):
                deliver_message.enqueue(message.pk)


def answer_later(request_id: int, made: Made) -> None:
    """The view answered "wait": the real answer by the callbackUrl, once, while it is valid;
    otherwise (no callback, too late, refused) the messages go as notices."""
    request = SkillRequest.objects.get(pk=request_id)
    age = (timezone.now() - request.received_at).total_seconds()
    if not request.callback_url:
        back_to_queue(made.message_ids, "스킬 응답 시간 안에 만들지 못해 알림으로 보냅니다")
        return
    if age >= settings.ONTONG_KAKAO_CALLBACK_SECONDS:
        mark_callback(request_id, SkillRequest.CallbackState.FAILED, None)
        back_to_queue(made.message_ids, "콜백 유효 시간(1분)이 지나 알림으로 보냅니다")
        return
    # Exactly once: only the one who moves it to "waiting" POSTs.
    if not SkillRequest.objects.filter(
        pk=request_id, callback_state=SkillRequest.CallbackState.NONE
    ).update(callback_state=SkillRequest.CallbackState.WAITING):
        return
    error = post_callback(request.callback_url, made.response, age)
    if error:
        mark_callback(request_id, SkillRequest.CallbackState.FAILED, made.response, error)
        back_to_queue(made.message_ids, f"콜백 실패: {error}")
        return
    mark_callback(request_id, SkillRequest.CallbackState.SENT, made.response)
    record_sent(made.message_ids, route="callback")


def post_callback(url: str, response: dict[str, Any], age: float) -> str:
    """POST the SkillResponse; "" on Kakao's SUCCESS, else what went wrong."""
    timeout = min(
        settings.ONTONG_KAKAO_HTTP_TIMEOUT, max(settings.ONTONG_KAKAO_CALLBACK_SECONDS - age, 1)
    )
    try:
        got = http().post(url, json=response, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    try:
        body = got.json()
    except ValueError:
        body = {}
    status = str(body.get("status", "")) if isinstance(body, dict) else ""
    if got.status_code != 200 or status not in {"SUCCESS", ""}:
        message = body.get("message", "") if isinstance(body, dict) else ""
        return f"HTTP {got.status_code} {status} {message}".strip()[:500]
    return ""


def mark_callback(
    request_id: int, state: str, response: dict[str, Any] | None, error: str = ""
) -> None:
    values: dict[str, Any] = {
        "callback_state": state,
        "callback_response": response,
        "callback_at": timezone.now(),
    }
    if error:
        values["error"] = error
    SkillRequest.objects.filter(pk=request_id).update(**values)


def purge_old_requests(limit: int = 5000) -> int:
    """Raw skill requests hold what citizens wrote: kept ONTONG_KAKAO_SKILL_KEEP_DAYS for
    checking and reprocessing, then deleted (what matters is on the case by then). Those still
    pending are left for the recovery task."""
    before = timezone.now() - dt.timedelta(days=settings.ONTONG_KAKAO_SKILL_KEEP_DAYS)
    old = SkillRequest.objects.filter(received_at__lt=before).exclude(
        state=SkillRequest.State.PENDING
    )
    ids = list(old.values_list("pk", flat=True)[:limit])
    SkillRequest.objects.filter(pk__in=ids).delete()
    return len(ids) + forget_purged_users()


def forget_purged_users() -> int:
    """A citizen whose personal data the retention purge destroyed (their identity's user id is
    replaced, complaints.retention): their Kakao keys go too."""
    users = KakaoUser.objects.filter(identity__external_user_id__startswith=PURGED).exclude(
        bot_user_key__startswith=PURGED
    )
    count = 0
    for user in users:
        KakaoUser.objects.filter(pk=user.pk).update(
            bot_user_key=f"{PURGED}:{user.pk}", plusfriend_user_key="", app_user_id=""
        )
        SkillRequest.objects.filter(bot=user.bot_id, bot_user_key=user.bot_user_key).delete()
        count += 1
    return count
