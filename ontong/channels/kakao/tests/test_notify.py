"""Notices days later on KakaoTalk: the Event API (send, task poll, Kakao's error classes) and
what happens when it cannot carry a notice (the fallback chain, exactly once)."""

import datetime as dt
import json

import httpx
import pytest
from django.core import mail
from django.utils import timezone

from ontong.channels.alimtalk.tests.fakes import BOT_ID, nhn_ok
from ontong.channels.kakao import transport
from ontong.channels.kakao.event_api import TaskResult, parse_task
from ontong.complaints import notices
from ontong.complaints.models import Event, Message

pytestmark = pytest.mark.django_db

TALK = f"/v2/bots/{BOT_ID}/talk"


def accepted(task_id="task-1"):
    return (200, {"taskId": task_id, "status": "SUCCESS", "timestamp": 1764650000000})


def task_done(task_id="task-1"):
    return (
        200,
        {
            "taskId": task_id,
            "status": "ALL SUCCESS",
            "allRequestCount": 1,
            "successCount": 1,
            "fail": {"count": 0, "list": []},
        },
    )


def task_failed(task_id="task-1", reason="user blocked the channel"):
    return (
        200,
        {
            "taskId": task_id,
            "status": "ALL FAIL",
            "allRequestCount": 1,
            "successCount": 0,
            "fail": {"count": 1, "list": [{"userID": "bu-1", "errorMsg": reason}]},
        },
    )


def reload(message):
    return Message.objects.get(pk=message.pk)


def test_event_api_sends_to_the_bot_user_key_and_the_task_poll_confirms(fake_http, kakao_case):
    fake_http.on("POST", TALK, accepted())
    fake_http.on("GET", "/v1/tasks/task-1", task_done())
    message = kakao_case()

    assert notices.deliver(message.pk) == Message.Delivery.SENT
    sent = reload(message)
    assert (sent.route, sent.external_id) == ("kakao", "task-1")
    request = fake_http.requests[0]
    assert request.url == f"https://bot-api.test{TALK}"
    assert request.headers["Authorization"] == "KakaoAK rest-key-1"
    body = json.loads(request.content)
    assert body["event"] == {"name": "ontong_notice", "data": {"text": message.body}}
    assert body["user"] == [{"type": "botUserKey", "id": "bu-1"}]
    assert body["params"]["receipt_no"] == message.complaint.receipt_no

    assert transport.check_delivery(message.pk, 0) == Message.Delivery.DELIVERED
    assert reload(message).delivery == Message.Delivery.DELIVERED
    assert len(fake_http.sent(TALK)) == 1


def test_a_task_still_running_is_asked_again_later_and_left_sent_when_kakao_never_says(
    fake_http, kakao_case
):
    fake_http.on("POST", TALK, accepted())
    fake_http.on("GET", "/v1/tasks/", (200, {"taskId": "task-1", "status": "PROCESSING"}))
    message = kakao_case()
    notices.deliver(message.pk)
    assert transport.check_delivery(message.pk, 0) == "waiting"
    last = len(transport.POLL_DELAYS) - 1
    assert transport.check_delivery(message.pk, last) == "unconfirmed"
    assert reload(message).delivery == Message.Delivery.SENT
    assert Event.objects.filter(complaint=message.complaint, action="delivery_unconfirmed").exists()


def test_kakao_refusing_the_key_sends_the_notice_by_the_consented_fallback(fake_http, kakao_case):
    fake_http.on("POST", TALK, (403, {"message": "wallet is not connected"}))
    message = kakao_case(consent=True)

    notices.deliver(message.pk)
    sent = reload(message)
    assert (sent.delivery, sent.route) == (Message.Delivery.SENT, "email")
    assert len(mail.outbox) == 1
    note = Event.objects.get(complaint=message.complaint, action="delivery_fallback").note
    assert "403" in note and "wallet" in note


def test_an_unknown_user_without_any_fallback_is_held_and_flagged(fake_http, kakao_case):
    fake_http.on("POST", TALK, (400, {"message": "invalid user: bu-1"}))
    message = kakao_case()
    assert notices.deliver(message.pk) == Message.Delivery.HELD
    held = Event.objects.get(complaint=message.complaint, action="delivery_held")
    assert "invalid user" in held.note


def test_kakao_5xx_is_retried_later(fake_http, kakao_case):
    fake_http.on("POST", TALK, (502, {}), accepted())
    message = kakao_case(consent=True)
    assert notices.deliver(message.pk) == Message.Delivery.QUEUED
    waiting = reload(message)
    assert "502" in waiting.last_error and waiting.next_attempt_at > timezone.now()
    assert mail.outbox == []  # a temporary error does not jump to another route
    assert notices.deliver(message.pk) == Message.Delivery.SENT
    assert len(fake_http.sent(TALK)) == 2


def test_a_timeout_is_never_resent_nor_sent_by_another_route(fake_http, kakao_case):
    fake_http.on("POST", TALK, httpx.ReadTimeout("read timed out"))
    message = kakao_case(consent=True)
    assert notices.deliver(message.pk) == Message.Delivery.UNKNOWN

    Message.objects.filter(pk=message.pk).update(
        attempted_at=timezone.now() - dt.timedelta(minutes=11)
    )
    notices.sweep_deliveries()
    failed = reload(message)
    assert failed.delivery == Message.Delivery.FAILED
    assert "전달 여부를 알 수 없습니다" in failed.last_error
    assert len(fake_http.sent(TALK)) == 1 and mail.outbox == []
    assert Event.objects.filter(complaint=message.complaint, action="delivery_failed").exists()


def test_a_failed_task_sends_the_notice_by_the_next_route_exactly_once(fake_http, kakao_case):
    fake_http.on("POST", TALK, accepted())
    fake_http.on("GET", "/v1/tasks/task-1", task_failed())
    message = kakao_case(consent=True)
    notices.deliver(message.pk)

    assert transport.check_delivery(message.pk, 0) == Message.Delivery.SENT
    sent = reload(message)
    assert sent.route == "email" and len(mail.outbox) == 1
    assert "user blocked the channel" in sent.extra["kakao_event_failed"]
    # A second report (a repeated check) finds nothing to do: no second e-mail, no new POST.
    assert transport.check_delivery(message.pk, 1) == "skipped"
    assert len(mail.outbox) == 1 and len(fake_http.sent(TALK)) == 1


def test_a_check_arriving_while_another_falls_back_leaves_the_notice_alone(fake_http, kakao_case):
    # The moment between one check recording the failure and its fallback finishing: the notice
    # reads 'sending' again, which is not a send still being recorded.
    fake_http.on("POST", TALK, accepted())
    message = kakao_case(consent=True)
    notices.deliver(message.pk)
    Message.objects.filter(pk=message.pk).update(
        delivery=Message.Delivery.SENDING,
        extra={**reload(message).extra, "kakao_event_failed": "카카오톡으로 전달되지 않았습니다"},
    )
    checks_before = len(fake_http.requests)

    assert transport.check_delivery(message.pk, 0) == "skipped"
    assert len(fake_http.requests) == checks_before and mail.outbox == []


def test_a_failure_report_read_before_another_fallback_finished_sends_nothing_more(
    fake_http, kakao_case
):
    fake_http.on("POST", TALK, accepted())
    fake_http.on("GET", "/v1/tasks/task-1", task_failed())
    message = kakao_case(consent=True)
    notices.deliver(message.pk)
    stale = reload(message)  # read while it was still 'sent' by KakaoTalk
    assert transport.check_delivery(message.pk, 0) == Message.Delivery.SENT  # fell back: e-mail
    assert len(mail.outbox) == 1

    assert notices.not_delivered(stale, "kakao", "늦게 온 실패 보고") == "skipped"
    assert len(mail.outbox) == 1 and reload(message).route == "email"


def test_a_notice_resent_after_a_failed_task_does_not_go_to_the_event_api_again(
    fake_http, kakao_case
):
    fake_http.on("POST", TALK, accepted())
    fake_http.on("GET", "/v1/tasks/task-1", task_failed())
    message = kakao_case()  # no consent: nothing else reaches, so it is held
    notices.deliver(message.pk)
    assert transport.check_delivery(message.pk, 0) == Message.Delivery.HELD
    notices.resend(reload(message))
    assert notices.deliver(message.pk) == Message.Delivery.HELD
    assert len(fake_http.sent(TALK)) == 1


def test_a_long_notice_goes_in_parts_and_a_retry_sends_only_the_parts_not_yet_accepted(
    fake_http, kakao_case
):
    fake_http.on("POST", TALK, accepted("t1"), (503, {}), accepted("t2"))
    body = "\n".join(f"{n}번째 줄의 처리 결과 설명입니다." for n in range(60))
    message = kakao_case(body=body)
    assert notices.deliver(message.pk) == Message.Delivery.QUEUED
    assert notices.deliver(message.pk) == Message.Delivery.SENT
    texts = [b["event"]["data"]["text"] for b in fake_http.sent(TALK)]
    assert len(texts) == 3 and texts[1] == texts[2]  # the first part was not sent again
    assert all(len(t) <= 1000 for t in texts)
    assert (texts[0] + texts[2]).replace("\n", "") == body.replace("\n", "")
    assert reload(message).extra["kakao_tasks"] == ["t1", "t2"]


def test_plusfriend_user_key_is_used_when_there_is_no_bot_user_key(fake_http, kakao_case):
    from ontong.channels.kakao.models import KakaoUser

    fake_http.on("POST", TALK, accepted())
    message = kakao_case()
    KakaoUser.objects.update(bot_user_key="")
    notices.deliver(message.pk)
    assert fake_http.sent(TALK)[0]["user"] == [{"type": "plusfriendUserKey", "id": "pf-1"}]


def test_with_the_event_api_off_the_chain_is_alimtalk_then_email_then_sms(
    fake_http, kakao_case, kakao_bot, alimtalk_on, settings
):
    settings.ONTONG_SMS_URL = "https://sms.test/send"
    kakao_bot.event_api_enabled = False
    kakao_bot.save()
    fake_http.on("POST", "/alimtalk/v2.3/", nhn_ok())
    message = kakao_case(consent=True)

    notices.deliver(message.pk)
    sent = reload(message)
    assert sent.route == "alimtalk" and sent.external_id.startswith("alimtalk:")
    assert fake_http.sent(TALK) == [] and mail.outbox == []
    assert [r.url.host for r in fake_http.requests] == ["nhn.test"]

    # 알림톡 refused for good (template pulled): the next route in order is e-mail, not SMS.
    alimtalk_on.state = "TSC04"
    alimtalk_on.save()
    second = notices.queue_notice(message.complaint, "result", "두 번째 결과 안내")
    notices.deliver(second.pk)
    assert reload(second).route == "email" and len(mail.outbox) == 1

    # Without an e-mail address, SMS.
    fake_http.on("POST", "/send", (200, {"id": "sms-1"}))
    message.complaint.citizen.email = ""
    message.complaint.citizen.save()
    third = notices.queue_notice(message.complaint, "result", "세 번째 결과 안내")
    notices.deliver(third.pk)
    assert reload(third).route == "sms"


def test_task_results_are_read_as_kakao_writes_them():
    assert parse_task({"taskId": "t", "status": "SUCCESS"}, "t").outcome == "delivered"
    assert parse_task({"taskId": "t", "status": "PROCESSING"}, "t").outcome == "pending"
    partial = {"status": "PARTIAL SUCCESS", "allRequestCount": 2, "successCount": 1}
    assert parse_task(partial, "t").outcome == "pending"
    assert parse_task(task_done()[1], "task-1").outcome == "delivered"
    failed = parse_task(task_failed()[1], "task-1")
    assert failed.outcome == "failed" and failed.reasons == ["user blocked the channel"]
    assert TaskResult("t", "FAIL").outcome == "failed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_checking_a_failed_task_at_once_send_the_notice_once(
    fake_http, kakao_case, concurrently
):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (SQLite serialises writers)")
    fake_http.on("POST", TALK, accepted())
    fake_http.on("GET", "/v1/tasks/task-1", task_failed())
    message = kakao_case(consent=True)
    notices.deliver(message.pk)
    start = threading.Barrier(2)

    def worker(_index):
        start.wait()
        return transport.check_delivery(message.pk, 0)

    outcomes = sorted(concurrently(worker, 2))
    assert outcomes == [Message.Delivery.SENT, "skipped"]
    assert len(mail.outbox) == 1 and reload(message).route == "email"
