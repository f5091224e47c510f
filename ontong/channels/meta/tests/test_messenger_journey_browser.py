"""A citizen in Messenger (the dev Graph API emulator's simulator, in chromium on a phone): sends a
message, is told the receipt number, and later reads the city's answer in the same conversation.
Checks accessibility (axe-core) on the simulator page at each step."""

import re

import pytest
from playwright.sync_api import expect

from ontong.web.tests.a11y import check_accessibility
from ontong.web.tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS

ANSWER = "석남동 초등학교 앞 가로등 전구를 갈았습니다. 알려 주셔서 감사합니다."


@pytest.fixture
def messenger(browser, live_emulator):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ko-KR"
    )
    sim = context.new_page()
    sim.set_default_timeout(15_000)
    sim.goto(live_emulator.base_url + "/")
    yield sim
    context.close()


@pytest.mark.django_db(transaction=True)
def test_citizen_in_messenger_gets_a_receipt_number_and_later_the_answer(
    messenger, staff, run_tasks
):
    from ontong.complaints.models import Complaint
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    check_accessibility(messenger, "메신저 시뮬레이터, 빈 대화")
    messenger.get_by_placeholder("메시지를 입력하세요").fill("석남동 초등학교 앞 가로등이 꺼졌어요")
    messenger.get_by_role("button", name="보내기").tap()
    messenger.wait_for_timeout(500)  # the emulator signs and posts the webhook
    run_tasks()

    receipt_no = Complaint.objects.get().receipt_no
    acknowledgement = messenger.locator(".b.city").filter(has_text=f"접수번호: {receipt_no}")
    expect(acknowledgement).to_be_visible()
    assert re.fullmatch(r"\d{4}-\d{6}", receipt_no)
    check_accessibility(messenger, "접수 안내를 받은 뒤")

    c = Complaint.objects.get(receipt_no=receipt_no)
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    c = perform(c, "start", staff["road"])
    c = perform(c, "submit", staff["road"], answer=ANSWER)
    c = perform(c, "approve", staff["road_mgr"])
    perform(c, "notify", staff["road_mgr"])
    run_tasks()

    expect(messenger.locator(".b.city").filter(has_text=ANSWER)).to_be_visible()
    check_accessibility(messenger, "처리 결과를 받은 뒤")
