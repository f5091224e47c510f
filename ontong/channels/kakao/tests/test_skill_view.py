"""The skill server end to end through the view: secret, networks, storing, the conversation's
answers rendered into SkillResponse v2 and recorded as sent."""

import json

import pytest

from ontong.channels.kakao.models import KakaoBot, KakaoUser, SkillRequest
from ontong.complaints.models import ChannelIdentity, Complaint, Message

from .conftest import BOT_ID, SECRET, skill_payload

# The answer is made in a thread of its own, which sees only committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def texts(answer):
    return [o["simpleText"]["text"] for o in answer["template"]["outputs"] if "simpleText" in o]


def test_a_new_complaint_is_answered_with_receipt_card_and_menu(bot, post_skill):
    bot.event_api_enabled = True  # results reach the chat later: no contact is asked
    bot.save()
    response = post_skill(
        skill_payload("동문동 가로등이 고장났어요"), headers={"X-Request-Id": "req-1"}
    )
    assert response.status_code == 200
    answer = response.json()
    complaint = Complaint.objects.get()
    assert complaint.channel == "kakao" and complaint.identity.account == BOT_ID
    assert answer["version"] == "2.0"
    assert complaint.receipt_no in texts(answer)[0]
    card = answer["template"]["outputs"][1]["textCard"]
    assert card["buttons"][0]["action"] == "webLink"
    assert f"/{complaint.receipt_no}" in card["buttons"][0]["webLinkUrl"]
    assert complaint.status_token in card["buttons"][0]["webLinkUrl"]
    labels = [q["label"] for q in answer["template"]["quickReplies"]]
    assert labels == ["새 민원", "처리현황", "담당자 연결"]
    assert answer["template"]["quickReplies"][1]["extra"] == {"payload": "STATUS"}
    ack = Message.objects.get(direction="out")
    assert (ack.delivery, ack.route, ack.purpose) == ("sent", "skill", "ack")
    stored = SkillRequest.objects.get()
    assert stored.state == "processed" and stored.response == answer
    assert stored.headers["X-Request-Id"] == "req-1"
    assert (
        json.loads(bytes(stored.body))["userRequest"]["utterance"] == "동문동 가로등이 고장났어요"
    )
    assert (stored.block_id, stored.block_name) == ("blk-1", "민원 접수")
    user = KakaoUser.objects.get()
    assert user.identity == complaint.identity and user.plusfriend_user_key == "pf-botuser-1"
    assert user.is_friend is True


def test_secret_in_the_header_works_and_wrong_secrets_do_not(bot, post_skill):
    assert post_skill(skill_payload("하나"), header=True).status_code == 200
    assert post_skill(skill_payload("둘"), secret="wrong").status_code == 403
    assert post_skill(skill_payload("셋"), secret="wrong", header=True).status_code == 403
    assert post_skill(skill_payload("넷"), bot_id="no-such-bot").status_code == 403
    bot.is_active = False
    bot.save()
    assert post_skill(skill_payload("다섯")).status_code == 403
    assert SkillRequest.objects.count() == 1


def test_a_bot_without_a_secret_refuses_everything(city, post_skill):
    KakaoBot.objects.create(name="비밀 없음", bot_id="nosecret")
    assert post_skill(skill_payload(), bot_id="nosecret", secret="x").status_code == 403
    assert not SkillRequest.objects.exists()


def test_malformed_bodies_are_400_with_nothing_stored(bot, post_skill):
    assert post_skill(raw=b"{not json").status_code == 400
    assert post_skill(raw=b'{"userRequest": {"utterance": "x"}}').status_code == 400
    assert not SkillRequest.objects.exists() and not Complaint.objects.exists()


def test_get_is_not_allowed(bot, client):
    assert client.get(f"/channels/kakao/skill/{BOT_ID}/{SECRET}/").status_code == 405


def test_network_allow_list_uses_the_client_address_behind_trusted_proxies(
    bot, post_skill, settings
):
    settings.ONTONG_TRUSTED_PROXIES = ["127.0.0.1/32"]
    bot.allowed_networks = "211.249.200.0/24, 10.0.0.0/8"
    bot.save()
    kakao = {"HTTP_X_FORWARDED_FOR": "211.249.200.7", "REMOTE_ADDR": "127.0.0.1"}
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "REMOTE_ADDR": "127.0.0.1"}
    forged = {"HTTP_X_FORWARDED_FOR": "211.249.200.7", "REMOTE_ADDR": "198.51.100.1"}
    assert post_skill(skill_payload("하나"), **kakao).status_code == 200
    assert post_skill(skill_payload("둘"), **other).status_code == 403
    assert post_skill(skill_payload("셋"), **forged).status_code == 403
    assert SkillRequest.objects.count() == 1


def test_bot_test_requests_are_answered_but_marked(bot, post_skill):
    response = post_skill(skill_payload("테스트 민원입니다", surface="BuilderBotTest"))
    assert response.status_code == 200 and texts(response.json())
    assert SkillRequest.objects.get().is_test


def test_status_by_quick_reply_extra_and_by_label_text(bot, post_skill):
    post_skill(skill_payload("가로등이 고장났어요"))
    complaint = Complaint.objects.get()
    tapped = post_skill(skill_payload("처리현황", client_extra={"payload": "STATUS"})).json()
    assert complaint.receipt_no in texts(tapped)[0] and "접수" in texts(tapped)[0]
    typed = post_skill(skill_payload("담당자 연결")).json()  # the label's words, no extra
    assert Complaint.objects.count() == 1
    assert complaint.events.filter(action="agent_requested").exists()
    assert texts(typed)
    # The receipt, the contact question, the status and the agent answers.
    assert Message.objects.filter(direction="out", delivery="sent", route="skill").count() == 4


def test_a_receipt_number_that_is_not_theirs_is_answered_with_how_to_look_it_up(bot, post_skill):
    post_skill(skill_payload("가로등이 고장났어요", user="someone-else"))
    theirs = Complaint.objects.get()
    answer = post_skill(skill_payload(f"접수번호 {theirs.receipt_no}")).json()
    assert Complaint.objects.count() == 1
    assert "찾지 못했습니다" in texts(answer)[0] and "/minwon/status/" in texts(answer)[0]
    assert "가로등" not in json.dumps(answer, ensure_ascii=False)


def test_nothing_to_say_gets_the_menu_and_no_case(bot, post_skill):
    answer = post_skill(skill_payload("")).json()
    assert "무엇을 도와드릴까요" in texts(answer)[0]
    assert len(answer["template"]["quickReplies"]) == 3
    assert not Complaint.objects.exists()
    assert ChannelIdentity.objects.filter(channel="kakao").count() == 1


def test_a_follow_up_is_answered_with_the_case_it_was_added_to(bot, post_skill):
    """More words or a place for an open case get no reply of their own from the conversation:
    the answer says where they went, not the bare menu (as if ignored)."""
    post_skill(skill_payload("가로등이 고장났어요"))
    complaint = Complaint.objects.get()
    place = json.dumps({"address": "충남 서산시 동문동 1", "latitude": 36.78, "longitude": 126.45})
    answer = post_skill(skill_payload("위치", params={"place": place})).json()
    assert texts(answer) == [
        f"보내 주신 내용을 민원 {complaint.receipt_no}에 덧붙였습니다. 담당자가 함께 확인합니다."
    ]
    assert len(answer["template"]["quickReplies"]) == 3  # the menu still offered
    assert Complaint.objects.count() == 1
    assert "동문동 1" in complaint.messages.filter(direction="in").last().body


def test_a_long_answer_is_split_within_1000_characters(bot, post_skill):
    post_skill(skill_payload("가로등이 고장났어요"))
    complaint = Complaint.objects.get()
    from ontong.complaints import notices

    notices.queue_notice(complaint, Message.Purpose.REPLY, ("긴 답변입니다. " * 250).strip())
    answer = post_skill(skill_payload("처리현황")).json()
    parts = texts(answer)
    assert all(len(p) <= 1000 for p in parts) and len(parts) == 3
    long_reply = Message.objects.get(purpose="reply", body__startswith="긴 답변")
    assert long_reply.delivery == "sent" and long_reply.route == "skill"
    # The status answer did not fit after it: it stays queued for the delivery worker.
    status = Message.objects.filter(direction="out").order_by("-pk").first()
    assert status.delivery == "queued"


def test_without_the_event_api_the_citizen_is_asked_for_a_contact(bot, post_skill):
    first = post_skill(skill_payload("가로등이 고장났어요")).json()
    assert len(first["template"]["outputs"]) == 3  # receipt, status card, the question
    assert "문자나 이메일로도 받으시겠어요" in texts(first)[-1]
    assert "카카오톡으로는" in texts(first)[-1]
    consent = first["template"]["quickReplies"]
    assert [q["extra"]["payload"] for q in consent] == [
        "CONSENT_SMS",
        "CONSENT_EMAIL",
        "CONSENT_NONE",
    ]
    assert all(len(q["label"]) <= 14 for q in consent)
    asked = post_skill(skill_payload(consent[0]["messageText"], client_extra=consent[0]["extra"]))
    assert "휴대전화 번호" in texts(asked.json())[0]
    saved = post_skill(skill_payload("010-2222-3333")).json()
    assert texts(saved)
    citizen = Complaint.objects.get().citizen
    assert citizen.phone == "010-2222-3333" and citizen.contact_consent_at is not None


def test_with_the_event_api_no_contact_is_asked(bot, post_skill):
    bot.event_api_enabled = True
    bot.save()
    answer = post_skill(skill_payload("가로등이 고장났어요")).json()
    assert len(answer["template"]["outputs"]) == 2
    assert [q["label"] for q in answer["template"]["quickReplies"]][0] == "새 민원"


def test_the_survey_is_answered_by_its_quick_reply(bot, post_skill):
    from ontong.complaints.models import Question, State

    post_skill(skill_payload("가로등이 고장났어요"))
    complaint = Complaint.objects.get()
    # (Set up directly: the result notice's workflow is not what is tested here.)
    Complaint.objects.filter(pk=complaint.pk).update(state=State.NOTIFIED)
    complaint.identity.ask(Question.SURVEY, complaint)
    answer = post_skill(skill_payload("5 매우 만족", client_extra={"payload": "SURVEY_5"})).json()
    assert texts(answer)
    assert complaint.satisfaction.score == 5 and complaint.satisfaction.channel == "kakao"


def test_a_resident_registration_number_is_never_stored_not_even_raw(bot, post_skill):
    rrn = "900101-1234567"
    post_skill(
        skill_payload(
            f"제 주민번호는 {rrn} 입니다",
            params={"memo": f"번호 {rrn}"},
            detail_params={"memo": {"origin": rrn, "value": rrn}},
        )
    )
    stored = SkillRequest.objects.get()
    raw = bytes(stored.body).decode()
    assert rrn not in raw and "1234567" not in raw and "주민등록번호 삭제됨" in raw
    assert json.loads(raw)["userRequest"]["user"]["id"] == "botuser-1"
    body = Message.objects.get(direction="in").body
    assert rrn not in body and "[주민등록번호 삭제됨]" in body
    assert rrn not in Complaint.objects.get().body


def test_kakao_needs_no_csrf_token(bot):
    from django.test import Client

    from ontong.channels.kakao import skill

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        f"/channels/kakao/skill/{BOT_ID}/{SECRET}/",
        data=json.dumps(skill_payload("")),
        content_type="application/json",
    )
    skill.wait_for_threads()
    assert response.status_code == 200 and response.json()["version"] == "2.0"


def test_a_body_over_the_cap_is_413_even_without_a_content_length(bot, settings):
    """A chunked request (no Content-Length; gunicorn hands the stream over whole) is read no
    further than the cap: nothing stored, no case."""
    import io

    from django.test import RequestFactory

    from ontong.channels.kakao.views import skill_view

    settings.ONTONG_WEBHOOK_MAX_BYTES = 1000
    body = json.dumps(skill_payload("가로등 " + "가" * 2000), ensure_ascii=False).encode()
    request = RequestFactory().post(
        f"/channels/kakao/skill/{BOT_ID}/{SECRET}/", data=body, content_type="application/json"
    )
    del request.META["CONTENT_LENGTH"]
    request.META["wsgi.input_terminated"] = True  # as gunicorn sets for a chunked body
    request.META["wsgi.input"] = io.BytesIO(body)
    request._stream = io.BytesIO(body)
    assert skill_view(request, bot_id=BOT_ID, secret=SECRET).status_code == 413
    assert not SkillRequest.objects.exists() and not Complaint.objects.exists()


def test_a_content_length_that_is_not_a_number_is_400(bot, post_skill):
    response = post_skill(skill_payload("가로등"), headers={}, CONTENT_LENGTH="abc")
    assert response.status_code == 400
    assert not SkillRequest.objects.exists()


def test_the_secret_in_a_skill_url_never_reaches_the_logs(bot, post_skill):
    """Django's request warning (a 400 here) and gunicorn's access line both write the path."""
    import datetime as dt
    import io
    import logging
    from types import SimpleNamespace

    from gunicorn.config import Config

    from ontong.logsecrets import RedactSecrets
    from ontong.web.management.commands.serve import AccessLogger

    console = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactSecrets) for f in h.filters)
    )
    out = io.StringIO()
    old = console.setStream(out)
    try:
        assert post_skill(raw=b"{not json").status_code == 400
    finally:
        console.setStream(old)
    assert f"/channels/kakao/skill/{BOT_ID}/***/" in out.getvalue()
    assert SECRET not in out.getvalue()

    path = f"/channels/kakao/skill/{BOT_ID}/{SECRET}/"
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": path, "PATH_INFO": path}
    environ["SERVER_PROTOCOL"] = "HTTP/1.1"
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = AccessLogger(Config()).atoms(
        response, SimpleNamespace(headers=[]), environ, dt.timedelta(0)
    )
    assert SECRET not in json.dumps(atoms, default=str)
    assert atoms["U"] == f"/channels/kakao/skill/{BOT_ID}/***/"
