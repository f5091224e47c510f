"""알림톡 through NHN Cloud v2.3: what we send, NHN's error classes, the template checks staff
see, 대체문자, and the provider registry."""

import json

import httpx
import pytest
from django.core import mail

from ontong.channels.alimtalk.models import AlimtalkConfig, AlimtalkTemplate
from ontong.channels.alimtalk.providers import Provider, ProviderNotConfigured, provider_for
from ontong.channels.alimtalk.providers.nhn import sms_type
from ontong.channels.alimtalk.suggested import SUGGESTED
from ontong.channels.alimtalk.transport import AlimtalkTransport, check_delivery, mobile_number
from ontong.channels.alimtalk.variables import render
from ontong.complaints import notices
from ontong.complaints.models import Event, Message

from .fakes import nhn_error, nhn_ok, nhn_status

pytestmark = pytest.mark.django_db

SEND = "/alimtalk/v2.3/appkeys/app-key-1/messages"


@pytest.fixture
def event_api_off(kakao_bot):
    kakao_bot.event_api_enabled = False
    kakao_bot.save()


def reload(message):
    return Message.objects.get(pk=message.pk)


def fallback_note(message):
    return Event.objects.get(complaint=message.complaint, action="delivery_fallback").note


def test_the_result_goes_as_the_approved_template_with_its_variables_and_a_resend(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    fake_http.on("POST", SEND, nhn_ok())
    message = kakao_case(consent=True)

    assert notices.deliver(message.pk) == Message.Delivery.SENT
    sent = reload(message)
    assert (sent.route, sent.external_id) == ("alimtalk", "alimtalk:20261202000000abc:1")
    request = fake_http.requests[0]
    assert str(request.url) == f"https://nhn.test{SEND}"
    assert request.headers["X-Secret-Key"] == "secret-1"
    assert request.headers["X-NC-API-IDEMPOTENCY-KEY"].startswith(f"ontong-{message.pk}-1-")
    body = json.loads(request.content)
    assert body["senderKey"] == "s" * 40 and body["templateCode"] == "ONTONG_RESULT"
    (recipient,) = body["recipientList"]
    assert recipient["recipientNo"] == "01012345678"
    complaint = message.complaint
    assert recipient["templateParameter"] == {
        "기관명": "서산시",
        "접수번호": complaint.receipt_no,
        "처리결과": "가로등 전구를 교체했습니다.",
        "상태링크": notices.status_url(complaint),
    }
    assert recipient["resendParameter"] == {
        "isResend": True,
        "resendType": "SMS",
        "resendContent": message.body,
        "resendSendNo": "0416601234",
    }
    assert "알림톡으로 보냄" in fallback_note(message)
    assert mail.outbox == []


def test_a_template_not_approved_is_shown_to_staff_and_the_next_route_takes_the_notice(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    alimtalk_on.state = AlimtalkTemplate.State.INSPECTING
    alimtalk_on.save()
    message = kakao_case(consent=True)

    notices.deliver(message.pk)
    assert reload(message).route == "email" and len(mail.outbox) == 1
    assert fake_http.requests == []  # nothing went to NHN
    note = fallback_note(message)
    assert "알림톡" in note and "ONTONG_RESULT" in note and "검수 중" in note
    alimtalk_on.refresh_from_db()
    assert "검수 승인 상태가 아닙니다" in alimtalk_on.last_error and alimtalk_on.last_error_at


def test_nhn_saying_the_template_is_not_approved_is_recorded_on_the_template(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    fake_http.on("POST", SEND, nhn_error(-3005, "Please check template status."))
    message = kakao_case()  # a phone with consent, no e-mail: 알림톡 is the only route
    citizen = message.complaint.citizen
    citizen.phone, citizen.contact_consent_at = "010-1234-5678", citizen.created_at
    citizen.save()

    assert notices.deliver(message.pk) == Message.Delivery.HELD
    alimtalk_on.refresh_from_db()
    assert "-3005" in alimtalk_on.last_error and "승인 전" in alimtalk_on.last_error
    held = Event.objects.get(complaint=message.complaint, action="delivery_held").note
    assert "-3005" in held


def test_a_variable_ontong_cannot_fill_is_a_mismatch_staff_see(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    alimtalk_on.content = "#{고객명}님, 민원 #{접수번호} 처리가 끝났습니다."
    alimtalk_on.save()
    message = kakao_case(consent=True)

    notices.deliver(message.pk)
    assert fake_http.requests == [] and reload(message).route == "email"
    assert "#{고객명}" in fallback_note(message)
    alimtalk_on.refresh_from_db()
    assert "변수 불일치" in alimtalk_on.last_error


def test_nhn_reporting_a_parameter_mismatch_is_permanent(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    fake_http.on(
        "POST", SEND, nhn_error(-3049, "The template parameter is not matched to template.")
    )
    message = kakao_case(consent=True)
    notices.deliver(message.pk)
    assert reload(message).route == "email"
    assert len(fake_http.sent(SEND)) == 1  # not retried
    assert "-3049" in fallback_note(message)


def test_a_provider_5xx_is_retried_and_the_notice_goes_once(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    fake_http.on("POST", SEND, (503, {}), nhn_ok())
    message = kakao_case(consent=True)

    assert notices.deliver(message.pk) == Message.Delivery.QUEUED
    waiting = reload(message)
    assert "alimtalk" in waiting.last_error and "503" in waiting.last_error
    assert mail.outbox == []  # a temporary error does not jump to e-mail

    assert notices.deliver(message.pk) == Message.Delivery.SENT
    assert reload(message).route == "alimtalk"
    keys = [r.headers["X-NC-API-IDEMPOTENCY-KEY"] for r in fake_http.requests]
    assert keys[0].startswith(f"ontong-{message.pk}-1-")
    assert keys[1].startswith(f"ontong-{message.pk}-2-")
    assert mail.outbox == []


def test_nhn_system_error_code_is_temporary(fake_http, kakao_case, alimtalk_on, event_api_off):
    fake_http.on("POST", SEND, nhn_error(-9999, "System error."))
    message = kakao_case(consent=True)
    assert notices.deliver(message.pk) == Message.Delivery.QUEUED


def test_a_timeout_stops_the_chain_for_a_person_to_check(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    fake_http.on("POST", SEND, httpx.ReadTimeout("timed out"))
    message = kakao_case(consent=True)
    assert notices.deliver(message.pk) == Message.Delivery.FAILED
    assert mail.outbox == []  # may have arrived as 알림톡: not sent again by e-mail
    assert "확인 후 재발송" in reload(message).last_error


def test_delivered_by_the_resend_sms_is_flagged(fake_http, kakao_case, alimtalk_on, event_api_off):
    fake_http.on("POST", SEND, nhn_ok())
    fake_http.on(
        "GET",
        f"{SEND}/20261202000000abc/1",
        nhn_status("FAILED", result_code="3008", resend_status="RSC04", name="전화번호 오류"),
    )
    message = kakao_case(consent=True)
    notices.deliver(message.pk)

    assert check_delivery(message.pk) == "delivered_by_sms"
    done = reload(message)
    assert done.delivery == Message.Delivery.DELIVERED and done.extra["alimtalk_resend"] is True
    assert Event.objects.filter(
        complaint=message.complaint, note__contains="대체문자로 전달됨"
    ).exists()


def test_delivered_as_alimtalk(fake_http, kakao_case, alimtalk_on, event_api_off):
    fake_http.on("POST", SEND, nhn_ok())
    fake_http.on("GET", f"{SEND}/20261202000000abc/1", nhn_status("COMPLETED"))
    message = kakao_case(consent=True)
    notices.deliver(message.pk)
    assert check_delivery(message.pk) == Message.Delivery.DELIVERED
    assert "alimtalk_resend" not in reload(message).extra


def test_an_alimtalk_that_did_not_arrive_goes_by_email_once(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    fake_http.on("POST", SEND, nhn_ok())
    fake_http.on(
        "GET",
        f"{SEND}/20261202000000abc/1",
        nhn_status("FAILED", result_code="3008", resend_status="RSC05", name="전화번호 오류"),
    )
    message = kakao_case(consent=True)
    notices.deliver(message.pk)

    assert check_delivery(message.pk) == Message.Delivery.SENT
    assert reload(message).route == "email" and len(mail.outbox) == 1
    assert check_delivery(message.pk) == "skipped"
    assert len(fake_http.sent(SEND)) == 1 and len(mail.outbox) == 1


def test_who_alimtalk_reaches(kakao_case, alimtalk_on):
    message = kakao_case(consent=True)
    citizen = message.complaint.citizen
    transport = AlimtalkTransport()
    assert transport.reaches(citizen)
    citizen.phone = "041-660-2114"  # a landline cannot get KakaoTalk
    assert not transport.reaches(citizen)
    citizen.phone, citizen.contact_consent_at = "010-1234-5678", None
    assert not transport.reaches(citizen)
    citizen.contact_consent_at = citizen.created_at
    config = AlimtalkConfig.current()
    config.enabled = False
    config.save()
    assert not transport.reaches(citizen)


def test_phone_numbers_and_resend_types():
    assert mobile_number("+82 10-1234-5678") == "01012345678"
    assert mobile_number("010 1234 5678") == "01012345678"
    assert mobile_number("02-123-4567") == ""
    assert sms_type("가" * 45) == "SMS" and sms_type("가" * 46) == "LMS"


class OtherProvider(Provider):
    name = "other"

    def send(self, request):
        return f"other-{request.reference}"


def test_providers_plug_in_by_settings_path(
    fake_http, kakao_case, alimtalk_on, event_api_off, settings
):
    settings.ONTONG_ALIMTALK_PROVIDERS = {"other": f"{__name__}.OtherProvider"}
    config = AlimtalkConfig.current()
    config.provider = "other"
    config.save()
    assert isinstance(provider_for(config), OtherProvider)
    message = kakao_case(consent=True)
    notices.deliver(message.pk)
    assert reload(message).external_id.startswith(f"alimtalk:other-ontong-{message.pk}-1-")
    config.provider = "missing"
    with pytest.raises(ProviderNotConfigured):
        provider_for(config)


def test_nhn_saying_it_already_took_the_request_is_not_taken_as_sent(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    fake_http.on(
        "POST",
        SEND,
        nhn_error(-1005, "The same 'X-NC-API-IDEMPOTENCY-KEY' was used within the last 10 minute."),
    )
    message = kakao_case(consent=True)
    assert notices.deliver(message.pk) == Message.Delivery.FAILED
    assert "-1005" in reload(message).last_error and mail.outbox == []


def test_alimtalk_is_off_until_the_settings_are_saved(kakao_case):
    assert AlimtalkConfig.objects.count() == 0
    assert not AlimtalkTransport().reaches(kakao_case(consent=True).complaint.citizen)
    assert AlimtalkConfig.objects.count() == 0  # reading the settings wrote nothing


@pytest.mark.parametrize("purpose", sorted(SUGGESTED))
def test_every_suggested_template_is_filled_for_its_notice(kakao_case, purpose):
    code, content = SUGGESTED[purpose]
    template = AlimtalkTemplate(
        purpose=purpose, template_code=code, content=content, state=AlimtalkTemplate.State.APPROVED
    )
    message = kakao_case(consent=True)
    message.purpose = purpose
    request = AlimtalkTransport().request_for(template, message, "01012345678")
    assert set(request.variables) == set(template.variables())
    text = render(content, request.variables)
    assert "#{" not in text and len(code) <= 20
    assert message.complaint.receipt_no in text or message.body in text


def test_a_result_the_provider_never_gives_leaves_the_notice_sent_with_a_note(
    fake_http, kakao_case, alimtalk_on, event_api_off
):
    from ontong.channels.alimtalk.transport import POLL_DELAYS

    fake_http.on("POST", SEND, nhn_ok())
    fake_http.on("GET", f"{SEND}/20261202000000abc/1", (503, {}))
    message = kakao_case(consent=True)
    notices.deliver(message.pk)
    assert check_delivery(message.pk, 0) == "waiting"
    assert check_delivery(message.pk, len(POLL_DELAYS) - 1) == "unconfirmed"
    assert reload(message).delivery == Message.Delivery.SENT
    assert Event.objects.filter(complaint=message.complaint, action="delivery_unconfirmed").exists()
