"""The accessibility check itself: it must fail on a page with a known violation, so a journey that
passes it means something."""

import pytest

from .a11y import check_accessibility, visit
from .browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS

CLEAN = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>확인</title></head>
<body><main><h1>민원 신청</h1><p>내용</p><button type="button">보내기</button></main></body></html>"""


@pytest.fixture
def blank(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_a_clean_page_passes(blank):
    blank.set_content(CLEAN)
    check_accessibility(blank)


def test_an_image_without_alt_and_a_nameless_button_fail_with_rule_target_and_url(blank):
    blank.set_content(
        CLEAN.replace(
            "<p>내용</p>",
            '<img id="photo" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
            '<button id="icon" type="button"></button>',
        )
    )
    with pytest.raises(AssertionError) as failure:
        check_accessibility(blank, "민원 신청 폼")
    report = str(failure.value)
    assert "image-alt [critical]" in report
    assert "#photo" in report
    assert "button-name [critical]" in report
    assert "#icon" in report
    assert "(민원 신청 폼)" in report
    assert "about:blank" in report


def test_low_contrast_text_fails(blank):
    blank.set_content(CLEAN.replace("<p>내용</p>", '<p id="pale" style="color:#bbb">내용</p>'))
    with pytest.raises(AssertionError, match="color-contrast \\[serious\\]"):
        check_accessibility(blank)


def test_visit_checks_the_page_it_opens(blank):
    url = "data:text/html;charset=utf-8,<html><body><img src=x></body></html>"
    with pytest.raises(AssertionError, match="image-alt"):
        visit(blank, url)
