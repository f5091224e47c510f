"""Issue 19's "done when", as one journey in Debian's chromium with axe's checks on every screen:
a first-time 홍보 writer makes a post of three photos with Korean alt text and another with a Reel,
sends both for review; a different person approves & schedules each in one step; the worker
publishes them through the Meta emulator (a carousel with its items' alt text, the Reel's container
polled through IN_PROGRESS over two sweeps to FINISHED, media_publish once per post); the photo
post is moved on the calendar by keyboard before its time; the dashboard shows both.
With ONTONG_SCREENSHOTS=DIR it saves the screenshots docs/publishing.md shows."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from ontong.publishing import insights, services
from ontong.publishing.models import Post
from ontong.web.tests.a11y import check_accessibility
from ontong.web.tests.browser import BROWSER_MARKS

from .conftest import IG, PAGE
from .test_desk_browser import at, chip_day, click_action, photo, shot, tab_to, week_of
from .test_desk_video_browser import video_file
from .test_publishing import due_now

pytestmark = BROWSER_MARKS

ALTS = ["해미읍성 진남문 앞 야경", "성곽 길을 걷는 시민들", "축제 무대 위로 오르는 불꽃"]
REEL_TEXT = "30초로 보는 서산 해미읍성 축제 첫날 🎉"


def write(page, title: str, text: str, planned: dt.datetime, accounts) -> None:
    page.fill("#id_title", title)
    page.fill("#id_text", text)
    page.fill("#id_planned_at", timezone.localtime(planned).strftime("%Y-%m-%dT%H:%M"))
    for account in accounts.values():
        page.check(f"input[name=accounts][value='{account.pk}']")


def save(page) -> Post:
    page.click("#save-post")
    page.locator("[data-testid=post-state]").wait_for()
    assert page.locator("[data-testid=post-state]").inner_text() == "초안"
    return Post.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[-1]))


def review_and_schedule(open_page, post: Post, context: str):
    """The other person: sees the post in review, approves and schedules it in one step."""
    approver = open_page(f"/publishing/posts/{post.pk}/", user="approver")
    assert approver.locator("[data-testid=post-state]").inner_text() == "검토 중"
    check_accessibility(approver, context)
    click_action(approver, "approve_schedule")
    assert approver.locator("[data-testid=post-state]").inner_text() == "예약됨"
    assert (
        "이 시각이 되면 자동으로 게시합니다"
        in approver.locator("[data-testid=next-step]").inner_text()
    )
    return approver


@pytest.mark.django_db(transaction=True)
def test_the_desk_journey_photos_and_a_reel_to_both_networks(
    open_page, desk, accounts, emulator, monkeypatch
):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    # Two status checks a sweep: a photo is done by then, a Reel (three IN_PROGRESS in the
    # emulator, as real video processing is slow) needs the next sweep.
    monkeypatch.setattr(services, "CONTAINER_POLLS", 2)

    # The writer's first post: three photos, each with its Korean alt text, for a Sunday ahead.
    day = timezone.localdate() + dt.timedelta(days=8)
    sunday = day - dt.timedelta(days=(day.weekday() + 1) % 7)
    writer = open_page("/publishing/", user="writer")
    check_accessibility(writer, "the calendar, first visit")
    writer.get_by_role("link", name="새 게시물").first.click()
    writer.wait_for_url("**/posts/new/**")
    write(
        writer,
        "해미읍성 야경 사진전",
        "해미읍성의 밤을 사진 세 장으로 만나 보세요.",
        at(sunday, 10),
        accounts,
    )
    writer.set_input_files(
        "input[name=images]",
        files=[{"name": f"{n}.png", "mimeType": "image/png", "buffer": photo()} for n in range(3)],
    )
    limits = writer.locator("[data-testid=limits]")
    assert "사진 1: 대체 텍스트를 적어 주세요" in limits.inner_text()  # said before saving
    for field, alt in zip(writer.locator("input[name=new_alt]").all(), ALTS, strict=True):
        field.fill(alt)
    assert "대체 텍스트" not in limits.inner_text()
    live = writer.locator("[data-testid=live-instagram]")
    assert live.locator("[data-testid=ig-dots] .dot").count() == 3
    check_accessibility(writer, "new post, three photos")
    photos_post = save(writer)
    assert [i.alt_text for i in photos_post.images.all()] == ALTS
    click_action(writer, "submit")
    assert writer.locator("[data-testid=post-state]").inner_text() == "검토 중"

    # The second: a Reel, for two hours from now.
    writer.goto(writer.url.split("/publishing/")[0] + "/publishing/posts/new/")
    write(writer, "해미읍성 축제 릴스", REEL_TEXT, timezone.now() + dt.timedelta(hours=2), accounts)
    writer.set_input_files("input[name=video]", files=[video_file("reel.mp4", seconds=30)])
    writer.select_option("#id_video_format", "reel")
    writer.fill("#id_thumb_offset", "4.5")
    reels = writer.locator("[data-testid=live-reel]")  # live, before saving: 9:16, not "사진 없음"
    assert reels.count() == 2 and "사진 없음" not in writer.locator("#live-instagram").inner_text()
    assert "30초로 보는" in reels.first.inner_text()  # the caption over the picture
    check_accessibility(writer, "new post, a Reel")
    shot(writer, "desk3-2-reel-editor")
    reel_post = save(writer)
    assert writer.locator("[data-testid=reel-frame]").count() == 2  # Instagram and Facebook
    click_action(writer, "submit")
    assert writer.locator("form[data-action=approve_schedule]").count() == 0  # not the author's

    approver = review_and_schedule(open_page, photos_post, "photos in review")
    assert approver.locator("[data-testid=ig-card] [data-testid=ig-dots] .dot").count() == 3
    assert approver.locator("[data-testid=fb-card] [data-testid=fb-grid] img").count() == 3
    alts = approver.locator("[data-testid=ig-card] img").evaluate_all("es => es.map(e => e.alt)")
    assert alts == ALTS[:1]  # the carousel's first photo, described
    approver = review_and_schedule(open_page, reel_post, "a Reel in review")
    shot(approver, "desk3-3-reel-approved")

    # The Reel's time comes. The first sweep finds Instagram still processing the video.
    due_now(reel_post)
    assert services.publish_due() == 1  # Facebook's Reel; Instagram's container in progress
    approver.reload()
    states = approver.locator("[data-testid=target-state]").all_inner_texts()
    assert sorted(states) == ["게시됨", "대기"]
    ig_card = approver.locator("[data-testid=preview-instagram]")
    assert "인스타그램이 릴스 동영상을 처리 중입니다" in ig_card.inner_text()
    check_accessibility(approver, "a Reel half published")
    shot(approver, "desk3-4-reel-processing")
    assert services.publish_due(timezone.now() + dt.timedelta(minutes=2)) == 1
    approver.reload()
    assert approver.locator("[data-testid=post-state]").inner_text() == "게시됨"
    assert approver.locator("[data-testid=target-state]").all_inner_texts() == ["게시됨"] * 2

    # The photo post is moved on the calendar, by keyboard alone, to the Wednesday.
    week = open_page(week_of(sunday), user="writer")
    check_accessibility(week, "the week with the scheduled post")
    tab_to(week, f"[data-post='{photos_post.pk}'] summary")
    week.keyboard.press("Enter")
    tab_to(week, f"[data-post='{photos_post.pk}'] [data-pick]")
    week.keyboard.press("Enter")
    for _ in range(3):
        week.keyboard.press("ArrowRight")
    week.keyboard.press("Enter")
    wednesday = sunday + dt.timedelta(days=3)
    week.locator("[data-testid=desk-message]").get_by_text("옮겼습니다").wait_for()
    assert chip_day(week, photos_post) == wednesday.isoformat()
    photos_post.refresh_from_db()
    assert photos_post.planned_at == at(wednesday, 10)
    check_accessibility(week, "after the keyboard move")
    shot(week, "desk3-5-moved-by-keyboard")

    # Wednesday 10:00 comes: the worker's sweep publishes the carousel and the multi-photo post.
    assert services.publish_due(at(wednesday, 10) + dt.timedelta(minutes=1)) == 2
    week.reload()
    chip = week.locator(f"[data-post='{photos_post.pk}']")
    assert "게시됨" in chip.inner_text() and chip_day(week, photos_post) == wednesday.isoformat()
    shot(week, "desk3-6-published-week")

    # What arrived at Meta (the emulator): both posts on both networks, each exactly once.
    instagram = {m["media_product_type"]: m for m in emulator.posts[IG]}
    assert len(emulator.posts[IG]) == 2
    assert instagram["FEED"]["media_type"] == "CAROUSEL_ALBUM"
    assert instagram["FEED"]["alt_texts"] == ALTS
    assert instagram["REELS"]["caption"] == REEL_TEXT
    assert instagram["REELS"]["thumb_offset"] == 4500
    [reel_container] = [c for c in emulator.containers.values() if c["media_type"] == "REELS"]
    assert reel_container["answers"] == ["IN_PROGRESS"] * 3 + ["FINISHED"]
    assert emulator.publish_requests.count((IG, "media_publish")) == 2
    facebook = {p["kind"]: p for p in emulator.posts[PAGE]}
    assert len(emulator.posts[PAGE]) == 2
    assert len(facebook["feed"]["attached_media"]) == 3
    assert facebook["video_reels"]["message"] == REEL_TEXT
    assert emulator.publish_requests.count((PAGE, "feed")) == 1

    # The next morning's collection; the dashboard shows both posts.
    insights.collect_insights()
    dashboard = open_page("/publishing/dashboard/", user="writer")
    top = dashboard.locator("[data-testid=top-posts]").inner_text()
    assert "해미읍성 야경 사진전" in top and "해미읍성 축제 릴스" in top
    followers = dashboard.locator("[data-testid=followers-1] .big-number").inner_text()
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", followers)  # 29,811 as people read it
    check_accessibility(dashboard, "the dashboard")
    dashboard.set_viewport_size({"width": 1400, "height": 900})
    shot(dashboard, "desk3-7-dashboard")
