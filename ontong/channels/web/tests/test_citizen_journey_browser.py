"""A citizen on a phone, in chromium, on the city website: the form with a photo → the receipt
number → the status page → 추가로 알릴 내용 → (staff answer) → the answer → 만족도 조사 → English.
Asserts on what the person sees, checks accessibility (axe-core, KWCAG 2.2 ≈ WCAG 2.1 AA) on every
page, and runs against the test server and against a production-mode `ontong serve`."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from ontong.web.tests.a11y import check_accessibility, visit
from ontong.web.tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS

ANSWER = "해미읍성 앞 포트홀을 아스팔트로 메웠습니다. 알려 주셔서 감사합니다."


def photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buffer, "JPEG")
    return {"name": "포트홀.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.fixture
def phone(browser):
    """A fresh phone (390×844, touch) per call."""
    contexts = []

    def open_():
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=3,
            is_mobile=True,
            has_touch=True,
            locale="ko-KR",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def citizen_reports_with_a_photo(page, base_url: str) -> str:
    """The form filled on the phone; the receipt number the citizen is shown."""
    visit(page, base_url + "/minwon/", "민원 신청")
    page.get_by_role("button", name="접수하기").tap()  # nothing written yet
    expect(page.locator(".errorlist")).to_contain_text("필수 항목입니다")
    check_accessibility(page, "민원 신청, 빈 내용으로 보낸 뒤")
    page.get_by_label(re.compile(r"^내용")).fill("해미읍성 앞 도로에 포트홀이 생겨 위험해요 🚗")
    page.get_by_label("읍면동").select_option(label="해미면")
    page.get_by_label("사진").set_input_files([photo()])
    page.get_by_role("button", name="접수하기").tap()
    # The first complaint of a process loads the Korean analyser: allow for it.
    expect(page.get_by_text("민원이 접수되었습니다.", exact=True)).to_be_visible(timeout=60_000)
    receipt_no = page.locator("[data-testid=receipt-no]").inner_text()
    assert re.fullmatch(r"\d{4}-\d{6}", receipt_no)
    expect(page.get_by_role("heading", name=f"민원 {receipt_no}")).to_be_visible()
    expect(page.locator("[data-testid=state]")).to_have_text("접수됨")
    check_accessibility(page, "접수 완료·처리 현황")
    return receipt_no


def citizen_looks_it_up_on_another_device(phone, base_url: str, receipt_no: str, code: str):
    """접수번호 and 조회 코드 typed into 처리 현황 조회 on a second phone: the same status page."""
    other = phone()
    visit(other, base_url + "/minwon/status/", "처리 현황 조회")
    other.get_by_label(re.compile(r"^접수번호")).fill(receipt_no)
    other.get_by_label(re.compile(r"^조회 코드")).fill(code)
    other.get_by_role("button", name="조회").tap()
    expect(other.get_by_role("heading", name=f"민원 {receipt_no}")).to_be_visible()
    expect(other.locator(".thread").get_by_text("구멍이 더 커졌어요")).to_be_visible()
    check_accessibility(other, "처리 현황 조회 결과")


def citizen_adds_more(page) -> None:
    page.get_by_role("textbox", name=re.compile("더 알릴 내용")).fill(
        "사진보다 구멍이 더 커졌어요. 오토바이가 넘어질 뻔했습니다."
    )
    page.get_by_role("button", name="보내기", exact=True).tap()
    expect(page.locator(".thread").get_by_text("구멍이 더 커졌어요")).to_be_visible()
    check_accessibility(page, "추가 내용을 보낸 뒤")


def citizen_reads_the_answer_and_answers_the_survey(page) -> None:
    page.reload()
    expect(page.locator("[data-testid=state]")).to_have_text(
        "답변 완료"
    )  # plain words, never 통보완료
    expect(page.locator("[data-testid=answer]")).to_contain_text(ANSWER)
    check_accessibility(page, "처리 결과와 만족도 조사")
    survey = page.locator("[data-testid=survey]")
    survey.get_by_label("4 만족").check()
    survey.get_by_label("의견 (선택)").fill("빨리 고쳐 주셔서 고맙습니다.")
    survey.get_by_role("button", name="응답 보내기").tap()
    expect(page.get_by_text("응답해 주셔서 감사합니다.", exact=False).first).to_be_visible()
    check_accessibility(page, "만족도 조사 응답 뒤")


def citizen_switches_to_english(page, receipt_no: str) -> None:
    page.get_by_role("button", name="English").tap()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name=f"Complaint {receipt_no}")).to_be_visible()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    expect(page.locator("[data-testid=answer]")).to_contain_text(ANSWER)
    check_accessibility(page, "English")


@pytest.mark.django_db(transaction=True)
def test_citizen_on_a_phone_reports_follows_up_reads_the_answer_and_rates_it(
    phone, live_server, staff, run_tasks
):
    from ontong.complaints.models import Complaint
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    page = phone()
    receipt_no = citizen_reports_with_a_photo(page, live_server.url)
    complaint = Complaint.objects.get(receipt_no=receipt_no)
    assert complaint.attachments.count() == 1
    code = page.locator("[data-testid=short-code]").inner_text()
    citizen_adds_more(page)
    citizen_looks_it_up_on_another_device(phone, live_server.url, receipt_no, code)

    c = perform(
        complaint, "assign", staff["triage"], department=Department.objects.get(name="도로과")
    )
    c = perform(c, "start", staff["road"])
    c = perform(c, "submit", staff["road"], answer=ANSWER)
    c = perform(c, "approve", staff["road_mgr"])
    perform(c, "notify", staff["road_mgr"])
    run_tasks()

    citizen_reads_the_answer_and_answers_the_survey(page)
    citizen_switches_to_english(page, receipt_no)


def staff_answer_in_the_browser(browser, base_url: str, receipt_no: str) -> None:
    """접수담당 assigns, 도로과 담당자 answers, 관리자 approves and notifies: the demo's logins."""
    from ontong.devtools.demo import DEMO_PASSWORD
    from ontong.web.tests.browser import act

    def signed_in(username):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(base_url + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("#login-submit")
        page.wait_for_load_state()
        page.goto(f"{base_url}/complaints/{receipt_no}/")
        return context, page

    journeys: list[tuple[str, list[tuple[str, dict[str, str]]]]] = [
        ("triage", [("assign", {"department": "도로과"})]),
        ("road", [("start", {}), ("submit", {"answer": ANSWER})]),
        ("road_mgr", [("approve", {})]),  # 결재 후 바로 통보
    ]
    for username, steps in journeys:
        context, page = signed_in(username)
        for action, fields in steps:
            act(page, action, **fields)
            page.wait_for_load_state()
            errors = page.locator(".messages li.error")
            assert errors.count() == 0, f"{username} {action}: {errors.all_inner_texts()}"
        context.close()


def test_citizen_journey_against_the_production_server(phone, browser, production_server):
    page = phone()
    receipt_no = citizen_reports_with_a_photo(page, production_server.url)
    code = page.locator("[data-testid=short-code]").inner_text()
    citizen_adds_more(page)
    citizen_looks_it_up_on_another_device(phone, production_server.url, receipt_no, code)
    staff_answer_in_the_browser(browser, production_server.url, receipt_no)
    citizen_reads_the_answer_and_answers_the_survey(page)
    citizen_switches_to_english(page, receipt_no)
