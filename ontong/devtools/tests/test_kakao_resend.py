"""Kakao's resend, end to end against the real skill view (live server): the first answer comes
too late (a pause after the request was stored and processed), Kakao's 5-second rule makes it a
timeout and the emulator sends the same request again; the resend is stored, recognised, and
answered with the first's answer — one case, and the citizen reads the receipt number."""

import threading

import pytest

from ontong.channels.kakao import skill
from ontong.channels.kakao.models import KakaoBot, SkillRequest
from ontong.complaints.models import Complaint
from ontong.devtools.kakao_emulator import KakaoEmulator

BOT_ID, SECRET = "64f00000000000000000resend", "resend-secret"


@pytest.fixture
def kakao(live_server, new_complaint, settings):
    settings.ONTONG_KAKAO_SKILL_BUDGET = 3.0
    KakaoBot.objects.create(name="서산시", bot_id=BOT_ID, skill_secret=SECRET)
    emu = KakaoEmulator(
        bot_id=BOT_ID,
        skill_url=f"{live_server.url}/channels/kakao/skill/{BOT_ID}/",
        skill_secret=SECRET,
        skill_timeout=4.0,
    ).start()
    # The first case of a process loads the Korean analyser (seconds, holding up the whole
    # process): done here, so the requests under test are answered within the budget. (SQLite's
    # shared in-memory test database also refuses a write while another thread's write is open,
    # where PostgreSQL and the file database wait.)
    new_complaint("시청 앞 도로에 포트홀이 생겼어요")
    emu.user_message("warm-up", "시청 앞 도로에 포트홀이 생겼어요")
    skill.wait_for_threads()
    yield emu
    emu.stop()
    skill.wait_for_threads()


@pytest.mark.django_db(transaction=True)
def test_a_timed_out_answer_is_resent_and_the_resend_opens_no_second_case(kakao, monkeypatch):
    answer, paused = skill.answer, threading.Event()

    def late_first_answer(request, payload, deadline):
        made = answer(request, payload, deadline)
        if not paused.is_set():  # only the first request's answer is held up
            paused.set()
            threading.Event().wait(5.0)  # past the emulator's (Kakao's) timeout
        return made

    monkeypatch.setattr(skill, "answer", late_first_answer)
    result = kakao.user_message("citizen-1", "석남동 초등학교 앞 가로등이 꺼졌어요")

    assert [a["outcome"] for a in result["attempts"]] == ["timeout", "answered"]
    first, resend = SkillRequest.objects.filter(bot_user_key="citizen-1").order_by("pk")
    assert resend.duplicate_of_id == first.pk and resend.dedupe_key == first.dedupe_key
    assert first.headers["X-Request-Id"] != resend.headers["X-Request-Id"]
    complaint = Complaint.objects.get(identity__external_user_id="citizen-1")
    assert complaint.channel == "kakao"
    seen = kakao.delivered("citizen-1")
    assert [e["kind"] for e in seen] == ["skill"]
    assert complaint.receipt_no in seen[0]["text"]


@pytest.mark.django_db(transaction=True)
def test_a_second_message_after_the_resend_window_is_a_message_of_its_own(kakao, settings):
    settings.ONTONG_KAKAO_RESEND_SECONDS = 0
    kakao.user_message("citizen-2", "해미읍성 앞 보도블록이 깨졌어요")
    kakao.user_message("citizen-2", "해미읍성 앞 보도블록이 깨졌어요")
    assert SkillRequest.objects.filter(duplicate_of__isnull=False).count() == 0
    assert [e["kind"] for e in kakao.delivered("citizen-2")] == ["skill", "skill"]
