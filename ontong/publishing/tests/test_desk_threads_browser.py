"""The editor's live Threads card in Debian's chromium, with axe's checks: the whole text and the
photos as Threads shows them, its 500-character count as you type (an emoji counts 4), the part
beyond the limit marked, and the same sentence as the server's check."""

import pytest

from ontong.channels.meta.models import MetaAccount
from ontong.web.tests.a11y import check_accessibility
from ontong.web.tests.browser import BROWSER_MARKS

from .conftest import TOKEN
from .test_desk_browser import photo, shot

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_the_threads_preview_counts_as_you_type(open_page, desk, accounts):
    threads = MetaAccount.objects.create(
        kind="threads", external_id="27000000000000321", name="서산시 스레드", page_token=TOKEN
    )
    page = open_page("/publishing/posts/new/", user="writer")
    live = page.locator("[data-testid=live-threads]")
    assert live.locator("[data-testid=threads-card]").count() == 0  # no Threads account chosen
    page.check(f"input[name=accounts][value='{threads.pk}']")
    page.check(f"input[name=accounts][value='{accounts['page'].pk}']")
    page.fill("#id_text", "서산 해미읍성 축제가 오늘 시작합니다 🎉")
    card = live.locator("[data-testid=threads-card]")
    assert "서산시 스레드" in card.inner_text()
    assert "서산 해미읍성 축제가 오늘 시작합니다 🎉" in card.inner_text()
    assert card.locator("[data-testid=threads-count]").inner_text() == "25/500자"  # 🎉 is 4
    limits = page.locator("[data-testid=limits]")
    assert "스레드 글 25/500자" in limits.inner_text()

    page.fill("#id_text", "가" * 497 + "🎉")  # 497 + 4 = 501: one over
    assert card.locator("[data-testid=threads-count]").inner_text() == "501/500자"
    assert card.locator("[data-testid=threads-over]").inner_text() == "🎉"
    assert "스레드: 글이 501자입니다 (최대 500자, 이모지는 4자로 셈)." in limits.inner_text()
    assert "페이스북" not in limits.locator("li.problem").all_inner_texts().__str__()
    page.fill("#id_text", "가" * 500)
    assert card.locator("[data-testid=threads-over]").count() == 0
    assert "스레드:" not in limits.inner_text()

    page.set_input_files(
        "input[name=images]",
        files=[{"name": f"{n}.png", "mimeType": "image/png", "buffer": photo()} for n in range(2)],
    )
    for field, alt in zip(
        page.locator("input[name=new_alt]").all(), ["진남문", "성곽"], strict=True
    ):
        field.fill(alt)
    media = card.locator("[data-testid=threads-media] img")
    assert media.evaluate_all("es => es.map(e => e.alt)") == ["진남문", "성곽"]
    check_accessibility(page, "editor with the Threads preview")
    shot(page, "desk3-1-threads-preview")
