"""The 배정 picker in Debian's chromium: 초성 search, keyboard choice, assignment, and what a
person sees on a desktop and a phone (screenshots kept in the test's tmp_path)."""

import pytest
from playwright.sync_api import expect

from ontong.org.models import Department
from ontong.web.tests.a11y import check_accessibility
from ontong.web.tests.browser import BROWSER_MARKS, login

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_initials_keyboard_choice_and_assignment(open_page, staff, new_complaint, tmp_path):
    complaint = new_complaint("읍내동 사거리에 포트홀이 생겼어요.")
    page = open_page(f"/complaints/{complaint.receipt_no}/", user="triage")
    box = page.locator("details[data-action=assign]")
    combo = box.get_by_role("combobox", name="부서")
    listbox = page.get_by_role("listbox", name="부서")
    assert box.locator("select[name=department]").is_hidden()  # the script took over

    preselected = combo.input_value()
    assert preselected, "the top suggestion is chosen from the start"
    note = page.locator(".picker-preselected")
    expect(note).to_be_visible()
    combo.fill(preselected)  # typing what is already there still searches
    expect(listbox.locator(f"[role=option][data-name='{preselected}']").first).to_be_visible()

    combo.click()
    combo.press("Control+a")
    combo.press_sequentially("ㄷㄹ", delay=60)
    expect(note).to_be_hidden()  # what is typed is a search, the suggestion no longer chosen
    options = listbox.get_by_role("option")
    expect(options).to_have_count(3)
    assert [o.get_attribute("data-name") for o in options.all()] == [
        "도로과",
        "도로관리팀",
        "도로보수팀",
    ]
    expect(listbox.get_by_role("group", name="건설교통국")).to_be_visible()
    expect(page.locator("#picker-status")).to_have_text("부서 3곳")
    expect(combo).to_have_attribute("aria-expanded", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")  # Enter takes the best

    combo.press("ArrowDown")
    combo.press("ArrowDown")
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    expect(combo).to_have_attribute("aria-activedescendant", options.nth(2).get_attribute("id"))
    combo.press("ArrowUp")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.screenshot(path=tmp_path / "picker-desktop-open.png")
    check_accessibility(page, "picker open, an option active")

    combo.press("Enter")  # chooses, does not submit
    expect(listbox).to_be_hidden()
    expect(combo).to_have_value("도로관리팀")
    expect(combo).to_be_focused()
    team = Department.objects.get(name="도로관리팀")
    assert box.locator("select[name=department]").input_value() == str(team.pk)
    assert page.locator("[data-testid=state]").inner_text() == "접수"

    combo.press("Enter")  # the list is closed: Enter submits the form
    expect(page.locator("[data-testid=state]")).to_have_text("배정")
    expect(page.locator("[data-testid=department]")).to_have_text(
        "건설교통국 › 도로과 › 도로관리팀"
    )
    page.screenshot(path=tmp_path / "picker-desktop-assigned.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_recent_first_escape_and_phone_width(open_page, staff, new_complaint, tmp_path):
    from ontong.complaints.workflow import perform

    perform(
        new_complaint(), "assign", staff["triage"], department=Department.objects.get(name="교통과")
    )
    complaint = new_complaint("쓰레기가 며칠째 그대로예요.")
    page = open_page(f"/complaints/{complaint.receipt_no}/", user="triage")
    page.set_viewport_size({"width": 390, "height": 844})
    combo = page.get_by_role("combobox", name="부서")
    listbox = page.get_by_role("listbox", name="부서")
    combo.focus()
    combo.press("ArrowDown")  # opens the whole list, recent first
    expect(listbox).to_be_visible()
    first_group = listbox.get_by_role("group").first
    expect(first_group).to_have_accessible_name("최근 배정한 부서")
    expect(first_group.get_by_role("option")).to_have_text(["교통과"])
    combo.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "picker-phone-open.png")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    check_accessibility(page, "picker open on a phone")
    combo.press("Escape")
    expect(listbox).to_be_hidden()

    # Nothing chosen: the form says so instead of posting.
    combo.fill("없는부서")
    expect(page.locator("#picker-status")).to_have_text("맞는 부서가 없습니다.")
    page.locator("details[data-action=assign] button[type=submit]").click()
    assert combo.evaluate("e => e.validationMessage") == "목록에서 부서를 고르세요."
    assert page.locator("[data-testid=state]").inner_text() == "접수"


@pytest.mark.django_db(transaction=True)
def test_without_script_the_plain_select_assigns(browser, live_server, staff, new_complaint):
    complaint = new_complaint()
    context = browser.new_context(java_script_enabled=False, locale="ko-KR")
    try:
        page = context.new_page()
        login(page, live_server.url, "triage")
        page.goto(f"{live_server.url}/complaints/{complaint.receipt_no}/")
        box = page.locator("details[data-action=assign]")
        expect(box.locator("#picker-input")).to_be_hidden()
        box.locator("select[name=department]").select_option(label="교통과")
        box.locator("button[type=submit]").click()
        expect(page.locator("[data-testid=department]")).to_have_text("건설교통국 › 교통과")
    finally:
        context.close()
