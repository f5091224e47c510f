"""Notices days later against the Kakao emulator (devtools/kakao_emulator.py), over real HTTP:
the Event API and its task, and 알림톡 through the emulated NHN Cloud v2.3 with 대체문자."""

import pytest
from django.core import mail

from ontong.channels.alimtalk import transport as alimtalk
from ontong.channels.alimtalk.models import AlimtalkConfig
from ontong.channels.alimtalk.tests.fakes import BOT_ID
from ontong.channels.kakao import transport as kakao
from ontong.complaints import notices
from ontong.complaints.models import Message
from ontong.devtools.kakao_emulator import KakaoEmulator

pytestmark = pytest.mark.django_db

PHONE = "01012345678"


@pytest.fixture
def emulator(kakao_bot, alimtalk_on):
    emu = KakaoEmulator(
        bot_id=BOT_ID,
        skill_url="http://127.0.0.1:9/unused",
        rest_api_key="rest-key-1",
        event_name="ontong_notice",
        alimtalk_app_key="app-key-1",
        alimtalk_secret_key="secret-1",
        sender_key="s" * 40,
        templates={"ONTONG_RESULT": {"content": alimtalk_on.content, "approved": True}},
    ).start()
    emu.user("bu-1")
    kakao_bot.bot_api_url = emu.base_url
    kakao_bot.save()
    config = AlimtalkConfig.current()
    config.base_url = emu.base_url
    config.save()
    yield emu
    emu.stop()


def kinds(emulator, who):
    return [entry["kind"] for entry in emulator.delivered(who)]


def reload(message):
    return Message.objects.get(pk=message.pk)


def test_the_event_api_reaches_the_citizen_and_its_task_confirms(emulator, kakao_case):
    message = kakao_case()
    assert notices.deliver(message.pk) == Message.Delivery.SENT
    (event,) = [e for e in emulator.delivered("bu-1") if e["kind"] == "event"]
    assert event["text"] == message.body
    assert event["params"]["receipt_no"] == message.complaint.receipt_no
    assert kakao.check_delivery(message.pk) == Message.Delivery.DELIVERED


def test_a_user_kakao_does_not_know_gets_the_notice_by_alimtalk(emulator, kakao_case):
    emulator.fail_next("unknown_user", api="event")
    message = kakao_case(consent=True)
    notices.deliver(message.pk)
    assert kakao.check_delivery(message.pk) == Message.Delivery.SENT
    assert reload(message).route == "alimtalk"
    (sent,) = emulator.delivered(PHONE)
    assert sent["kind"] == "alimtalk" and message.complaint.receipt_no in sent["text"]
    assert "가로등 전구를 교체했습니다." in sent["text"]
    assert alimtalk.check_delivery(message.pk) == Message.Delivery.DELIVERED
    assert mail.outbox == [] and "event" not in kinds(emulator, "bu-1")


def test_with_the_event_api_off_a_phone_without_kakaotalk_gets_the_resend_sms(
    emulator, kakao_case, kakao_bot
):
    kakao_bot.event_api_enabled = False
    kakao_bot.save()
    emulator.no_kakaotalk.add(PHONE)
    message = kakao_case(consent=True)
    notices.deliver(message.pk)
    assert reload(message).route == "alimtalk"
    assert kinds(emulator, PHONE) == ["sms"]
    assert alimtalk.check_delivery(message.pk) == "delivered_by_sms"
    assert reload(message).extra["alimtalk_resend"] is True


def test_an_unapproved_template_goes_to_email_and_a_server_error_is_retried(
    emulator, kakao_case, kakao_bot
):
    kakao_bot.event_api_enabled = False
    kakao_bot.save()
    emulator.fail_next("template_not_approved")
    first = kakao_case(consent=True)
    notices.deliver(first.pk)
    assert reload(first).route == "email" and len(mail.outbox) == 1
    assert "-3005" in reload(first).complaint.events.get(action="delivery_fallback").note

    emulator.fail_next("server", api="alimtalk")
    second = notices.queue_notice(first.complaint, "result", "다시 알려 드립니다")
    assert notices.deliver(second.pk) == Message.Delivery.QUEUED
    assert notices.deliver(second.pk) == Message.Delivery.SENT
    assert kinds(emulator, PHONE) == ["alimtalk"] and len(mail.outbox) == 1
