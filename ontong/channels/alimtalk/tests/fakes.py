"""A fake outside world for the Kakao notice tests: every HTTP call of ontong.outbound goes to a
handler the test writes (httpx.MockTransport), and each request is kept to assert on."""

import json
import os

import httpx
import pytest

from ontong import outbound


class FakeHttp:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: list[tuple[str, str, object]] = []

    def on(self, method: str, path_part: str, *responses: object) -> None:
        """Answer requests whose path contains path_part, with each response in turn (the last
        repeats). A response is (status, json body), or an exception to raise."""
        self.routes.append((method, path_part, list(responses)))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for method, part, responses in self.routes:
            if request.method == method and part in request.url.path:
                assert isinstance(responses, list)
                response = responses.pop(0) if len(responses) > 1 else responses[0]
                if isinstance(response, Exception):
                    raise response
                status, body = response
                return httpx.Response(status, json=body)
        return httpx.Response(404, json={"message": "no route in the test"})

    def sent(self, path_part: str, method: str = "POST") -> list[dict]:
        return [
            json.loads(r.content)
            for r in self.requests
            if r.method == method and path_part in r.url.path
        ]


@pytest.fixture
def fake_http(monkeypatch):
    fake = FakeHttp()
    client = httpx.Client(transport=httpx.MockTransport(fake.handle))
    monkeypatch.setattr(outbound, "_client", client)
    monkeypatch.setattr(outbound, "_owner_pid", os.getpid())
    yield fake
    client.close()


BOT_ID = "5ae9b76d7409b11ec845b746"
NHN = "https://nhn.test"


@pytest.fixture
def kakao_bot(db):
    from ontong.channels.kakao.models import KakaoBot

    return KakaoBot.objects.create(
        name="서산시 챗봇",
        bot_id=BOT_ID,
        skill_secret="skill-secret",
        rest_api_key="rest-key-1",
        event_name="ontong_notice",
        bot_api_url="https://bot-api.test",
        event_api_enabled=True,
    )


@pytest.fixture
def kakao_case(city, kakao_bot):
    """A complaint received on KakaoTalk from botUserKey 'bu-1'; call it for a result notice
    (a Message queued, not yet delivered). consent=True: the citizen gave phone and e-mail."""
    from django.utils import timezone

    from ontong.channels.kakao.models import KakaoUser
    from ontong.complaints import notices
    from ontong.complaints.services import Intake, receive_complaint

    def make(body="처리 결과입니다. 가로등을 고쳤습니다.", consent=False, phone="010-1234-5678"):
        complaint = receive_complaint(
            Intake(
                channel="kakao",
                account=BOT_ID,
                external_user_id="bu-1",
                body="석남동 골목 가로등이 꺼졌어요",
                acknowledge=False,
            )
        )
        KakaoUser.objects.get_or_create(
            bot=kakao_bot,
            identity=complaint.identity,
            defaults={"bot_user_key": "bu-1", "plusfriend_user_key": "pf-1"},
        )
        if consent:
            citizen = complaint.citizen
            citizen.phone, citizen.email = phone, "citizen@example.com"
            citizen.contact_consent_at = timezone.now()
            citizen.save()
        complaint.answer = "가로등 전구를 교체했습니다."
        complaint.save(update_fields=["answer"])
        return notices.queue_notice(complaint, "result", body)

    return make


@pytest.fixture
def alimtalk_on(db):
    """알림톡 switched on with NHN Cloud and an approved result template."""
    from ontong.channels.alimtalk.models import AlimtalkConfig, AlimtalkTemplate

    config = AlimtalkConfig.current()
    config.enabled = True
    config.base_url = NHN
    config.app_key = "app-key-1"
    config.secret_key = "secret-1"
    config.sender_key = "s" * 40
    config.resend_sender_no = "0416601234"
    config.save()
    template = AlimtalkTemplate.objects.create(
        purpose="result",
        template_code="ONTONG_RESULT",
        content="[#{기관명}] 민원 #{접수번호} 처리 결과\n#{처리결과}\n진행 상황: #{상태링크}",
        state=AlimtalkTemplate.State.APPROVED,
    )
    return template


def nhn_ok(request_id="20261202000000abc"):
    return (
        200,
        {
            "header": {"resultCode": 0, "resultMessage": "SUCCESS", "isSuccessful": True},
            "message": {
                "requestId": request_id,
                "senderGroupingKey": None,
                "sendResults": [
                    {
                        "recipientSeq": 1,
                        "recipientNo": "01012345678",
                        "resultCode": 0,
                        "resultMessage": "SUCCESS",
                        "recipientGroupingKey": None,
                    }
                ],
            },
        },
    )


def nhn_error(code, message):
    return (
        200,
        {
            "header": {"resultCode": code, "resultMessage": message, "isSuccessful": False},
            "message": None,
        },
    )


def nhn_status(message_status, result_code="1000", resend_status="RSC01", name="성공"):
    return (
        200,
        {
            "header": {"resultCode": 0, "resultMessage": "SUCCESS", "isSuccessful": True},
            "message": {
                "requestId": "20261202000000abc",
                "recipientSeq": 1,
                "messageStatus": message_status,
                "resultCode": result_code,
                "resultCodeName": name,
                "resendStatus": resend_status,
                "resendStatusName": "",
            },
        },
    )


NHN_SEND = "/alimtalk/v2.3/appkeys/app-key-1/messages"
SMS_SEND = "/sms-gateway/send"


@pytest.fixture
def kakao_link(settings, fake_http, alimtalk_on):
    """알림톡 on with the suggested templates for the receipt's 카카오톡으로 받기 and the followers'
    notice approved, and an SMS gateway; every outside call answered by fake_http (the web
    channel's tests, unit and browser)."""
    from ontong.channels.alimtalk.models import AlimtalkTemplate
    from ontong.channels.alimtalk.suggested import SUGGESTED

    for purpose in ("status_link", "followed_result"):
        code, content = SUGGESTED[purpose]
        AlimtalkTemplate.objects.create(
            purpose=purpose,
            template_code=code,
            content=content,
            state=AlimtalkTemplate.State.APPROVED,
        )
    settings.ONTONG_SMS_URL = f"https://sms.test{SMS_SEND}"
    fake_http.on("POST", SMS_SEND, (200, {"id": "sms-1"}))
    return fake_http
