"""From complaints to posts in Debian's chromium with axe's checks: the desk → its complaint
themes → "해설 글 초안 만들기" → the post editor holding the drafted text, masked."""

import os
from pathlib import Path

import pytest

from ontong.publishing.models import Post
from ontong.web.tests.a11y import check_accessibility
from ontong.web.tests.browser import BROWSER_MARKS

from .test_themes import LAMP, lamp_theme  # noqa: F401 (the fixture)

pytestmark = BROWSER_MARKS


def screenshot(page, name: str) -> None:
    """For docs/publishing.md: ONTONG_SCREENSHOTS=docs/images."""
    if folder := os.environ.get("ONTONG_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"desk2-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_desk_to_themes_to_a_drafted_explainer(open_page, lamp_theme):  # noqa: F811
    page = open_page("/publishing/", user="pr")
    page.get_by_test_id("themes-link").click()
    page.get_by_role("heading", name="최근 민원 주제").wait_for()
    theme = page.get_by_test_id("theme").first
    assert theme.get_by_test_id("theme-count").inner_text() == "3건"
    assert "석남동" in theme.get_by_test_id("theme-areas").inner_text()
    assert "도로과" in theme.get_by_test_id("theme-departments").inner_text()
    assert "홍길동" not in page.content() and "1234-5678" not in page.content()
    check_accessibility(page, "complaint themes")
    page.get_by_label("기간").select_option("2")
    page.get_by_role("button", name="보기").click()
    page.wait_for_url("**/publishing/themes/?weeks=2")
    page.get_by_test_id("theme-draft").first.wait_for()
    screenshot(page, "6-complaint-themes")
    page.get_by_test_id("theme-draft").first.click()
    page.wait_for_url("**/publishing/posts/*/edit/")
    text = page.locator("textarea[name=text]").input_value()
    assert "안정기를 교체해 다시 켰습니다." in text and "041-660-2345" in text
    assert "홍길동" not in text and "1234-5678" not in text and LAMP[0] not in text
    assert page.locator("input[name=title]").input_value().startswith("자주 묻는 민원")
    check_accessibility(page, "post editor with the drafted explainer")
    screenshot(page, "7-drafted-explainer")
    assert Post.objects.get().origin["count"] == 3
