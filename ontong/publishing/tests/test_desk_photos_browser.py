"""Desk 2.0 in Debian's chromium, with axe's accessibility checks: three photos with alt text,
reordered by keyboard, live previews and limits as you type, approve & schedule in one step,
published as a Facebook multi-photo post and an Instagram carousel; the calendar's day grid
driven by keyboard, and an empty day clicked to write a post on it."""

import datetime as dt

import pytest
from django.utils import timezone

from ontong.publishing import services
from ontong.publishing.models import Post
from ontong.web.tests.a11y import check_accessibility
from ontong.web.tests.browser import BROWSER_MARKS

from .conftest import IG, PAGE
from .test_desk_browser import at, chip_day, click_action, photo, shot, tab_to, week_of
from .test_publishing import due_now, make_post

pytestmark = BROWSER_MARKS

ALTS = ["해미읍성 진남문 앞 야경", "성곽 길을 걷는 시민들", "축제 무대의 불꽃"]


def photo_alts(page) -> list[str]:
    return page.locator("#photo-list [data-role=alt]").evaluate_all("es => es.map(e => e.value)")


@pytest.mark.django_db(transaction=True)
def test_photos_alt_text_previews_approve_and_schedule_carousel(
    open_page, desk, accounts, emulator, monkeypatch
):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    writer = open_page("/publishing/posts/new/", user="writer")
    writer.fill("#id_title", "해미읍성 야경 사진전")
    writer.fill("#id_text", "해미읍성의 밤을 사진으로 만나 보세요. " * 6)
    writer.fill("#id_hashtags", "서산 해미읍성")
    planned = timezone.localtime() + dt.timedelta(hours=2)
    writer.fill("#id_planned_at", planned.strftime("%Y-%m-%dT%H:%M"))
    for account in accounts.values():
        writer.check(f"input[name=accounts][value='{account.pk}']")
    writer.set_input_files(
        "input[name=images]",
        files=[{"name": f"{n}.png", "mimeType": "image/png", "buffer": photo()} for n in range(3)],
    )
    alts = writer.locator("input[name=new_alt]")
    assert alts.count() == 3
    alts.nth(0).fill(ALTS[0])
    alts.nth(1).fill(ALTS[1])
    limits = writer.locator("[data-testid=limits]")
    assert "사진 3: 대체 텍스트를 적어 주세요" in limits.inner_text()  # live, before saving
    assert "인스타그램 캡션" in limits.inner_text() and "사진 3/10장" in limits.inner_text()
    live_ig, live_fb = (
        writer.locator("[data-testid=live-instagram]"),
        writer.locator("[data-testid=live-facebook]"),
    )
    assert live_ig.locator("[data-testid=ig-dots] .dot").count() == 3
    assert live_ig.locator("[data-testid=more]").count() == 1  # cut at 125 characters
    assert live_fb.locator("[data-testid=fb-grid] img").count() == 3
    writer.fill("#id_hashtags", " ".join(f"태그{n}" for n in range(31)))
    assert "인스타그램: 해시태그가 31개입니다 (최대 30개)." in limits.inner_text()
    writer.fill("#id_hashtags", "서산 해미읍성")
    alts.nth(2).fill(ALTS[2])
    assert "대체 텍스트" not in limits.inner_text()
    check_accessibility(writer, "new post with three photos")
    shot(writer, "desk2-1-photos-and-previews")
    writer.click("#save-post")
    post = Post.objects.get(title="해미읍성 야경 사진전")
    assert [i.alt_text for i in post.images.all()] == ALTS

    # Reorder by keyboard: the first photo goes down one place; the change is spoken.
    writer.goto(writer.url.rstrip("/") + "/edit/")
    check_accessibility(writer, "editor with saved photos")
    tab_to(writer, "#photo-list li:first-child [data-move=down]")
    writer.keyboard.press("Enter")
    status = writer.locator("[data-testid=photo-status]")
    status.get_by_text("사진을 2번째로 옮겼습니다 (전체 3장).").wait_for(state="attached")
    assert photo_alts(writer) == [ALTS[1], ALTS[0], ALTS[2]]
    assert writer.evaluate("() => document.activeElement.dataset.move") == "down"  # still there
    items = writer.locator("#photo-list > li")
    writer.set_viewport_size({"width": 1280, "height": 2400})  # no scrolling in mid-drag
    items.nth(2).drag_to(
        items.nth(0), source_position={"x": 140, "y": 14}, target_position={"x": 40, "y": 5}
    )  # by mouse: last first
    status.get_by_text("사진을 1번째로 옮겼습니다 (전체 3장).").wait_for(state="attached")
    assert photo_alts(writer) == [ALTS[2], ALTS[1], ALTS[0]]
    items.nth(0).locator("[data-move=down]").click()  # and back, to keep the order below
    assert photo_alts(writer) == [ALTS[1], ALTS[2], ALTS[0]]
    items.nth(1).locator("[data-move=down]").click()
    shot(writer, "desk2-2-reordered")
    writer.click("#save-post")
    writer.locator("[data-testid=post-state]").wait_for()
    assert [i.alt_text for i in post.images.all()] == [ALTS[1], ALTS[0], ALTS[2]]
    assert writer.locator("[data-testid=ig-card] [data-testid=ig-dots] .dot").count() == 3
    assert writer.locator("[data-testid=fb-card] [data-testid=fb-grid] img").count() == 3
    click_action(writer, "submit")
    assert writer.locator("form[data-action=approve_schedule]").count() == 0  # the author

    approver = open_page(f"/publishing/posts/{post.pk}/", user="approver")
    check_accessibility(approver, "post in review, platform previews")
    shot(approver, "desk2-3-review-previews")
    click_action(approver, "approve_schedule")
    assert approver.locator("[data-testid=post-state]").inner_text() == "예약됨"

    due_now(post)
    assert services.publish_due() == 2
    approver.reload()
    assert approver.locator("[data-testid=target-state]").all_inner_texts() == ["게시됨"] * 2
    [media] = emulator.posts[IG]
    assert media["media_type"] == "CAROUSEL_ALBUM"
    assert media["alt_texts"] == [ALTS[1], ALTS[0], ALTS[2]]
    assert len(emulator.posts[PAGE][0]["attached_media"]) == 3
    shot(approver, "desk2-4-published")


@pytest.mark.django_db(transaction=True)
def test_the_day_grid_moves_a_post_by_keyboard(open_page, desk, accounts):
    day = timezone.localdate() + dt.timedelta(days=8)
    sunday = day - dt.timedelta(days=(day.weekday() + 1) % 7)
    post = make_post(desk, accounts, kinds=("ig",), planned=at(sunday, 10))
    page = open_page(week_of(sunday), user="writer")
    check_accessibility(page, "week view")
    tab_to(page, f"[data-post='{post.pk}'] summary")
    assert "날짜 옮기기" in page.locator(":focus").inner_text()
    page.keyboard.press("Enter")
    tab_to(page, f"[data-post='{post.pk}'] [data-pick]")
    page.keyboard.press("Enter")
    message = page.locator("[data-testid=desk-message]")
    message.get_by_text("화살표로 날짜를 고르고").wait_for()
    assert page.evaluate("() => document.activeElement.dataset.day") == sunday.isoformat()
    page.keyboard.press("ArrowLeft")  # nothing before Sunday in this week
    message.get_by_text("이 기간의 끝").wait_for()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    target = sunday + dt.timedelta(days=3)
    assert page.evaluate("() => document.activeElement.dataset.day") == target.isoformat()
    page.keyboard.press("Enter")
    message.get_by_text("옮겼습니다").wait_for()
    assert chip_day(page, post) == target.isoformat()
    shot(page, "desk2-5-moved-on-the-grid")
    post.refresh_from_db()
    assert timezone.localtime(post.planned_at).date() == target


@pytest.mark.django_db(transaction=True)
def test_the_day_grid_refuses_a_past_day_and_says_why(open_page, desk, accounts):
    monday = timezone.localdate() - dt.timedelta(days=7 + timezone.localdate().weekday())
    post = make_post(desk, accounts, kinds=("ig",), planned=at(monday, 10))
    Post.objects.filter(pk=post.pk).update(state="approved", approved_by=desk["approver"])
    page = open_page(week_of(monday), user="writer")
    page.locator(f"[data-post='{post.pk}'] summary").click()
    page.locator(f"[data-post='{post.pk}'] [data-pick]").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    message = page.locator("[data-testid=desk-message]")
    message.get_by_text("지난 시각").wait_for()
    assert message.get_attribute("aria-live") == "assertive"
    assert chip_day(page, post) == monday.isoformat()
    check_accessibility(page, "refused move")


@pytest.mark.django_db(transaction=True)
def test_an_empty_day_clicked_starts_a_post_on_that_day(open_page, desk, accounts):
    day = timezone.localdate() + dt.timedelta(days=8)
    sunday = day - dt.timedelta(days=(day.weekday() + 1) % 7)
    page = open_page(week_of(sunday), user="writer")
    target = sunday + dt.timedelta(days=2)
    page.locator(f"td[data-day='{target}']").click(position={"x": 20, "y": 60})
    page.wait_for_url("**/posts/new/**")
    assert page.locator("#id_planned_at").input_value() == f"{target}T10:00"
    check_accessibility(page, "new post from an empty day")


@pytest.mark.django_db(transaction=True)
def test_publish_now_from_the_post_page(
    open_page, desk, accounts, emulator, run_tasks, monkeypatch
):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    post = make_post(desk, accounts, planned=timezone.now() + dt.timedelta(days=2))
    post = services.transition(post, "submit", desk["writer"])
    services.transition(post, "approve", desk["approver"])
    page = open_page(f"/publishing/posts/{post.pk}/", user="writer")
    click_action(page, "publish_now")
    assert "지금 게시합니다" in page.locator(".messages").inner_text()
    run_tasks()
    page.reload()
    assert page.locator("[data-testid=post-state]").inner_text() == "게시됨"
    assert page.locator("[data-testid=target-state]").all_inner_texts() == ["게시됨"] * 2
    assert len(emulator.posts[PAGE]) == 1 and len(emulator.posts[IG]) == 1
    check_accessibility(page, "published now")


@pytest.mark.django_db(transaction=True)
def test_picking_then_tapping_a_day_moves_the_post(open_page, desk, accounts):
    """On a touch screen: "날짜 옮기기" → "달력에서 고르기", then the day tapped."""
    day = timezone.localdate() + dt.timedelta(days=8)
    sunday = day - dt.timedelta(days=(day.weekday() + 1) % 7)
    post = make_post(desk, accounts, kinds=("ig",), planned=at(sunday, 10))
    page = open_page(week_of(sunday), user="writer")
    page.locator(f"[data-post='{post.pk}'] summary").click()
    page.locator(f"[data-post='{post.pk}'] [data-pick]").click()
    page.locator("[data-testid=desk-message]").get_by_text("옮길 날을 누르세요").wait_for()
    target = sunday + dt.timedelta(days=4)
    page.locator(f"td[data-day='{target}']").click(position={"x": 20, "y": 60})
    page.locator("[data-testid=desk-message]").get_by_text("옮겼습니다").wait_for()
    assert chip_day(page, post) == target.isoformat()
    assert "/posts/new/" not in page.url  # the tap moved the post, it did not start a new one
