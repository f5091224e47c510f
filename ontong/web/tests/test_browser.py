"""The whole journey in Debian's chromium: citizen → 접수함 → 배정 → 답변 → 결재 → 통보 → status page."""

import re

import pytest

from ontong.complaints.models import Complaint, Message

from .browser import BROWSER_MARKS, act

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_citizen_to_answer_end_to_end(open_page, staff, run_tasks):
    inbox = open_page("/inbox/", user="triage")
    assert "해당하는 민원이 없습니다" in inbox.content()

    citizen = open_page("/minwon/")
    citizen.fill("#id_body", "해미읍성 앞 도로에 포트홀이 생겨 위험해요 🚗")
    citizen.select_option("#id_area", label="해미면")
    citizen.click("#intake-submit")
    receipt_no = citizen.locator("[data-testid=receipt-no]").inner_text()
    assert re.fullmatch(r"\d{4}-\d{6}", receipt_no)
    status_url = citizen.url

    # The open 접수함 shows it without a reload (htmx polling every 3 s).
    inbox.locator(f"tr[data-receipt='{receipt_no}']").wait_for(timeout=8_000)
    inbox.click(f"text={receipt_no}")
    act(inbox, "assign", department="도로과")
    assert inbox.locator("[data-testid=department]").inner_text().endswith("도로과")

    officer = open_page(f"/complaints/{receipt_no}/", user="road")
    act(officer, "start")
    act(officer, "submit", answer="포트홀을 아스팔트로 메웠습니다. 알려 주셔서 감사합니다.")
    assert officer.locator("[data-testid=state]").inner_text() == "결재 대기"

    manager = open_page(f"/complaints/{receipt_no}/", user="road_mgr")
    act(manager, "approve")  # 결재 후 바로 통보 (the city's default)
    assert manager.locator("[data-testid=state]").inner_text() == "통보완료"
    run_tasks()
    assert (
        Complaint.objects.get(receipt_no=receipt_no)
        .messages.get(purpose=Message.Purpose.RESULT)
        .delivery
        == Message.Delivery.SENT
    )

    citizen.goto(status_url)
    assert "포트홀을 아스팔트로 메웠습니다" in citizen.locator("[data-testid=answer]").inner_text()
    assert citizen.locator("[data-testid=state]").inner_text() == "답변 완료"  # no jargon


@pytest.mark.django_db(transaction=True)
def test_cross_department_access_is_refused(open_page, staff, new_complaint):
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    c = perform(
        new_complaint(), "assign", staff["triage"], department=Department.objects.get(name="도로과")
    )
    page = open_page(f"/complaints/{c.receipt_no}/", user="traffic")
    assert "찾는 화면이 없습니다" in page.content()  # the friendly 404, the same as for no case
    assert c.receipt_no not in open_page("/queue/", user="traffic").content()


@pytest.mark.django_db(transaction=True)
def test_invalid_transition_shows_a_clear_error(open_page, staff, new_complaint):
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    c = perform(
        new_complaint(), "assign", staff["triage"], department=Department.objects.get(name="도로과")
    )
    stale = open_page(f"/complaints/{c.receipt_no}/", user="road")
    perform(c, "start", staff["road_mgr"])  # someone else started it meanwhile
    act(stale, "start")
    error = stale.locator(".messages li.error").inner_text()
    assert error == "현재 상태(처리중)에서는 '처리 시작'을(를) 할 수 없습니다."
