"""Notices to a KakaoTalk citizen that no skill request is waiting for (a result days later).

A reply during a conversation goes in the skill response or its callback (kakao-intake marks
those sent, route "skill"/"callback"). Whatever is left is sent here by the Event API when the
bot has it on; otherwise WindowClosed, and the notice takes the fallback chain (알림톡, e-mail,
SMS, then held and flagged: complaints/notices.fall_back).

Kakao's POST answers with a task id at once; whether the message reached the citizen is known
only later (GET /v1/tasks/{id}). We do not wait for it in the worker: the send records the notice
as sent (Kakao accepted it) and queues a check a few seconds later, which repeats with growing
gaps a bounded number of times (POLL_DELAYS, about 9 minutes in all). A blocking loop would
hold a worker — of a small city's one or two — for the length of Kakao's queue, and a worker
killed mid-loop would lose the outcome; a queued check survives restarts and costs nothing
between polls. The check turns the notice 'delivered' (전달됨) on success, sends it by the next
route when Kakao reports it did not arrive (blocked channel, not a chatbot user), and leaves it
'sent' with a note on the case when Kakao never says.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from ontong.channels.base import TemporaryError, Transport, WindowClosed, split_text
from ontong.complaints import notices
from ontong.complaints.models import Event, Message

from .apps import KAKAO
from .event_api import EventApiClient, user_for
from .models import KakaoBot, KakaoUser
from .tasks import check_event_task

log = logging.getLogger(__name__)

TEXT_LIMIT = KAKAO.max_text or 1000  # simpleText: 1,000 characters
# Seconds before each check of a task's result; after the last, the notice stays 'sent'. Not
# delivery.Backoff: nothing failed (the result is just not in yet), nothing is sent again, and
# the documented delays are no doubling. Webhook retries use Backoff (api/webhooks.BACKOFF).
POLL_DELAYS = (5, 15, 30, 60, 120, 300)
ROUTE = "kakao"


class KakaoTransport(Transport):
    channel = "kakao"

    def send(self, message: Message) -> str:
        if message.extra.get("kakao_event_failed"):
            raise WindowClosed(f"카카오톡 전달 실패: {message.extra['kakao_event_failed']}")
        bot = KakaoBot.objects.filter(bot_id=message.account, is_active=True).first()
        if bot is None:
            raise WindowClosed(f"카카오톡 챗봇 {message.account}이(가) 없거나 꺼져 있습니다.")
        if not (bot.event_api_enabled and bot.rest_api_key and bot.event_name):
            raise WindowClosed(
                "카카오톡 챗봇은 민원인이 말을 걸 때만 답할 수 있고, "
                "먼저 보내는 Event API가 설정되어 있지 않습니다."
            )
        identity = message.complaint.identity
        kakao_user = (
            KakaoUser.objects.filter(identity=identity, bot=bot).first() if identity else None
        )
        user = user_for(kakao_user)
        if user is None:
            raise WindowClosed("이 민원인의 카카오톡 사용자 키가 없습니다.")
        client = EventApiClient.for_bot(bot)
        parts = split_text(message.body, TEXT_LIMIT)
        # Parts Kakao already accepted on an earlier attempt are not sent again.
        tasks: list[str] = list(message.extra.get("kakao_tasks", []))
        for number in range(len(tasks), len(parts)):
            task_id = client.send(
                bot.event_name,
                user,
                parts[number],
                params={
                    "receipt_no": message.complaint.receipt_no,
                    "part": f"{number + 1}/{len(parts)}",
                },
            )
            tasks.append(task_id)
            message.extra = {**message.extra, "kakao_tasks": tasks}
            Message.objects.filter(pk=message.pk).update(extra=message.extra)
        schedule_check(message.pk, 0)
        return tasks[-1]


def schedule_check(message_id: int, round_: int) -> None:
    delay = dt.timedelta(seconds=POLL_DELAYS[min(round_, len(POLL_DELAYS) - 1)])
    check_event_task.using(run_after=timezone.now() + delay).enqueue(message_id, round_)


def check_delivery(message_id: int, round_: int = 0) -> str:
    """One look at the Kakao tasks of a notice sent by the Event API (see module docstring)."""
    message = (
        Message.objects.select_related("complaint__citizen", "complaint__identity")
        .filter(pk=message_id)
        .first()
    )
    if message is None or "kakao_event_failed" in message.extra:
        return "skipped"  # gone, or another check already found the failure and fell back
    if message.delivery == Message.Delivery.SENDING and round_ < len(POLL_DELAYS):
        schedule_check(message_id, round_ + 1)  # the send has not been recorded yet
        return "waiting"
    if message.delivery != Message.Delivery.SENT or message.route != ROUTE:
        return "skipped"
    bot = KakaoBot.objects.filter(bot_id=message.account).first()
    tasks = message.extra.get("kakao_tasks", [])
    if bot is None or not tasks:
        return "skipped"
    client = EventApiClient.for_bot(bot)
    try:
        results = [client.task(task_id) for task_id in tasks]
    except TemporaryError as exc:
        log.warning("Kakao task check for message %s: %s", message_id, exc)
        results = []
    outcomes = [result.outcome for result in results]
    if results and "failed" in outcomes:
        reasons = [reason for result in results for reason in result.reasons if reason]
        reason = "카카오톡으로 전달되지 않았습니다" + (
            f" ({', '.join(reasons)})" if reasons else ""
        )
        with transaction.atomic():
            extra = {**message.extra, "kakao_event_failed": reason}
            Message.objects.filter(pk=message.pk).update(extra=extra)
            message.extra = extra
        return notices.not_delivered(message, ROUTE, reason)
    if results and all(outcome == "delivered" for outcome in outcomes):
        notices.mark_delivered(message)
        return Message.Delivery.DELIVERED
    if round_ + 1 < len(POLL_DELAYS):
        schedule_check(message_id, round_ + 1)
        return "waiting"
    Event.objects.create(
        complaint=message.complaint,
        action="delivery_unconfirmed",
        note=f"{message.get_purpose_display()}: 카카오가 전달 결과를 알려 주지 않았습니다 "
        "(보냄으로 둠, 민원인에게 확인 필요).",
        data={"message": message.pk},
    )
    return "unconfirmed"
