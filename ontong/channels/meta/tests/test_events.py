import datetime as dt
import time

import pytest
from django.utils import timezone

from ontong.channels.meta.models import Comment, WebhookDelivery
from ontong.complaints.models import Attachment, Complaint, Event, Message

from .conftest import IG, PAGE, messaging, text_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(post_webhook, page, run_tasks):
    def send(payload):
        assert post_webhook(payload).status_code == 200
        run_tasks()
        assert WebhookDelivery.objects.exclude(state="processed").count() == 0, (
            WebhookDelivery.objects.exclude(state="processed").values_list("error", flat=True)
        )

    return send


def outbound(complaint=None):
    queryset = Message.objects.filter(direction="out")
    return queryset.filter(complaint=complaint) if complaint else queryset


def test_first_message_opens_a_complaint_with_acknowledgement_and_menu(deliver):
    deliver(messaging(text_event(psid="u1", mid="m_1")))
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.identity.external_user_id) == ("messenger", "u1")
    ack = outbound(complaint).get(purpose="ack")
    assert complaint.receipt_no in ack.body and "예상 처리기한" in ack.body
    assert [title for title, _ in ack.extra["quick_replies"]] == [
        "새 민원",
        "처리현황",
        "담당자 연결",
    ]


def test_follow_ups_join_the_open_complaint_until_new_is_chosen(deliver):
    deliver(messaging(text_event(mid="m_1", text="가로등이 고장")))
    deliver(messaging(text_event(mid="m_2", text="위치는 시청 앞입니다")))
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().messages.filter(direction="in").count() == 2
    deliver(
        messaging(text_event(mid="m_3", text="새 민원", quick_reply={"payload": "NEW_COMPLAINT"}))
    )
    deliver(messaging(text_event(mid="m_4", text="다른 문제: 쓰레기 무단투기")))
    assert Complaint.objects.count() == 2
    assert Complaint.objects.order_by("-pk").first().body == "다른 문제: 쓰레기 무단투기"


def test_status_by_word_and_by_receipt_number(deliver):
    deliver(messaging(text_event(mid="m_1")))
    complaint = Complaint.objects.get()
    deliver(messaging(text_event(mid="m_2", text="처리현황")))
    deliver(messaging(text_event(mid="m_3", text=f"{complaint.receipt_no} 어떻게 됐나요")))
    answers = outbound(complaint).filter(
        purpose="reply", body__startswith=f"민원 {complaint.receipt_no}: 접수"
    )
    assert answers.count() == 2 and Complaint.objects.count() == 1


def test_agent_request_is_recorded(deliver):
    deliver(messaging(text_event(mid="m_1")))
    deliver(messaging(text_event(mid="m_2", text="담당자 연결", quick_reply={"payload": "AGENT"})))
    assert Event.objects.filter(action="agent_requested").exists()


def test_attachments_of_every_kind(deliver, run_tasks):
    attachments = [
        {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/a.jpg"}},
        {"type": "image", "payload": {"url": "https://evil.example.com/x.jpg"}},
        {
            "type": "sticker",
            "payload": {"url": "https://scontent.fbcdn.net/s.png", "sticker_id": 369239263222822},
        },
        {"type": "reel", "payload": {"url": "https://x", "title": "릴스"}},
        {"type": "share", "payload": {"url": "https://x"}},
        {"type": "story_mention", "payload": {"url": "https://x"}},
        {"type": "unsupported_type", "payload": {}},
        {"type": "brand_new_kind"},
    ]
    deliver(messaging(text_event(mid="m_1", text="사진 보냅니다", attachments=attachments)))
    body = Complaint.objects.get().body
    for label in [
        "[스티커]",
        "[릴스: 릴스]",
        "[공유]",
        "[스토리 언급]",
        "[지원하지 않는 형식]",
        "[brand_new_kind]",
    ]:
        assert label in body
    items = Attachment.objects.order_by("pk")
    assert items.count() == 2
    assert items[1].fetch_error.startswith("허용되지 않은 주소")  # never fetched


def test_echoes_never_open_complaints_and_business_suite_replies_join_the_thread(deliver):
    deliver(messaging(text_event(mid="m_1")))
    complaint = Complaint.objects.get()
    echo = {
        "sender": {"id": PAGE},
        "recipient": {"id": "u1"},
        "timestamp": int(time.time() * 1000),
        "message": {
            "mid": "m_echo",
            "text": "비즈니스 스위트에서 답장",
            "is_echo": True,
            "app_id": 1,
        },
    }
    stranger = {
        **echo,
        "recipient": {"id": "nobody"},
        "message": {**echo["message"], "mid": "m_echo2"},
    }
    deliver(messaging(echo, stranger))
    assert Complaint.objects.count() == 1
    suite = outbound(complaint).get(external_id="m_echo")
    assert suite.route == "meta-business-suite" and suite.delivery == "sent"
    ours = outbound(complaint).get(purpose="ack")
    Message.objects.filter(pk=ours.pk).update(delivery="unknown")
    deliver(
        messaging(
            {
                **echo,
                "message": {"mid": "m_echo3", "is_echo": True, "metadata": f"ontong:{ours.pk}:0"},
            }
        )
    )
    ours.refresh_from_db()
    assert ours.delivery == "sent" and ours.external_id == "m_echo3"


def test_edit_unsend_and_reaction(deliver):
    deliver(messaging(text_event(mid="m_1", text="가로등 고장 010-1234-5678")))
    deliver(
        messaging(
            {
                "sender": {"id": "u1"},
                "recipient": {"id": PAGE},
                "timestamp": 1,
                "message_edit": {"mid": "m_1", "text": "가로등 두 개 고장", "num_edit": 1},
            }
        )
    )
    message = Message.objects.get(external_id="m_1")
    assert message.body == "가로등 두 개 고장"
    deliver(
        messaging(
            {
                "sender": {"id": "u1"},
                "recipient": {"id": PAGE},
                "reaction": {"mid": "m_1", "action": "react", "emoji": "👍", "reaction": "like"},
            }
        )
    )
    deliver(messaging(text_event(mid="m_1", text="", is_deleted=True)))
    message.refresh_from_db()
    assert message.deleted_at and "취소" in message.body
    assert {"citizen_edited", "citizen_reaction", "citizen_unsent"} <= set(
        Event.objects.values_list("action", flat=True)
    )


def test_status_events_create_nothing_and_update_delivery(deliver):
    deliver(messaging(text_event(mid="m_1")))
    ack = outbound().get(purpose="ack")
    Message.objects.filter(pk=ack.pk).update(
        external_id="m_out_1", delivery="sent", sent_at=timezone.now()
    )
    before = (Complaint.objects.count(), Message.objects.count())
    deliver(
        messaging(
            {
                "sender": {"id": "u1"},
                "recipient": {"id": PAGE},
                "delivery": {"mids": ["m_out_1"], "watermark": 1},
            }
        )
    )
    ack.refresh_from_db()
    assert ack.delivery == "delivered"
    deliver(
        messaging(
            {
                "sender": {"id": "u1"},
                "recipient": {"id": PAGE},
                "timestamp": 1,
                "read": {"watermark": int(time.time() * 1000) + 60_000},
            }
        )
    )
    ack.refresh_from_db()
    assert ack.delivery == "read"
    assert (Complaint.objects.count(), Message.objects.count()) == before


def receipt(kind: str, **status) -> dict:
    return {"sender": {"id": "u1"}, "recipient": {"id": PAGE}, "timestamp": 1, kind: status}


def test_receipts_move_notices_only_forward_and_settle_a_timed_out_send(deliver):
    deliver(messaging(text_event(mid="m_1")))
    ack = outbound().get(purpose="ack")
    late = int(time.time() * 1000) + 60_000
    for state in ("failed", "held"):
        Message.objects.filter(pk=ack.pk).update(
            external_id="m_out_1", delivery=state, sent_at=timezone.now(), last_error="x"
        )
        deliver(messaging(receipt("read", watermark=late)))
        deliver(messaging(receipt("delivery", mids=["m_out_1"])))
        ack.refresh_from_db()
        assert (ack.delivery, ack.last_error) == (state, "x")
    Message.objects.filter(pk=ack.pk).update(
        delivery="unknown", last_error="시간 초과: 전달 확인 중", sent_at=timezone.now()
    )
    deliver(messaging(receipt("read", watermark=late)))
    ack.refresh_from_db()
    assert (ack.delivery, ack.last_error) == ("read", "")
    deliver(messaging(receipt("delivery", mids=["m_out_1"])))  # late: never back to delivered
    ack.refresh_from_db()
    assert ack.delivery == "read"


@pytest.mark.parametrize(
    "event",
    [
        {
            "recipient": {"id": PAGE},
            "timestamp": 1,
            "policy-enforcement": {"action": "block", "reason": "spam"},
        },
        {
            "sender": {"id": "u1"},
            "recipient": {"id": PAGE},
            "timestamp": 1,
            "referral": {"ref": "qr", "source": "SHORTLINK"},
        },
        {"sender": {"id": "u1"}, "recipient": {"id": PAGE}, "timestamp": 1, "optin": {"ref": "x"}},
        {
            "sender": {"id": "u1"},
            "recipient": {"id": PAGE},
            "timestamp": 1,
            "pass_thread_control": {"new_owner_app_id": 1},
        },
        {
            "sender": {"id": "u1"},
            "recipient": {"id": PAGE},
            "timestamp": 1,
            "something_new": {"a": 1},
        },
        {"weird": True},
    ],
    ids=["policy", "referral", "optin", "handover", "unknown", "junk"],
)
def test_other_kinds_are_kept_and_ignored(deliver, event):
    deliver(messaging(event))
    assert not Complaint.objects.exists()


def test_a_menu_postback_counts_as_its_quick_reply(deliver):
    deliver(messaging(text_event(psid="u7", mid="m_1", text="가로등이 꺼졌어요")))
    deliver(
        messaging(
            {
                "sender": {"id": "u7"},
                "recipient": {"id": PAGE},
                "timestamp": 1764000000000,
                "postback": {"title": "처리현황", "payload": "STATUS", "mid": "m_pb"},
            }
        )
    )
    complaint = Complaint.objects.get()
    assert outbound(complaint).filter(body__startswith=f"민원 {complaint.receipt_no}").exists()


def test_legacy_and_odd_formats(deliver):
    deliver(
        {
            "object": "page",
            "entry": [
                {
                    "id": int(PAGE),
                    "time": 1,
                    "messaging": [
                        {
                            "sender": {"id": 9988776655},
                            "recipient": {"id": int(PAGE)},
                            "message": {
                                "mid": "mid.1457764197618:41d102a3e1ae206a38",
                                "text": "숫자 id, 시간 없음",
                            },
                        },
                    ],
                },
                {
                    "id": "other-entry-id",
                    "messaging": [
                        {
                            "sender_id": "legacy1",
                            "recipient": {"id": PAGE},
                            "timestamp": 1764000000000,
                            "message": {"mid": "m_legacy", "text": "옛 형식"},
                        },
                    ],
                },
                {"id": PAGE},
                {
                    "id": PAGE,
                    "standby": [
                        text_event(psid="standby-user", mid="m_standby", text="대기 중 메시지")
                    ],
                },
                "not-a-dict",
            ],
        }
    )
    users = set(Complaint.objects.values_list("identity__external_user_id", flat=True))
    assert users == {"9988776655", "legacy1", "standby-user"}


def test_instagram_direct_messages(deliver):
    deliver(
        messaging(
            text_event(psid="igsid1", mid="aWdfZAG1", recipient=IG, text="인스타로 신고합니다"),
            obj="instagram",
            entry_id=IG,
        )
    )
    assert Complaint.objects.get().channel == "instagram"


def feed(
    verb, comment_id="post_1_c1", message="가로등 고장 신고합니다", from_id="citizen-9", **extra
):
    value = {
        "item": "comment",
        "verb": verb,
        "comment_id": comment_id,
        "post_id": f"{PAGE}_1",
        "parent_id": f"{PAGE}_1",
        "from": {"id": from_id, "name": "시민"},
        "created_time": int(time.time()),
        "message": message,
        **extra,
    }
    return {
        "object": "page",
        "entry": [{"id": PAGE, "time": 1, "changes": [{"field": "feed", "value": value}]}],
    }


def test_comments_become_complaints_by_rule_with_one_private_reply(deliver):
    deliver(feed("add"))
    deliver(feed("add"))  # delivered twice
    deliver(feed("add", comment_id="post_1_c2", message="좋은 소식이네요"))
    deliver(
        feed("add", comment_id="post_1_c3", message="민원 고장", from_id=PAGE)
    )  # the city itself
    complaint = Complaint.objects.get()
    assert complaint.channel == "fb_comment"
    reply = outbound(complaint).get()
    assert reply.extra == {"private_reply_to": "post_1_c1"} and complaint.receipt_no in reply.body
    assert (
        Comment.objects.filter(by_city=False).count() == 2
        and Comment.objects.get(comment_id="post_1_c2").complaint is None
    )
    deliver(feed("edited", message="가로등 두 개 고장"))
    deliver(feed("hide"))
    deliver(feed("remove"))
    comment = Comment.objects.get(comment_id="post_1_c1")
    assert comment.removed_at and comment.hidden and comment.message == "가로등 두 개 고장"
    assert complaint.events.filter(action="comment_removed").exists()


def test_legacy_feed_sender_fields(deliver):
    payload = feed("add")
    value = payload["entry"][0]["changes"][0]["value"]
    del value["from"]
    value.update(sender_id="legacy-sender", sender_name="옛 형식")
    deliver(payload)
    assert Comment.objects.get().from_id == "legacy-sender"


def test_instagram_comment(deliver):
    deliver(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": IG,
                    "time": 1,
                    "changes": [
                        {
                            "field": "comments",
                            "value": {
                                "id": "ig_c1",
                                "text": "쓰레기 불법 투기 신고",
                                "from": {"id": "igu", "username": "citizen"},
                                "media": {"id": "m1", "media_product_type": "FEED"},
                            },
                        }
                    ],
                }
            ],
        }
    )
    assert Complaint.objects.get().channel == "ig_comment"


def test_a_failing_event_does_not_lose_the_rest_of_the_batch(
    deliver, monkeypatch, post_webhook, run_tasks
):
    from ontong.channels.meta import conversation

    original = conversation.inbound

    def flaky(account, channel, sender, message, when):
        if message.get("mid") == "m_bad":
            raise RuntimeError("boom")
        return original(account, channel, sender, message, when)

    monkeypatch.setattr(conversation, "inbound", flaky)
    post_webhook(messaging(text_event(psid="a", mid="m_bad"), text_event(psid="b", mid="m_good")))
    run_tasks()
    assert Complaint.objects.get().identity.external_user_id == "b"
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed" and "boom" in delivery.error


def test_consent_question_when_the_case_outlasts_the_window(deliver, monkeypatch):
    from ontong.complaints import services

    monkeypatch.setattr(
        services.deadlines, "due_at", lambda *args, **kwargs: timezone.now() + dt.timedelta(days=5)
    )
    deliver(messaging(text_event(mid="m_1")))
    complaint = Complaint.objects.get()
    question = outbound(complaint).get(body__contains="문자나 이메일")
    assert [p for _, p in question.extra["quick_replies"]] == [
        "CONSENT_SMS",
        "CONSENT_EMAIL",
        "CONSENT_NONE",
    ]
    deliver(
        messaging(
            text_event(mid="m_2", text="이메일로 받기", quick_reply={"payload": "CONSENT_EMAIL"})
        )
    )
    deliver(messaging(text_event(mid="m_3", text="not-an-email")))
    deliver(messaging(text_event(mid="m_4", text="citizen@example.kr")))
    complaint.citizen.refresh_from_db()
    assert complaint.citizen.email == "citizen@example.kr" and complaint.citizen.contact_consent_at
    assert Complaint.objects.count() == 1
