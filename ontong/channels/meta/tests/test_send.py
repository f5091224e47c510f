"""The Send API through the emulator: windows, tags, Meta's error classes, the fallback chain."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from ontong.channels.base import PermanentError
from ontong.channels.meta.graph import GraphClient
from ontong.channels.meta.models import MetaAccount
from ontong.complaints import notices
from ontong.complaints.models import ChannelIdentity, Complaint, Message
from ontong.complaints.workflow import perform

from .conftest import PAGE, TOKEN, messaging, text_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(page, emulator):
    page.graph_url = f"{emulator.base_url}/v25.0"
    page.save()
    return page


@pytest.fixture
def citizen_writes(post_webhook, run_tasks, emulator, account):
    def write(text="가로등이 고장났어요", psid="u1", mid=None, **message):
        emulator.last_user_message[psid] = time.time()
        post_webhook(
            messaging(text_event(psid=psid, mid=mid or f"m_{time.time_ns()}", text=text, **message))
        )
        run_tasks()
        return Complaint.objects.filter(identity__external_user_id=psid).order_by("-pk").first()

    return write


def window_passes(complaint, emulator, hours=25):
    ChannelIdentity.objects.filter(pk=complaint.identity_id).update(
        last_inbound_at=timezone.now() - dt.timedelta(hours=hours)
    )
    emulator.age(complaint.identity.external_user_id, hours)


def staff_reply(complaint, staff, text="담당자 답변입니다"):
    perform(complaint, "reply", staff["triage"], text=text)
    return complaint.messages.filter(purpose="reply", direction="out").latest("pk")


def test_acknowledgement_goes_as_response_with_quick_replies(citizen_writes, emulator):
    complaint = citizen_writes()
    sent = emulator.sent[-1]
    assert sent["messaging_type"] == "RESPONSE" and "tag" not in sent
    assert complaint.receipt_no in sent["message"]["text"]
    assert [q["payload"] for q in sent["message"]["quick_replies"]] == [
        "NEW_COMPLAINT",
        "STATUS",
        "AGENT",
    ]
    ack = complaint.messages.get(purpose="ack")
    assert (
        ack.delivery == "sent"
        and ack.external_id == sent["message_id"]
        and ack.route == "messenger"
    )
    assert sent["message"]["metadata"] == f"ontong:{ack.pk}:0"


def test_staff_reply_inside_the_window_appears_with_its_delivery_state(
    citizen_writes, emulator, staff, run_tasks
):
    complaint = citizen_writes()
    reply = staff_reply(complaint, staff)
    run_tasks()
    reply.refresh_from_db()
    assert reply.delivery == "sent" and emulator.sent[-1]["message"]["text"] == "담당자 답변입니다"


def test_after_the_window_human_agent_only_for_staff_and_only_when_enabled(
    citizen_writes, emulator, staff, run_tasks, account
):
    complaint = citizen_writes()
    window_passes(complaint, emulator, hours=30)
    account.human_agent_enabled = True
    account.save()
    reply = staff_reply(complaint, staff)
    run_tasks()
    reply.refresh_from_db()
    assert reply.delivery == "sent"
    assert (emulator.sent[-1]["messaging_type"], emulator.sent[-1]["tag"]) == (
        "MESSAGE_TAG",
        "HUMAN_AGENT",
    )
    automated = notices.queue_notice(complaint, Message.Purpose.REPLY, "자동 안내")
    run_tasks()
    automated.refresh_from_db()
    assert automated.delivery == "held"  # never HUMAN_AGENT for automated text
    window_passes(complaint, emulator, hours=8 * 24)
    late = staff_reply(complaint, staff, "8일 뒤 답변")
    run_tasks()
    late.refresh_from_db()
    assert late.delivery == "held"


def test_window_closed_goes_to_consented_email(
    citizen_writes, emulator, staff, run_tasks, mailoutbox
):
    complaint = citizen_writes()
    citizen = complaint.citizen
    citizen.email, citizen.contact_consent_at = "citizen@example.kr", timezone.now()
    citizen.save()
    window_passes(complaint, emulator)
    sent_before = len(emulator.sent)
    reply = staff_reply(complaint, staff, "결과: 가로등을 고쳤습니다")
    run_tasks()
    reply.refresh_from_db()
    assert (reply.delivery, reply.route) == ("sent", "email")
    assert (
        mailoutbox[-1].to == ["citizen@example.kr"] and "가로등을 고쳤습니다" in mailoutbox[-1].body
    )
    assert len(emulator.sent) == sent_before
    assert complaint.events.filter(action="delivery_fallback").exists()


def test_window_closed_goes_to_consented_sms_gateway(
    citizen_writes, emulator, staff, run_tasks, settings
):
    settings.ONTONG_SMS_URL = f"{emulator.base_url}/sms"
    complaint = citizen_writes()
    citizen = complaint.citizen
    citizen.phone, citizen.contact_consent_at = "010-1234-5678", timezone.now()
    citizen.save()
    window_passes(complaint, emulator)
    reply = staff_reply(complaint, staff)
    run_tasks()
    reply.refresh_from_db()
    assert reply.route == "sms", (reply.delivery, reply.last_error)
    assert emulator.sms[-1]["to"] == "010-1234-5678"


def test_no_fallback_holds_the_notice_until_the_citizen_writes_again(
    citizen_writes, emulator, staff, run_tasks, client
):
    complaint = citizen_writes()
    window_passes(complaint, emulator)
    reply = staff_reply(complaint, staff, "나중에 도착할 답변")
    run_tasks()
    reply.refresh_from_db()
    assert reply.delivery == "held"
    assert complaint.events.get(action="delivery_held").note.startswith("통보 대기: 직접 연락 필요")
    client.force_login(staff["triage"])
    page = client.get(f"/complaints/{complaint.receipt_no}/").content.decode()
    assert "통보 대기: 직접 연락 필요" in page
    citizen_writes("아직인가요?")
    reply.refresh_from_db()
    assert reply.delivery == "sent" and emulator.sent[-1]["message"]["text"] == "나중에 도착할 답변"


@pytest.mark.parametrize("error", ["rate_limit", "server"])
def test_temporary_errors_are_retried(citizen_writes, emulator, staff, run_tasks, settings, error):
    settings.ONTONG_DELIVERY_RETRY_SECONDS = 0
    complaint = citizen_writes()
    emulator.failures.append({"error": error, "times": 1})
    reply = staff_reply(complaint, staff)
    run_tasks()
    reply.refresh_from_db()
    assert (reply.delivery, reply.attempts) == ("sent", 2)


@pytest.mark.parametrize(("error", "state"), [("invalid", "failed"), ("unavailable", "held")])
def test_permanent_errors_are_not_retried(citizen_writes, emulator, staff, run_tasks, error, state):
    complaint = citizen_writes()
    emulator.failures.append({"error": error, "times": 5})
    reply = staff_reply(complaint, staff)
    run_tasks()
    reply.refresh_from_db()
    assert (reply.delivery, reply.attempts) == (state, 1)


def test_expired_token_marks_the_account_and_alerts_admins(
    citizen_writes, emulator, staff, run_tasks, mailoutbox
):
    staff["admin"].email = "chief@example.kr"
    staff["admin"].save()
    complaint = citizen_writes()
    emulator.failures.append({"error": "token", "times": 1})
    reply = staff_reply(complaint, staff)
    run_tasks()
    reply.refresh_from_db()
    assert reply.delivery == "held"
    assert MetaAccount.objects.get(external_id=PAGE).token_invalid_at is not None
    assert mailoutbox[-1].to == ["chief@example.kr"] and "토큰" in mailoutbox[-1].subject


def test_a_timeout_is_unknown_and_never_sent_twice(
    citizen_writes, emulator, staff, run_tasks, settings, mailoutbox
):
    settings.ONTONG_GRAPH_TIMEOUT = 0.5
    complaint = citizen_writes()
    citizen = complaint.citizen
    citizen.email, citizen.contact_consent_at = "citizen@example.kr", timezone.now()
    citizen.save()
    emulator.failures.append({"error": "slow", "seconds": 1.5, "times": 1})
    reply = staff_reply(complaint, staff, "느린 답변")
    run_tasks()
    reply.refresh_from_db()
    assert reply.delivery == "unknown"
    time.sleep(1.5)
    assert [s["message"]["text"] for s in emulator.sent].count("느린 답변") == 1  # Meta got it once
    Message.objects.filter(pk=reply.pk).update(
        attempted_at=timezone.now() - dt.timedelta(minutes=30)
    )
    notices.sweep_deliveries()
    run_tasks()
    reply.refresh_from_db()
    assert reply.route == "email"  # not re-sent on Messenger
    assert [s["message"]["text"] for s in emulator.sent].count("느린 답변") == 1


def test_private_reply_once_and_within_seven_days(page, emulator, account, post_webhook, run_tasks):
    from ontong.channels.meta.models import Comment

    result = {}
    emulator.webhook_url = None

    def comment(text, created):
        comment_id = f"{PAGE}_{len(emulator.comments) + 1}"
        emulator.comments[comment_id] = {"created": created, "replied": False}
        value = {
            "item": "comment",
            "verb": "add",
            "comment_id": comment_id,
            "post_id": f"{PAGE}_1",
            "from": {"id": f"user-{comment_id}", "name": "시민"},
            "created_time": int(created),
            "message": text,
        }
        post_webhook(
            {
                "object": "page",
                "entry": [{"id": PAGE, "changes": [{"field": "feed", "value": value}]}],
            }
        )
        run_tasks()
        return Comment.objects.get(comment_id=comment_id)

    fresh = comment("가로등 고장 신고", time.time())
    assert fresh.private_reply.delivery == "sent"
    assert emulator.sent[-1]["recipient"] == {"comment_id": fresh.comment_id}
    again = notices.queue_notice(
        fresh.complaint,
        Message.Purpose.REPLY,
        "두 번째",
        extra={"private_reply_to": fresh.comment_id},
    )
    run_tasks()
    again.refresh_from_db()
    assert again.delivery == "failed" and "10900" in again.last_error
    old = comment("고장 신고", time.time() - 8 * 86400)
    assert old.private_reply.delivery == "held"  # past 7 days: nothing sent
    result["sent"] = len(emulator.sent)
    assert result["sent"] == 1


def test_long_answers_are_split_and_retired_tags_refused(
    citizen_writes, emulator, staff, run_tasks
):
    complaint = citizen_writes()
    reply = staff_reply(complaint, staff, ("가로등 보수 결과입니다. " * 150).strip())
    run_tasks()
    reply.refresh_from_db()
    parts = [
        s
        for s in emulator.sent
        if s["message"].get("metadata", "").startswith(f"ontong:{reply.pk}:")
    ]
    assert len(parts) == 2 and all(len(p["message"]["text"]) < 2000 for p in parts)
    with pytest.raises(PermanentError, match="ACCOUNT_UPDATE"):
        GraphClient(f"{emulator.base_url}/v25.0", TOKEN).send_message(
            PAGE, {"id": "u1"}, "x", messaging_type="MESSAGE_TAG", tag="ACCOUNT_UPDATE"
        )


def test_photos_are_fetched_from_the_cdn_only(citizen_writes, emulator, run_tasks):
    url = f"{emulator.base_url}/media/photo.png"
    complaint = citizen_writes(
        "사진입니다", attachments=[{"type": "image", "payload": {"url": url}}]
    )
    run_tasks()
    item = complaint.attachments.get()
    assert item.content_type == "image/png" and item.file and not item.fetch_error


def test_a_photo_only_message_reads_as_its_photo_count(citizen_writes, emulator):
    photo = {"type": "image", "payload": {"url": f"{emulator.base_url}/media/photo.png"}}
    complaint = citizen_writes("", attachments=[photo, photo])
    assert complaint.messages.get(direction=Message.Direction.IN).body == "[사진 2장]"
    assert complaint.body == "[사진 2장]"


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (400, {"code": 10, "error_subcode": 2018278}, "WindowClosed"),
        (400, {"code": 10, "error_subcode": 2534022}, "WindowClosed"),
        (400, {"code": 551, "error_subcode": 1545041}, "WindowClosed"),
        (400, {"code": 190, "error_subcode": 463}, "TokenInvalid"),
        (400, {"code": 100}, "PermanentError"),
        (400, {"code": 10900}, "AlreadyReplied"),
        (400, {"code": 200}, "PermanentError"),
        (400, {"code": 613}, "TemporaryError"),
        (400, {"code": 4}, "TemporaryError"),
        (400, {"code": 80006}, "TemporaryError"),
        (400, {"code": 2}, "TemporaryError"),
        (503, {"code": 1}, "TemporaryError"),
        (502, None, "TemporaryError"),
        (404, None, "PermanentError"),
    ],
)
def test_every_error_class_maps_to_retry_or_not(status, error, kind):
    from ontong.channels.meta.graph import error_from

    body = {"error": {"message": "x", **error}} if error else {"html": "bad gateway"}
    assert type(error_from(status, body)).__name__ == kind


def test_workspace_lists_cases_waiting_for_a_notice(
    citizen_writes, emulator, staff, run_tasks, client
):
    complaint = citizen_writes()
    other = citizen_writes("다른 민원", psid="u2")
    window_passes(complaint, emulator)
    staff_reply(complaint, staff)
    run_tasks()
    client.force_login(staff["triage"])
    page = client.get("/complaints/", {"notice_problem": "on"}).content.decode()
    assert complaint.receipt_no in page and other.receipt_no not in page
