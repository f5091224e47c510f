"""What every page shares (base.html, ontong.css), as a keyboard user and a low-vision user meet it:
the skip link is the first tab stop and moves focus to the content, the language switch comes after
the content, `lang` follows the language, focus is visible, form fields and text have contrast."""

import pytest

from .a11y import check_accessibility
from .browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement, s = getComputedStyle(e);
        return {id: e.id, text: e.textContent.trim(), inMain: !!e.closest('main'),
                lang: !!e.closest('form[action$="/i18n/setlang/"]'),
                outline: s.outlineStyle + ' ' + s.outlineWidth, outlineColor: s.outlineColor,
                shadow: s.boxShadow, box: e.getBoundingClientRect().toJSON()}; }"""
    )


@pytest.mark.django_db(transaction=True)
def test_skip_link_is_the_first_tab_stop_and_moves_focus_into_the_content(open_page, city):
    page = open_page("/minwon/")
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "본문으로 건너뛰기"
    assert skip["box"]["x"] >= 0 and skip["box"]["y"] >= 0  # shown on screen while focused
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "content"
    page.keyboard.press("Tab")
    assert focused(page)["inMain"], "after the skip link, Tab goes to the form, not the header"
    check_accessibility(page, "민원 신청, skip link focused")


@pytest.mark.django_db(transaction=True)
def test_the_language_switch_comes_after_the_content_in_tab_order(open_page, city):
    page = open_page("/minwon/")
    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        stop = focused(page)
        order.append("lang" if stop["lang"] else "main" if stop["inMain"] else "other")
        if stop["lang"]:
            break
    assert "lang" in order
    assert "main" in order[: order.index("lang")], order


@pytest.mark.django_db(transaction=True)
def test_html_lang_follows_the_chosen_language(open_page, city):
    page = open_page("/minwon/")
    assert page.locator("html").get_attribute("lang") == "ko"
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="한국어").is_visible()


@pytest.mark.django_db(transaction=True)
def test_focus_is_visible_on_white_and_on_the_blue_header(open_page, city):
    page = open_page("/minwon/")
    white, blue = "rgb(255, 255, 255)", "rgb(11, 92, 173)"
    for selector, background in [("#id_body", white), ("header.top a.brand", blue)]:
        page.focus(selector)
        style = focused(page)
        assert style["outline"].startswith("solid") and style["outline"] != "solid 0px", style
        rings = [style["outlineColor"]]
        if style["shadow"] != "none":
            rings.append(style["shadow"][: style["shadow"].index(")") + 1])
        assert max(contrast(ring, background) for ring in rings) >= 3, (selector, rings)


@pytest.mark.django_db(transaction=True)
def test_form_fields_have_a_border_a_low_vision_user_can_see(open_page, city):
    page = open_page("/minwon/")
    border = page.locator("#id_body").evaluate("e => getComputedStyle(e).borderTopColor")
    assert contrast(border, "rgb(255, 255, 255)") >= 3, border
