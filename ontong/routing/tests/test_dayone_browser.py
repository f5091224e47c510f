"""The suggestion panel a 접수담당 sees on day one, in Debian's chromium (screenshots kept in the test's tmp_path)."""

import pytest

from ontong.routing import dayone
from ontong.web.tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_day_one_suggestion_panel_in_the_browser(open_page, staff, new_complaint, tmp_path):
    dayone.load_preset(dayone.DEMO_PRESET)
    dayone.function_model()  # trained once per process; the live server shares this one
    complaint = new_complaint("가로등이 꺼졌어요. 밤길이 너무 어두워요.")
    page = open_page(f"/complaints/{complaint.receipt_no}/", user="triage")
    panel = page.locator("[data-testid=suggestions]")
    items = panel.locator("li")
    assert items.first.locator("strong").inner_text() == "건설과"
    assert "가로등·보안등 업무 — 건설과 (시가 정한 연결)" in items.first.inner_text()
    assert items.count() == 3
    panel.screenshot(path=tmp_path / "dayone-suggestions.png")
    page.screenshot(path=tmp_path / "dayone-complaint-page.png", full_page=True)
