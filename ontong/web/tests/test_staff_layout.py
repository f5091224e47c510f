"""Staff pages are readable on a phone and a desk screen (issue 13 item 8)."""

import os
from pathlib import Path

import pytest

from ontong.complaints.workflow import perform
from ontong.org.models import Department

from .browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


@pytest.fixture
def cases(staff, new_complaint):
    made = []
    for text, department in [
        ("읍내동 사거리 신호등 옆 가로등이 사흘째 꺼져 있어 밤길이 위험합니다", "도로과"),
        ("동문동 재활용품 수거장에 쓰레기가 일주일째 쌓여 냄새가 심해요", "자원순환과"),
        ("해미읍성 앞 도로에 포트홀이 생겨 차량 바퀴가 손상되었습니다", None),
    ]:
        c = new_complaint(text)
        if department:
            c = perform(
                c, "assign", staff["triage"], department=Department.objects.get(name=department)
            )
        made.append(c)
    return made


def shot(page, name: str, folder) -> None:
    """Kept for a person to look at: pytest's tmp folder, or ONTONG_SCREENSHOTS if set."""
    target = Path(os.environ.get("ONTONG_SCREENSHOTS") or folder)
    page.screenshot(path=str(target / f"staff-{name}.png"), full_page=True)


def column_widths(page, selector: str) -> list[float]:
    return page.eval_on_selector_all(
        selector, "cells => cells.map(c => c.getBoundingClientRect().width)"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_complaint_list_title_is_readable(open_page, cases, viewport, tmp_path):
    page = open_page("/complaints/", user="admin")
    page.set_viewport_size(viewport)
    name = "phone" if viewport is PHONE else "desk"
    shot(page, f"list-{name}", tmp_path)
    # A title cell one or two characters wide is unreadable (Korean wraps per character).
    for width in column_widths(page, "tbody#rows td:nth-child(3)"):
        assert width >= 150
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_reports_table_keeps_department_names_on_a_line(open_page, cases, viewport, tmp_path):
    page = open_page("/reports/", user="admin")
    page.set_viewport_size(viewport)
    name = "phone" if viewport is PHONE else "desk"
    shot(page, f"reports-{name}", tmp_path)
    heights = page.eval_on_selector_all(
        "[data-testid=report-table] tbody td:first-child",
        "cells => cells.map(c => [c.textContent, c.getBoundingClientRect().height])",
    )
    assert heights
    for text, height in heights:
        assert height < 50, text  # one line, not a character per line
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1


@pytest.mark.django_db(transaction=True)
def test_complaint_page_on_a_phone(open_page, cases, tmp_path):
    page = open_page(f"/complaints/{cases[0].receipt_no}/", user="admin")
    page.set_viewport_size(PHONE)
    shot(page, "detail-phone", tmp_path)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


STAFF_PAGES = [
    "/inbox/",
    "/queue/",
    "/complaints/",
    "/overdue/",
    "/reports/",
    "/notifications/",
    "/approvals/",
    "/saved-replies/",
    "/map/",
]


@pytest.mark.django_db
def test_staff_pages_carry_no_inline_script(client, staff, new_complaint):
    """A Content-Security-Policy without inline script must not break them."""
    import re

    c = new_complaint("읍내동 가로등이 꺼졌어요.")
    client.force_login(staff["admin"])
    for url in [*STAFF_PAGES, f"/complaints/{c.receipt_no}/"]:
        page = client.get(url).content.decode()
        inline = [s for s in re.findall(r"<script([^>]*)>", page) if "src=" not in s]
        assert inline == [] or all('type="application/json"' in s for s in inline), url
        assert not re.search(r"\son[a-z]+=", page), url


@pytest.mark.django_db(transaction=True)
def test_choosing_a_suggested_department_fills_the_form(open_page, staff, new_complaint):
    from ontong.routing.models import RoutingRule

    RoutingRule.objects.create(
        name="가로등", keywords="가로등", department=Department.objects.get(name="도로과")
    )
    from ontong.complaints.workflow import perform

    # A new case is assigned from a suggestion in one action; an assigned one is reassigned by
    # choosing a suggestion into the reassign form.
    c = perform(
        new_complaint("읍내동 사거리 가로등이 꺼졌어요."),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="교통과"),
    )
    page = open_page(f"/complaints/{c.receipt_no}/", user="triage")
    choice = page.locator("[data-testid=suggestions] button[data-suggest-department]").first
    department = choice.get_attribute("data-suggest-department")
    choice.click()
    box = page.locator("details[data-action=reassign]")
    assert box.get_attribute("open") is not None
    assert box.locator("select[name=department]").input_value() == department
