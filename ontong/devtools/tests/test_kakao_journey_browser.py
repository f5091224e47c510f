"""The whole KakaoTalk loop in Debian's chromium, wired as the demo wires it (load_demo's bot and
알림톡 settings, the emulator as `ontong kakao_emulator` runs it): a citizen writes in the KakaoTalk
simulator and reads the receipt number; 접수담당 assigns it from the 접수함, the officer answers,
the manager approves (결재, and with it the notice); the citizen reads the result in the same chat room,
sent by the chatbot Event API. With the Event API off, the next citizen's result comes by 알림톡
to the phone they gave. The simulator is checked with axe-core at each step."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ontong.channels.alimtalk.models import AlimtalkConfig
from ontong.channels.kakao import skill
from ontong.complaints.models import Complaint, Message
from ontong.complaints.workflow import perform
from ontong.devtools.demo import (
    DEMO_KAKAO,
    create_demo_alimtalk,
    create_demo_kakao_bot,
    demo_kakao_emulator,
)
from ontong.org.models import Department
from ontong.web.tests.a11y import check_accessibility
from ontong.web.tests.browser import BROWSER_MARKS, act

pytestmark = BROWSER_MARKS

ANSWER = "패인 곳을 아스팔트로 메웠습니다. 알려 주셔서 고맙습니다."
SECOND_ANSWER = "동문동 가로등 전구를 새것으로 갈았습니다."


@pytest.fixture
def kakao(live_server, staff, new_complaint, settings):
    settings.ONTONG_KAKAO_MEDIA_HOSTS = [*settings.ONTONG_KAKAO_MEDIA_HOSTS, "127.0.0.1"]
    settings.ONTONG_KAKAO_CALLBACK_HOSTS = [*settings.ONTONG_KAKAO_CALLBACK_HOSTS, "127.0.0.1"]
    settings.ONTONG_GRAPH_TIMEOUT = 5
    # The first case of a process loads the Korean analyser (seconds): not inside the journey.
    new_complaint("시청 앞 도로에 포트홀이 생겼어요")
    bot = create_demo_kakao_bot()
    create_demo_alimtalk()
    emu = demo_kakao_emulator(
        f"{live_server.url}/channels/kakao/skill/{DEMO_KAKAO['bot_id']}/"
    ).start()
    bot.bot_api_url = emu.base_url  # the demo's is the emulator's fixed port
    bot.save()
    config = AlimtalkConfig.current()
    config.base_url = emu.base_url
    config.save()
    emu.bot = bot
    yield emu
    emu.stop()
    skill.wait_for_threads()


@pytest.fixture
def phone_page(browser):
    contexts = []

    def open_(url):
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ko-KR"
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    """With ONTONG_SCREENSHOTS=DIR the simulator is saved there (docs/images)."""
    if folder := os.environ.get("ONTONG_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"kakao-{name}.png"))


def write(sim, text: str) -> None:
    sim.get_by_placeholder("메시지를 입력하세요").fill(text)
    sim.get_by_role("button", name="전송").click()


def received(sim, key: str) -> Complaint:
    """The case the citizen's message opened, once the skill answered (or said to wait)."""
    expect(sim.locator(".row.city").first).to_be_visible()
    skill.wait_for_threads()
    return Complaint.objects.get(channel="kakao", identity__external_user_id=key)


@pytest.mark.django_db(transaction=True)
def test_kakao_citizen_to_inbox_to_approval_and_back_by_event_api_then_alimtalk(
    kakao, phone_page, open_page, staff, run_tasks
):
    sim = phone_page(kakao.base_url + "/")
    expect(sim.locator("#channel")).to_have_text("서산시")
    check_accessibility(sim, "카카오톡 시뮬레이터, 빈 대화")
    key = sim.locator("#key").inner_text()

    write(sim, "석남동 초등학교 앞 도로가 움푹 패였어요")
    expect(sim.locator(".row.me .b").filter(has_text="움푹 패였어요")).to_be_visible()
    complaint = received(sim, key)
    receipt = complaint.receipt_no
    # The acknowledgement: in the skill answer, or by the callback when it took longer.
    expect(sim.locator(".row.city").filter(has_text=receipt).first).to_be_visible()
    expect(sim.locator(".card .buttons a", has_text="처리현황 보기").first).to_be_visible()
    check_accessibility(sim, "카카오톡 시뮬레이터, 접수 안내를 받은 뒤")

    # 접수함: 접수담당 opens the new case and assigns it.
    inbox = open_page("/inbox/", user="triage")
    inbox.locator(f"tr[data-receipt='{receipt}']").get_by_role("link", name=receipt).click()
    assert "카카오톡" in inbox.locator("main").inner_text()
    act(inbox, "assign", department="도로과")
    expect(inbox.locator("[data-testid=state]")).to_have_text("배정")

    officer = open_page("/queue/", user="road")
    officer.get_by_role("link", name=receipt).click()
    act(officer, "start")
    act(officer, "submit", answer=ANSWER)
    expect(officer.locator("[data-testid=state]")).to_have_text("결재 대기")

    # 결재: the request reached the manager's 결재 대기 list; approving also notifies (the
    # city's default "결재 후 바로 통보").
    manager = open_page("/queue/", user="road_mgr")
    manager.click("[data-testid=approvals-link]")
    manager.get_by_role("link", name=receipt).click()
    act(manager, "approve")
    expect(manager.locator("[data-testid=state]")).to_have_text("통보완료")
    run_tasks()

    # The result arrives in the same chat room, written first by the chatbot (Event API).
    expect(sim.locator(".row.city").filter(has_text="알림").filter(has_text=ANSWER)).to_be_visible()
    result = complaint.messages.get(purpose=Message.Purpose.RESULT)
    assert result.delivery in {Message.Delivery.SENT, Message.Delivery.DELIVERED}
    assert [e["kind"] for e in kakao.delivered(key)].count("event") == 1
    check_accessibility(sim, "카카오톡 시뮬레이터, 처리 결과를 받은 뒤")
    screenshot(sim, "event-api")

    # The city turns the Event API off: the next citizen, who gave a mobile number with consent,
    # gets the result by 알림톡 (the approved template, filled in) on that phone.
    kakao.bot.event_api_enabled = False
    kakao.bot.save()
    other = phone_page(kakao.base_url + "/")
    other.get_by_label("알림톡 받을 휴대폰").fill("010-2345-6789")
    other.get_by_label("알림톡 받을 휴대폰").press("Tab")
    second_key = other.locator("#key").inner_text()
    assert second_key != key
    write(other, "동문동 주공아파트 앞 가로등이 일주일째 꺼져 있어요")
    second = received(other, second_key)
    expect(other.locator(".row.city").filter(has_text=second.receipt_no).first).to_be_visible()
    citizen = second.citizen
    citizen.phone, citizen.contact_consent_at = "010-2345-6789", timezone.now()
    citizen.save()
    road = Department.objects.get(name="도로과")
    second = perform(second, "assign", staff["triage"], department=road)
    second = perform(second, "start", staff["road"])
    second = perform(second, "submit", staff["road"], answer=SECOND_ANSWER)
    second = perform(second, "approve", staff["road_mgr"])
    perform(second, "notify", staff["road_mgr"])
    run_tasks()

    alimtalk = other.locator(".alimtalk").filter(has_text=second.receipt_no)
    expect(alimtalk).to_be_visible()
    expect(alimtalk).to_contain_text(SECOND_ANSWER)
    expect(alimtalk).to_contain_text("[서산시] 민원 처리 결과 안내")
    assert "event" not in [e["kind"] for e in kakao.delivered(second_key)]
    notice = second.messages.get(purpose=Message.Purpose.RESULT)
    assert notice.route == "alimtalk"
    check_accessibility(other, "카카오톡 시뮬레이터, 알림톡을 받은 뒤")
    screenshot(other, "alimtalk")


def png(colour=(200, 60, 40)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_photo_by_the_secure_image_plugin_and_a_location_reach_the_open_case(
    kakao, phone_page, run_tasks
):
    sim = phone_page(kakao.base_url + "/")
    key = sim.locator("#key").inner_text()
    write(sim, "해미읍성 앞 보도블록이 깨져서 걸려 넘어질 뻔했어요")
    complaint = received(sim, key)

    sim.set_input_files(
        "#photo", files=[{"name": "보도블록.png", "mimeType": "image/png", "buffer": png()}]
    )
    expect(sim.locator(".row.me img[alt='보낸 사진']")).to_be_visible()
    sim.get_by_role("button", name="위치").click()
    sim.get_by_label("보낼 위치").fill("충청남도 서산시 해미면 남문2로 143")
    sim.get_by_role("button", name="위치 보내기").click()
    expect(sim.locator(".row.me .b").filter(has_text="해미면 남문2로 143")).to_be_visible()
    expect(sim.locator(".row.city")).to_have_count(3)  # each message answered
    added = f"보내 주신 내용을 민원 {complaint.receipt_no}에 덧붙였습니다"
    expect(sim.locator(".row.city").filter(has_text=added)).to_have_count(2)
    skill.wait_for_threads()
    run_tasks()  # the worker fetches the photo from the "secure" URL

    (request,) = [
        r for r in kakao.requests if r["body"]["userRequest"]["block"]["name"] == "사진 보내기"
    ]
    assert "secureUrls" in request["body"]["action"]["params"]["secureimage"]
    (photo,) = complaint.attachments.all()
    assert photo.file and photo.content_type.startswith("image/") and not photo.fetch_error
    bodies = " ".join(complaint.messages.values_list("body", flat=True))
    assert "해미면 남문2로 143" in bodies and "36.784800, 126.450300" in bodies
    assert Complaint.objects.filter(channel="kakao").count() == 1
    check_accessibility(sim, "카카오톡 시뮬레이터, 사진과 위치를 보낸 뒤")

    # Quick replies are chips; tapping one sends its words with its extra, as KakaoTalk does.
    write(sim, "처리현황")
    expect(
        sim.locator(".row.city").filter(has_text=f"민원 {complaint.receipt_no}: ")
    ).to_be_visible()
    chips = sim.locator("#qr button")
    expect(chips).to_have_text(["새 민원", "처리현황", "담당자 연결"])
    check_accessibility(sim, "카카오톡 시뮬레이터, 빠른 답장")
    chips.filter(has_text="담당자 연결").click()
    expect(sim.locator(".row.city").filter(has_text="담당자에게 알렸습니다")).to_be_visible()
    tapped = kakao.requests[-1]["body"]
    assert tapped["action"]["clientExtra"] == {"payload": "AGENT"}
    assert tapped["flow"]["trigger"]["type"] == "QUICKREPLY_BUTTON_MESSAGE"
