"""The inbox in Debian's chromium (issue 18): tabs with counts and unread marks, a new case added
live without moving focus or scroll, 다음 민원, keyboard shortcuts and their `?` dialog, and bulk
actions with the 함께 처리 confirmation. Every page is checked with axe-core (KWCAG 2.2).

With ONTONG_SCREENSHOTS=DIR the inbox views are saved there (docs/images holds the ones in
docs/staff-guide.md)."""

import pytest

from ontong.complaints.models import Complaint, State
from ontong.complaints.workflow import perform
from ontong.org.models import Department

from .a11y import check_accessibility
from .browser import BROWSER_MARKS
from .test_staff_layout import shot

pytestmark = BROWSER_MARKS


def road():
    return Department.objects.get(name="도로과")


@pytest.mark.django_db(transaction=True)
def test_tabs_count_mark_unread_and_take_new_cases_live(open_page, staff, new_complaint, tmp_path):
    old = [new_complaint(f"읍내동 {n}번 가로등이 꺼졌어요.") for n in range(1, 31)]
    assigned = perform(new_complaint("포트홀"), "assign", staff["triage"], department=road())
    page = open_page("/queue/?view=unassigned", user="triage")
    check_accessibility(page, "미배정 보기")
    tabs = page.get_by_role("navigation", name="민원함 보기")
    assert tabs.get_by_role("link", name="미배정").get_attribute("aria-current") == "page"
    assert page.get_by_test_id("tab-count-unassigned").inner_text() == "30 ● 안 읽음 30"
    assert page.get_by_test_id("tab-count-all").inner_text().startswith("31")
    shot(page, "inbox-unassigned", tmp_path)

    # Focus a row far down the page: a new case is added on top, and what the person looks at
    # stays where it is.
    link = page.locator(f"tr[data-receipt='{old[2].receipt_no}'] a")
    link.focus()
    page.mouse.wheel(0, 400)
    page.wait_for_timeout(300)
    where = link.bounding_box()["y"]  # where the person is looking, on the screen
    fresh = new_complaint("동문동 쓰레기가 쌓였어요.")
    row = page.locator(f"tr[data-receipt='{fresh.receipt_no}']")
    row.wait_for(timeout=10_000)
    assert page.evaluate("document.activeElement.textContent") == old[2].receipt_no
    # The row above grew the page; the browser's scroll anchoring keeps the row in view put.
    assert abs(link.bounding_box()["y"] - where) < 2
    assert row.get_by_test_id("new-mark").is_visible() and row.get_by_test_id("unread-mark").count()
    assert page.get_by_test_id("tab-count-unassigned").inner_text().startswith("31")
    check_accessibility(page, "새 민원이 들어온 뒤")

    # Opening a case reads it; the tab counts one unread fewer.
    page.goto(page.url.split("/queue/")[0] + f"/complaints/{fresh.receipt_no}/?view=unassigned")
    check_accessibility(page, "민원 화면")
    page.get_by_role("link", name="← 미배정 목록").click()
    assert (
        page.locator(f"tr[data-receipt='{fresh.receipt_no}']").get_by_test_id("unread-mark").count()
        == 0
    )
    assert page.get_by_test_id("tab-count-unassigned").inner_text() == "31 ● 안 읽음 30"

    # The view is remembered: the menu's 부서함 opens on it, and the tab switches by link.
    page.get_by_role("navigation", name="직원 메뉴").get_by_role("link", name="부서함").click()
    assert "부서함 · 미배정" in page.locator("h1").inner_text()
    tabs.get_by_role("link", name="모두").click()
    assert page.url.endswith("/queue/?view=all")
    assert page.locator(f"tr[data-receipt='{assigned.receipt_no}']").is_visible()
    shot(page, "inbox-all", tmp_path)


@pytest.mark.django_db(transaction=True)
def test_next_case_and_keyboard_shortcuts(open_page, staff, new_complaint, tmp_path):
    first, second, third = (new_complaint(t) for t in ("가로등", "포트홀", "쓰레기"))
    page = open_page("/queue/?view=unassigned", user="triage")
    rows = page.locator("tbody#rows tr")
    page.keyboard.press("j")
    assert rows.nth(0).get_attribute("class").endswith("current")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.textContent") == second.receipt_no
    # Typing in the search box is typing, not a shortcut.
    page.get_by_label("검색").fill("jjk")
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.locator("tbody#rows tr.current a").focus()
    page.keyboard.press("o")
    page.wait_for_url(f"**/complaints/{second.receipt_no}/**")

    # `?` lists the shortcuts in a modal dialog; Esc closes it and focus comes back.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="단축키")
    assert dialog.is_visible()
    check_accessibility(page, "단축키 창")
    shot(page, "inbox-shortcuts", tmp_path)
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    page.keyboard.press("r")
    reply = page.locator("details[data-action=reply] textarea[name=text]")
    assert page.evaluate("document.activeElement.name") == "text" and reply.is_visible()
    page.keyboard.type("j k a")  # typed into the reply, not shortcuts
    assert reply.input_value() == "j k a" and f"/complaints/{second.receipt_no}/" in page.url
    page.locator("h1").click()
    page.keyboard.press("a")
    assert page.locator("details[data-action=assign]").get_attribute("open") is not None
    assert page.evaluate("document.activeElement.getAttribute('role')") == "combobox"
    page.locator("h1").click()
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.closest('details').dataset.action") == "note"

    # j: 다음 민원 without going back to the list (newest first: third, second, first).
    assert page.get_by_test_id("case-position").inner_text() == "2 / 3"
    page.locator("h1").click()
    page.keyboard.press("j")
    page.wait_for_url(f"**/complaints/{first.receipt_no}/**")
    assert page.get_by_test_id("last-case").is_visible()
    page.get_by_test_id("previous-case").click()
    page.wait_for_url(f"**/complaints/{second.receipt_no}/**")
    page.get_by_test_id("previous-case").click()
    page.wait_for_url(f"**/complaints/{third.receipt_no}/**")
    check_accessibility(page, "다음 민원 이동")


@pytest.mark.django_db(transaction=True)
def test_bulk_assign_merge_and_spam(open_page, staff, new_complaint, tmp_path):
    lamp = new_complaint("읍내동 사거리 가로등이 꺼졌어요.")
    lamp_again = new_complaint("읍내동 사거리 가로등이 또 꺼졌어요.")
    pothole = new_complaint("동문동 포트홀")
    spam = new_complaint("대출 광고입니다")
    page = open_page("/queue/?view=unassigned", user="triage")
    form = page.get_by_test_id("bulk-form")

    def pick(*cases):
        for c in cases:
            page.get_by_label(f"{c.receipt_no} 고르기").check()

    # Assign two at once; one of them was assigned meanwhile by someone else: reported, not lost.
    pick(pothole, lamp)
    perform(Complaint.objects.get(pk=lamp.pk), "assign", staff["admin"], department=road())
    form.get_by_label("처리").select_option(label="배정")
    form.get_by_label("배정할 부서").select_option(label="도로과")
    form.get_by_test_id("bulk-submit").click()
    summary = page.get_by_test_id("bulk-summary")
    assert summary.inner_text().startswith("2건 중 1건 처리")
    failed = page.locator(f"tr[data-receipt='{lamp.receipt_no}']").get_by_test_id("outcome")
    assert "현재 상태" in failed.inner_text()
    check_accessibility(page, "여러 건 배정 결과")
    shot(page, "inbox-bulk-result", tmp_path)
    assert Complaint.objects.get(pk=pothole.pk).department == road()

    # 함께 처리 first shows what will be merged into what; nothing happens before the confirm.
    page.get_by_role("link", name="민원함으로 돌아가기").click()
    newer = new_complaint("읍내동 사거리 가로등 고장")
    page.reload()
    pick(lamp_again, newer)
    form.get_by_label("처리").select_option(value="mark_duplicate")
    assert form.get_by_label("배정할 부서").is_hidden()
    form.get_by_test_id("bulk-submit").click()
    confirm = page.get_by_test_id("bulk-confirm")
    assert confirm.locator("tbody tr").count() == 2
    check_accessibility(page, "함께 처리 확인")
    assert Complaint.objects.get(pk=newer.pk).state == State.RECEIVED
    kept = confirm.locator(f"tr[data-receipt='{lamp_again.receipt_no}'] [data-testid=after]")
    assert kept.inner_text() == "원민원: 그대로 처리"
    page.get_by_label(f"{newer.receipt_no}을 원민원으로").check()
    assert kept.inner_text() == "중복 처리로 종결"
    shot(page, "inbox-merge-confirm", tmp_path)
    page.get_by_test_id("bulk-confirm-submit").click()
    assert page.get_by_test_id("bulk-summary").inner_text().startswith("1건 중 1건 처리")
    merged = Complaint.objects.get(pk=lamp_again.pk)
    assert merged.state == State.CLOSED and merged.duplicate_of_id == newer.pk

    # 스팸: confirmed, then closed without a word to the sender.
    page.get_by_role("link", name="민원함으로 돌아가기").click()
    pick(spam)
    form.get_by_label("처리").select_option(value="close_spam")
    form.get_by_test_id("bulk-submit").click()
    page.get_by_test_id("bulk-confirm-submit").click()
    assert page.get_by_test_id("bulk-summary").inner_text().startswith("1건 중 1건 처리")
    assert Complaint.objects.get(pk=spam.pk).state == State.CLOSED


@pytest.mark.django_db(transaction=True)
def test_n_opens_the_note_on_a_case_in_progress(open_page, staff, new_complaint):
    """조치 기록 comes before 내부 메모 on the page, and `n` opened it on every case in 처리중."""
    road = Department.objects.get(name="도로과")
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=road)
    perform(case, "start", staff["road"])
    page = open_page(f"/complaints/{case.receipt_no}/", user="road")
    assert page.locator("details[data-action=record_action]").count() == 1
    page.locator("h1").click()
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.closest('details').dataset.action") == "note"
