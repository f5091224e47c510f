"""Desk 2.0, a Reel in Debian's chromium with axe's checks: uploaded in the editor (the live
limits know a video counts for Instagram), measured by the server, a wide video refused for a
Facebook Reel, the 9:16 frame on the review page, approve & schedule, then published as an
Instagram Reel and a Facebook Reel in the emulator."""

import datetime as dt

import pytest
from django.utils import timezone

from ontong.publishing import services
from ontong.publishing.models import Post
from ontong.web.tests.a11y import check_accessibility
from ontong.web.tests.browser import BROWSER_MARKS

from .conftest import IG, PAGE
from .mp4 import mp4
from .test_desk_browser import click_action, shot
from .test_publishing import due_now

pytestmark = BROWSER_MARKS


def video_file(name: str, **kwargs) -> dict:
    return {"name": name, "mimeType": "video/mp4", "buffer": mp4(**kwargs)}


@pytest.mark.django_db(transaction=True)
def test_a_reel_from_the_editor_to_both_networks(open_page, desk, accounts, emulator, monkeypatch):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    writer = open_page("/publishing/posts/new/", user="writer")
    writer.fill("#id_title", "해미읍성 축제 릴스")
    writer.fill("#id_text", "30초로 보는 해미읍성 축제 첫날 🎉")
    planned = timezone.localtime() + dt.timedelta(hours=2)
    writer.fill("#id_planned_at", planned.strftime("%Y-%m-%dT%H:%M"))
    for account in accounts.values():
        writer.check(f"input[name=accounts][value='{account.pk}']")
    limits = writer.locator("[data-testid=limits]")
    assert "인스타그램: 사진이나 동영상(릴스)이 있어야 합니다." in limits.inner_text()
    writer.set_input_files(
        "input[name=video]", files=[video_file("wide.mp4", width=1920, height=1080)]
    )
    assert "사진이나 동영상" not in limits.inner_text()  # live: the video counts
    writer.select_option("#id_video_format", "reel")
    writer.click("#save-post")
    errors = writer.locator(".errorlist")
    errors.first.wait_for()
    assert (
        "페이스북 릴스: 세로 9:16 화면이어야 합니다 (지금 1920×1080)."
        in errors.all_inner_texts()[0]
    )
    assert not Post.objects.exists()

    writer.set_input_files("input[name=video]", files=[video_file("reel.mp4", seconds=30)])
    writer.fill("#id_thumb_offset", "4.5")
    check_accessibility(writer, "new post with a Reel")
    writer.click("#save-post")
    writer.locator("[data-testid=post-state]").wait_for()
    post = Post.objects.get(title="해미읍성 축제 릴스")
    assert (post.video.duration, post.video.thumb_offset_ms) == (30, 4500)
    assert writer.locator("[data-testid=reel-frame]").count() == 2
    click_action(writer, "submit")

    approver = open_page(f"/publishing/posts/{post.pk}/", user="approver")
    best = approver.locator("[data-testid=best-times]")  # shown where the post is scheduled
    assert best.locator("[data-testid=not-enough]").count() == 2  # no insights yet: said so
    check_accessibility(approver, "a Reel in review, 9:16 previews, best times")
    shot(approver, "desk2-6-reel-review")
    click_action(approver, "approve_schedule")
    due_now(post)
    assert services.publish_due() == 2
    approver.reload()
    assert approver.locator("[data-testid=target-state]").all_inner_texts() == ["게시됨"] * 2
    [media] = emulator.posts[IG]
    assert media["media_product_type"] == "REELS" and media["thumb_offset"] == 4500
    [reel] = emulator.posts[PAGE]
    assert reel["kind"] == "video_reels"
