"""Real Meta payloads that once lost, doubled or misplaced events (issue 14, intake reliability)."""

import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from ontong.channels.meta import events
from ontong.channels.meta.models import Comment, WebhookDelivery
from ontong.complaints.models import Complaint, Event, Message

from .conftest import PAGE, messaging, text_event
from .test_events import feed

pytestmark = pytest.mark.django_db


def test_a_malformed_item_between_two_messages_loses_neither(deliver_and_run):
    payload = {
        "object": "page",
        "entry": [
            {"id": PAGE, "time": 1, "messaging": [text_event(psid="a", mid="m_a")]},
            {"id": PAGE, "time": 1, "changes": 7},
            {"id": PAGE, "time": 1, "messaging": [text_event(psid="c", mid="m_c")]},
        ],
    }
    deliver_and_run(payload)
    users = set(Complaint.objects.values_list("identity__external_user_id", flat=True))
    assert users == {"a", "c"}
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "processed" and "entry[1].changes is int" in delivery.error


def test_a_delivery_that_keeps_dying_is_marked_failed_not_requeued_forever(
    post_webhook, page, run_tasks, monkeypatch
):
    def dies(*args):
        raise MemoryError("worker killed")  # outside the per-event guard, like a SIGKILL

    monkeypatch.setattr(events, "handle_payload", dies)  # the worker only
    post_webhook(messaging(text_event(mid="m_1")))
    later = timezone.now()
    for _ in range(events.MAX_ATTEMPTS + 1):
        run_tasks()  # the task fails; the delivery stays pending for the sweep
        later += dt.timedelta(seconds=events.STUCK_PENDING.total_seconds() + 1)
        events.sweep_webhooks(now=later)
        if WebhookDelivery.objects.get().state != "pending":
            break
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed" and delivery.attempts == events.MAX_ATTEMPTS
    assert "5번" in delivery.error
    assert events.sweep_webhooks(now=later + dt.timedelta(hours=1)) == 0


def test_processing_a_delivery_writes_its_row_once(post_webhook, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post_webhook(messaging(text_event(mid="m_1")))
    delivery = WebhookDelivery.objects.get()
    table = WebhookDelivery._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert events.process_delivery(delivery.pk) == "processed"
    writes = [
        q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT")) and table in q["sql"]
    ]
    assert len(writes) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("processed", 1)


def test_deep_nesting_answers_400_never_500(post_webhook, page):
    raw = b"[" * 100_000 + b"]" * 100_000
    assert post_webhook(None, raw=raw).status_code == 400
    raw = b'{"object": "page", "entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert post_webhook(None, raw=raw).status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_a_message_to_a_page_we_do_not_serve_is_ignored(deliver_and_run):
    deliver_and_run(messaging(text_event(psid="u1", mid="m_other", recipient="999999999")))
    assert not Complaint.objects.exists() and not Message.objects.exists()


def test_the_citys_public_reply_joins_the_thread_and_follows_edits_and_removal(deliver_and_run):
    deliver_and_run(feed("add"))  # a citizen's comment that opens a case (keyword rule)
    complaint = Complaint.objects.get()
    city = feed(
        "add",
        comment_id="post_1_r1",
        message="내일 고치겠습니다",
        from_id=PAGE,
        parent_id="post_1_c1",
    )
    deliver_and_run(city)
    deliver_and_run(city)  # delivered twice
    answer = complaint.messages.get(external_id="post_1_r1")
    assert (answer.direction, answer.body, answer.delivery) == ("out", "내일 고치겠습니다", "sent")
    assert complaint.events.filter(action="reply").count() == 1
    edited = feed(
        "edited",
        comment_id="post_1_r1",
        message="오늘 고쳤습니다",
        from_id=PAGE,
        parent_id="post_1_c1",
    )
    deliver_and_run(edited)
    deliver_and_run(edited)
    answer.refresh_from_db()
    assert answer.body == "오늘 고쳤습니다"
    deliver_and_run(feed("hide", comment_id="post_1_r1", from_id=PAGE, parent_id="post_1_c1"))
    assert Comment.objects.get(comment_id="post_1_r1").hidden
    removed = feed("remove", comment_id="post_1_r1", from_id=PAGE, parent_id="post_1_c1")
    deliver_and_run(removed)
    deliver_and_run(removed)
    answer.refresh_from_db()
    assert answer.deleted_at is not None
    assert complaint.events.filter(action="comment_removed").count() == 1
    assert Complaint.objects.count() == 1


def test_edits_unsends_reactions_and_removals_delivered_twice_write_one_entry(deliver_and_run):
    deliver_and_run(messaging(text_event(mid="m_1", text="가로등 고장")))
    edit = messaging(
        {
            "sender": {"id": "u1"},
            "recipient": {"id": PAGE},
            "timestamp": 1764000000001,
            "message_edit": {"mid": "m_1", "text": "가로등 두 개 고장", "num_edit": 1},
        }
    )
    react = messaging(
        {
            "sender": {"id": "u1"},
            "recipient": {"id": PAGE},
            "timestamp": 1764000000002,
            "reaction": {"mid": "m_1", "action": "react", "emoji": "👍", "reaction": "like"},
        }
    )
    unsend = messaging(text_event(mid="m_1", text="", is_deleted=True))
    for payload in (edit, edit, react, react, unsend, unsend):
        deliver_and_run(payload)
    actions = list(Event.objects.values_list("action", flat=True))
    for action in ("citizen_edited", "citizen_reaction", "citizen_unsent"):
        assert actions.count(action) == 1, action
    deliver_and_run(feed("add", comment_id="post_1_c9"))
    removal = feed("remove", comment_id="post_1_c9")
    deliver_and_run(removal)
    deliver_and_run(removal)
    assert Event.objects.filter(action="comment_removed").count() == 1


def test_a_reply_under_a_comment_joins_its_case(deliver_and_run):
    deliver_and_run(feed("add"))
    complaint = Complaint.objects.get()
    deliver_and_run(
        feed(
            "add",
            comment_id="post_1_c2",
            message="사진 보니 두 개가 꺼졌어요",
            parent_id="post_1_c1",
        )
    )
    assert Complaint.objects.count() == 1
    assert complaint.messages.filter(direction="in", external_id="post_1_c2").exists()
    assert Comment.objects.get(comment_id="post_1_c2").complaint == complaint


@pytest.mark.parametrize(
    "postback",
    [
        {"title": "시작하기", "payload": "GET_STARTED"},
        {"title": "가로등 신고는 어떻게 하나요?", "payload": "ICE_BREAKER_1"},
        {"title": "처리현황", "payload": "STATUS"},
    ],
)
def test_a_postback_without_text_starts_the_conversation_without_an_empty_case(
    deliver_and_run, postback
):
    deliver_and_run(
        messaging(
            {
                "sender": {"id": "u7"},
                "recipient": {"id": PAGE},
                "timestamp": int(time.time() * 1000),
                "postback": {**postback, "mid": "m_pb"},
            }
        )
    )
    assert not Complaint.objects.exists()
    from ontong.complaints.models import ChannelIdentity

    assert ChannelIdentity.objects.filter(external_user_id="u7").exists()
    deliver_and_run(messaging(text_event(psid="u7", mid="m_1", text="가로등이 꺼졌어요")))
    assert Complaint.objects.get().body == "가로등이 꺼졌어요"


def test_a_late_delivery_keeps_its_event_time_but_the_clock_starts_on_receipt(deliver_and_run):
    sent = timezone.now() - dt.timedelta(days=3)
    before = timezone.now()
    deliver_and_run(messaging(text_event(mid="m_late", ts=int(sent.timestamp() * 1000))))
    complaint = Complaint.objects.get()
    assert complaint.received_at >= before
    assert abs(complaint.messages.get(direction="in").sent_at - sent) < dt.timedelta(seconds=1)
    assert complaint.due_at > timezone.now()
    assert not complaint.messages.filter(purpose="progress").exists()


def test_stored_body_of_a_bad_payload_is_failed_with_a_reason(page, run_tasks):
    events.store_delivery(json.dumps({"object": "page", "entry": "x"}).encode(), "page")
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "processed" and "entry is str" in delivery.error


def test_the_emulator_refuses_cross_site_and_rebound_requests(emulator):
    import httpx

    user_message = emulator.base_url + "/_emulator/user_message"
    body = {"psid": "u1", "text": "가짜 민원"}
    evil = httpx.post(user_message, json=body, headers={"Origin": "http://evil.example"})
    assert evil.status_code == 403
    rebound = httpx.get(emulator.base_url + "/_emulator/sent", headers={"Host": "evil.example"})
    assert rebound.status_code == 403
    assert not emulator.sent
    own_page = httpx.get(emulator.base_url + "/_emulator/sent")
    assert own_page.status_code == 200
