"""The Kakao emulator itself, against a scripted skill server: the SkillPayload it builds, Kakao's
5-second rule with the resend, the response limits it enforces, the one-use callback URL, the Event
API and the NHN Cloud 알림톡 API with their error bodies, and what it records as delivered."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ontong.devtools.kakao_emulator import (
    CALLBACK_EXPIRED,
    CALLBACK_INVALID_JSON,
    SECRET_HEADER,
    KakaoEmulator,
)

BOT, KEY, APP, NHN_SECRET, SENDER = "bot-1", "rest-key", "nhn-app", "nhn-secret", "sender-1"
TEMPLATE = "[서산시] 민원 처리 결과\n접수번호: #{접수번호}\n#{결과}"


def text_answer(text="접수했습니다", **template):
    return {"version": "2.0", "template": {"outputs": [{"simpleText": {"text": text}}], **template}}


class SkillServer:
    """Answers each skill request with the next scripted (delay, status, body); remembers them."""

    def __init__(self):
        self.script: list[tuple[float, int, object]] = []
        self.received: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                server.received.append({"body": json.loads(raw), "headers": dict(self.headers)})
                delay, status, body = (
                    server.script.pop(0) if server.script else (0, 200, text_answer())
                )
                time.sleep(delay)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the emulator gave up waiting
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/channels/kakao/skill/{BOT}/"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def skill():
    server = SkillServer()
    yield server
    server.stop()


@pytest.fixture
def kakao(skill):
    emu = KakaoEmulator(
        bot_id=BOT,
        skill_url=skill.url,
        skill_secret="s3cret",
        rest_api_key=KEY,
        event_name="ontong_notice",
        alimtalk_app_key=APP,
        alimtalk_secret_key=NHN_SECRET,
        sender_key=SENDER,
        templates={"RESULT": {"content": TEMPLATE, "approved": True}},
        skill_timeout=1.0,
    ).start()
    yield emu
    emu.stop()


def test_a_message_is_a_full_skill_payload_with_the_secret_header(kakao, skill):
    result = kakao.user_message("u1", "가로등이 꺼졌어요", app_user_id="9001")
    assert result["shown"] == "answer"
    (request,) = skill.received
    assert request["headers"][SECRET_HEADER] == "s3cret"
    assert request["headers"]["X-Request-Id"]
    body = request["body"]
    assert set(body) >= {"intent", "userRequest", "bot", "action", "contexts", "flow"}
    user_request = body["userRequest"]
    assert user_request["utterance"] == "가로등이 꺼졌어요"
    assert user_request["lang"] == "ko" and user_request["timezone"] == "Asia/Seoul"
    assert user_request["user"]["id"] == "u1" and user_request["user"]["type"] == "botUserKey"
    properties = user_request["user"]["properties"]
    assert properties["isFriend"] is True and properties["appUserId"] == "9001"
    assert properties["plusfriendUserKey"] and properties["plusfriendUserKey"] != "u1"
    assert user_request["block"]["name"] == "폴백 블록" == body["intent"]["name"]
    assert body["flow"]["trigger"]["type"] == "TEXT_INPUT"
    assert body["bot"]["id"] == BOT
    assert user_request["callbackUrl"].startswith(f"{kakao.base_url}/v1/bots/{BOT}/callback/")
    assert [e["text"] for e in kakao.delivered("u1")] == ["접수했습니다"]


def test_is_friend_is_absent_not_false_for_a_citizen_who_did_not_add_the_channel(kakao, skill):
    kakao.user_message("u2", "안녕하세요", is_friend=False)
    properties = skill.received[0]["body"]["userRequest"]["user"]["properties"]
    assert "isFriend" not in properties and "appUserId" not in properties


def test_a_quick_reply_carries_its_extra_and_trigger(kakao, skill):
    kakao.user_message("u1", "처리현황", extra={"menu": "status"})
    body = skill.received[0]["body"]
    assert body["action"]["clientExtra"] == {"menu": "status"}
    assert body["flow"]["trigger"]["type"] == "QUICKREPLY_BUTTON_BLOCK"


def test_a_slow_answer_is_a_timeout_and_kakao_sends_the_same_request_again(kakao, skill):
    skill.script = [(1.5, 200, text_answer("늦은 답")), (0, 200, text_answer("두 번째 답"))]
    result = kakao.user_message("u1", "포트홀이 생겼어요")
    assert [a["outcome"] for a in result["attempts"]] == ["timeout", "answered"]
    first, second = skill.received
    assert first["body"] == second["body"]  # the same request, byte for byte in meaning
    assert first["headers"]["X-Request-Id"] != second["headers"]["X-Request-Id"]
    assert [e["text"] for e in kakao.delivered("u1")] == ["두 번째 답"]


def test_when_every_attempt_times_out_the_citizen_sees_error_1001(kakao, skill):
    skill.script = [(1.5, 200, text_answer()), (1.5, 200, text_answer())]
    result = kakao.user_message("u1", "포트홀")
    assert result["shown"] == "error"
    (seen,) = kakao.delivered("u1")
    assert seen["kind"] == "error" and "1001" in seen["text"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"template": {"outputs": [{"simpleText": {"text": "x"}}]}}, "version"),
        ({"version": "2.0", "template": {"outputs": [{"simpleText": {"text": "x"}}] * 4}}, "1~3"),
        (text_answer("가" * 1001), "1,000"),
        (
            text_answer(
                quickReplies=[{"label": "x", "action": "message", "messageText": "x"}] * 11
            ),
            "10개",
        ),
        (
            text_answer(
                quickReplies=[{"label": "열다섯 글자가 넘는 빠른 답장 이름", "action": "message"}]
            ),
            "14자",
        ),
        (
            {
                "version": "2.0",
                "template": {
                    "outputs": [
                        {
                            "basicCard": {
                                "title": "t",
                                "buttons": [{"label": "열기", "action": "webLink"}],
                            }
                        }
                    ]
                },
            },
            "webLinkUrl",
        ),
    ],
)
def test_an_answer_outside_kakaos_limits_is_an_error_to_the_citizen(kakao, skill, answer, reason):
    skill.script = [(0, 200, answer)]
    result = kakao.user_message("u1", "안녕")
    assert result["shown"] == "error" and reason in result["error"]
    assert kakao.delivered("u1")[0]["kind"] == "error"


def test_a_card_with_buttons_and_quick_replies_within_the_limits_is_shown(kakao, skill):
    card = {
        "textCard": {
            "title": "접수번호 2026-000001",
            "description": "처리기한 12월 9일",
            "buttons": [
                {"label": "처리 현황", "action": "webLink", "webLinkUrl": "https://x.kr/s"}
            ],
        }
    }
    quick = [{"label": "새 민원", "action": "message", "messageText": "새 민원"}] * 10
    skill.script = [
        (0, 200, {"version": "2.0", "template": {"outputs": [card], "quickReplies": quick}})
    ]
    assert kakao.user_message("u1", "안녕")["shown"] == "answer"
    assert kakao.delivered("u1")[0]["text"] == "접수번호 2026-000001\n처리기한 12월 9일"


def callback_url(skill) -> str:
    return skill.received[-1]["body"]["userRequest"]["callbackUrl"]


def test_the_callback_url_takes_one_answer_within_its_minute(kakao, skill):
    skill.script = [
        (0, 200, {"version": "2.0", "useCallback": True, "data": {"text": "확인 중이에요"}})
    ]
    assert kakao.user_message("u1", "포트홀")["shown"] == "waiting"
    url = callback_url(skill)
    first = httpx.post(url, json=text_answer("접수번호 2026-000002"), timeout=5)
    assert first.status_code == 200
    assert set(first.json()) == {"taskId", "status", "message", "timestamp"}
    assert first.json()["status"] == "SUCCESS"
    again = httpx.post(url, json=text_answer("두 번째"), timeout=5)
    assert again.json()["status"] == "FAIL" and again.json()["message"] == CALLBACK_EXPIRED
    assert [(e["kind"], e["text"]) for e in kakao.delivered("u1")] == [
        ("waiting", "확인 중이에요"),
        ("callback", "접수번호 2026-000002"),
    ]


def test_a_late_or_malformed_callback_gets_kakaos_error(kakao, skill):
    kakao.callback_seconds = 0.2
    skill.script = [
        (0, 200, {"version": "2.0", "useCallback": True}),
        (0, 200, {"version": "2.0", "useCallback": True}),
    ]
    kakao.user_message("u1", "하나")
    late = callback_url(skill)
    kakao.user_message("u1", "둘")
    bad = callback_url(skill)
    time.sleep(0.3)
    assert httpx.post(late, json=text_answer(), timeout=5).json()["message"] == CALLBACK_EXPIRED
    kakao.callback_seconds = 60
    assert (
        httpx.post(bad, json={"template": {}}, timeout=5).json()["message"] == CALLBACK_INVALID_JSON
    )
    assert [e["kind"] for e in kakao.delivered("u1")] == []


def test_use_callback_without_a_callback_url_is_an_error(kakao, skill):
    kakao.callback_enabled = False
    skill.script = [(0, 200, {"version": "2.0", "useCallback": True})]
    assert "callbackUrl" not in kakao.user_message("u1", "안녕")["request"]["userRequest"]
    assert kakao.delivered("u1")[0]["kind"] == "error"


def test_photos_come_through_the_secure_image_plugin_as_a_list_string(kakao, skill):
    kakao.user_message(
        "u1", images=[(b"\xff\xd8photo-1", "image/jpeg"), (b"\x89PNGphoto-2", "image/png")]
    )
    body = skill.received[0]["body"]
    assert body["userRequest"]["block"]["name"] == "사진 보내기"
    value = json.loads(body["action"]["params"]["secureimage"])
    assert value["imageQuantity"] == "2" and value["privacyAgreement"] == "Y"
    listed = value["secureUrls"]
    assert listed.startswith("List(") and listed.endswith(")")
    urls = listed[5:-1].split(", ")
    assert body["action"]["detailParams"]["secureimage"]["origin"] == listed
    assert [httpx.get(u, timeout=5).content for u in urls] == [
        b"\xff\xd8photo-1",
        b"\x89PNGphoto-2",
    ]


def test_a_location_comes_through_the_location_block(kakao, skill):
    kakao.user_message(
        "u1", location={"address": "서산시 관아문길 1", "latitude": 36.78, "longitude": 126.45}
    )
    body = skill.received[0]["body"]
    assert body["userRequest"]["block"]["name"] == "위치 보내기"
    assert json.loads(body["action"]["params"]["location"])["address"] == "서산시 관아문길 1"


def talk(kakao, user_key="u1", *, kind="botUserKey", key=KEY, event="ontong_notice"):
    return httpx.post(
        f"{kakao.base_url}/v2/bots/{BOT}/talk",
        headers={"Authorization": f"KakaoAK {key}"},
        json={
            "event": {"name": event, "data": {"text": "처리 결과입니다"}},
            "user": [{"type": kind, "id": user_key}],
            "params": {"receipt": "2026-000001"},
        },
        timeout=5,
    )


def task(kakao, task_id):
    return httpx.get(
        f"{kakao.base_url}/v1/tasks/{task_id}",
        headers={"Authorization": f"KakaoAK {KEY}"},
        timeout=5,
    ).json()


def test_the_event_api_delivers_to_a_known_citizen_and_reports_the_task(kakao):
    kakao.user_message("u1", "안녕")
    response = talk(kakao)
    assert response.status_code == 200 and response.json()["status"] == "SUCCESS"
    result = task(kakao, response.json()["taskId"])
    assert result["status"] == "ALL SUCCESS" and result["successCount"] == 1
    assert kakao.delivered("u1")[-1]["kind"] == "event"
    assert kakao.delivered("u1")[-1]["text"] == "처리 결과입니다"
    plusfriend = kakao.users["u1"]["plusfriend_user_key"]
    assert (
        task(kakao, talk(kakao, plusfriend, kind="plusfriendUserKey").json()["taskId"])["status"]
        == "ALL SUCCESS"
    )


def test_event_api_errors(kakao):
    kakao.user_message("u1", "안녕")
    bad = talk(kakao, key="wrong")
    assert bad.status_code == 401 and bad.json()["code"] == -401
    stranger = task(kakao, talk(kakao, "nobody").json()["taskId"])
    assert stranger["status"] == "ALL FAIL"
    assert stranger["fail"]["list"] == [{"userID": "nobody", "errorMsg": "user not found"}]
    assert task(kakao, talk(kakao, event="other").json()["taskId"])["status"] == "ALL FAIL"
    kakao.fail_next("wallet")
    assert talk(kakao).status_code == 403
    kakao.user_message("u1", "채널을 차단했어요", is_friend=False)
    blocked = task(kakao, talk(kakao).json()["taskId"])
    assert blocked["fail"]["list"] == [{"userID": "u1", "errorMsg": "user is not a friend"}]
    kakao.user_message("u1", "다시 추가했어요", is_friend=True)
    kakao.fail_next("server")
    assert talk(kakao).status_code == 500
    kakao.fail_next("unknown_user", api="event")
    assert task(kakao, talk(kakao).json()["taskId"])["status"] == "ALL FAIL"
    kakao.fail_next("slow", seconds=0.5)
    started = time.monotonic()
    assert talk(kakao).status_code == 200 and time.monotonic() - started >= 0.5
    assert [e["kind"] for e in kakao.delivered("u1")].count("event") == 1


def alimtalk(
    kakao, phone="010-1234-5678", *, code="RESULT", params=None, secret=NHN_SECRET, resend=False
):
    recipient = {
        "recipientNo": phone,
        "templateParameter": params
        if params is not None
        else {"접수번호": "2026-000001", "결과": "보수했습니다"},
    }
    if resend:
        recipient["resendParameter"] = {
            "isResend": True,
            "resendType": "LMS",
            "resendContent": "[서산시] 문자로 드립니다",
            "resendSendNo": "0416602000",
        }
    return httpx.post(
        f"{kakao.base_url}/alimtalk/v2.3/appkeys/{APP}/messages",
        headers={"X-Secret-Key": secret},
        json={"senderKey": SENDER, "templateCode": code, "recipientList": [recipient]},
        timeout=5,
    )


def test_alimtalk_fills_the_approved_template_and_reaches_the_phone(kakao):
    response = alimtalk(kakao).json()
    assert response["header"] == {"resultCode": 0, "resultMessage": "SUCCESS", "isSuccessful": True}
    (sent,) = response["message"]["sendResults"]
    assert sent["resultCode"] == 0 and sent["recipientSeq"] == 1
    (seen,) = kakao.delivered("01012345678")
    assert (
        seen["kind"] == "alimtalk"
        and seen["text"] == "[서산시] 민원 처리 결과\n접수번호: 2026-000001\n보수했습니다"
    )
    # A citizen who typed this phone number in the chat sees it in their chat room too.
    kakao.user_message("u1", "제 번호는 010-1234-5678 입니다")
    assert "alimtalk" in [e["kind"] for e in kakao.delivered("u1")]
    result = httpx.get(
        f"{kakao.base_url}/alimtalk/v2.3/appkeys/{APP}/messages/{response['message']['requestId']}/1",
        headers={"X-Secret-Key": NHN_SECRET},
        timeout=5,
    ).json()
    assert result["message"]["messageStatus"] == "COMPLETED"


def test_alimtalk_errors_are_nhns_codes(kakao):
    assert alimtalk(kakao, secret="wrong").json()["header"]["resultCode"] == -1001
    kakao.add_template("DRAFT", "검수 중 #{x}", approved=False)
    assert alimtalk(kakao, code="DRAFT", params={"x": "1"}).json()["header"]["resultCode"] == -3005
    assert alimtalk(kakao, code="NONE").json()["header"]["resultCode"] == -3003
    mismatch = alimtalk(kakao, params={"접수번호": "1"}).json()
    assert mismatch["message"]["sendResults"][0]["resultCode"] == -3049
    assert alimtalk(kakao, phone="12345").json()["message"]["sendResults"][0]["resultCode"] == -5000
    kakao.fail_next("template_not_approved")
    assert alimtalk(kakao).json()["header"]["resultCode"] == -3005
    kakao.fail_next("server", api="alimtalk")
    failed = alimtalk(kakao)
    assert failed.status_code == 500 and failed.json()["header"]["isSuccessful"] is False
    kakao.fail_next("bad_key", api="alimtalk")
    assert alimtalk(kakao).json()["header"]["resultCode"] == -1001
    assert kakao.delivered("01012345678") == []


def test_the_same_idempotency_key_within_ten_minutes_is_refused(kakao):
    def send(key):
        return httpx.post(
            f"{kakao.base_url}/alimtalk/v2.3/appkeys/{APP}/messages",
            headers={"X-Secret-Key": NHN_SECRET, "X-NC-API-IDEMPOTENCY-KEY": key},
            json={
                "senderKey": SENDER,
                "templateCode": "RESULT",
                "recipientList": [
                    {
                        "recipientNo": "01012345678",
                        "templateParameter": {"접수번호": "1", "결과": "완료"},
                    }
                ],
            },
            timeout=5,
        ).json()["header"]

    assert send("ontong-1-1")["isSuccessful"] is True
    assert send("ontong-1-1")["resultCode"] == -1005
    assert send("ontong-1-2")["isSuccessful"] is True
    assert len(kakao.delivered("01012345678")) == 2


def test_a_phone_without_kakaotalk_gets_the_substitute_text_when_asked(kakao):
    kakao.no_kakaotalk.add("01099998888")
    assert alimtalk(kakao, "010-9999-8888").json()["message"]["sendResults"][0]["resultCode"] == 0
    assert kakao.delivered("01099998888") == []  # accepted, but nothing reached it
    kakao.fail_next("unknown_user", api="alimtalk")
    alimtalk(kakao, "010-9999-7777", resend=True)
    (sms,) = kakao.delivered("01099997777")
    request_id = kakao.alimtalk_requests[-1]["requestId"]
    result = kakao.alimtalk_results[(request_id, 1)]
    assert (result["messageStatus"], result["resultCode"], result["resendStatus"]) == (
        "FAILED",
        "3027",
        "RSC04",
    )
    kakao.fail_next("resend_failed")
    alimtalk(kakao, "010-9999-6666", resend=True)
    assert kakao.delivered("01099996666") == []
    request_id = kakao.alimtalk_requests[-1]["requestId"]
    assert kakao.alimtalk_results[(request_id, 1)]["resendStatus"] == "RSC05"
    assert (sms["kind"], sms["resend_type"], sms["text"]) == (
        "sms",
        "LMS",
        "[서산시] 문자로 드립니다",
    )


def test_fail_next_refuses_names_it_does_not_know(kakao):
    with pytest.raises(ValueError):
        kakao.fail_next("template_not_approved", api="event")
    with pytest.raises(ValueError):
        kakao.fail_next("nonsense")


def test_the_simulator_page_and_its_guard_against_other_sites(kakao, skill):
    page = httpx.get(kakao.base_url + "/", timeout=5)
    assert page.status_code == 200 and "카카오톡" in page.text and "<form" in page.text
    forged = httpx.post(
        kakao.base_url + "/_emulator/user_message",
        json={"user": "u1", "text": "x"},
        headers={"Origin": "http://evil.example"},
        timeout=5,
    )
    assert forged.status_code == 403 and skill.received == []
    played = httpx.post(
        kakao.base_url + "/_emulator/user_message",
        json={"user": "u9", "text": "안녕", "is_friend": False},
        timeout=5,
    )
    assert played.json()["shown"] == "answer"
    conversation = httpx.get(kakao.base_url + "/_emulator/conversation?user=u9", timeout=5).json()[
        "data"
    ]
    assert [e["kind"] for e in conversation] == ["user", "skill"]
