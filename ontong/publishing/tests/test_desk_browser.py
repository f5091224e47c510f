"""The desk in Debian's chromium: draft → approve → scheduled → published at its time (against the
Graph API emulator) → in the calendar and, after the daily collection, in the dashboard.
With ONTONG_SCREENSHOTS=DIR it also saves the screenshots docs/publishing.md shows."""

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from ontong.publishing import insights, services
from ontong.publishing.models import Post
from ontong.web.tests.browser import BROWSER_MARKS

from .test_publishing import due_now

pytestmark = BROWSER_MARKS


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def click_action(page, name: str) -> None:
    page.locator(f"form[data-action={name}] button[type=submit]").click()
    page.locator(".messages").wait_for()


@pytest.mark.django_db(transaction=True)
def test_draft_to_published_to_dashboard(open_page, desk, accounts, monkeypatch):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    writer = open_page("/publishing/posts/new/", user="writer")
    writer.fill("#id_title", "해미읍성 겨울 야경")
    writer.fill("#id_text", "해미읍성의 겨울밤을 밝히는 야경 축제에 초대합니다 ✨")
    writer.fill("#id_hashtags", "서산 해미읍성 야경")
    planned = timezone.localtime() + dt.timedelta(hours=2)
    writer.fill("#id_planned_at", planned.strftime("%Y-%m-%dT%H:%M"))
    for account in accounts.values():
        writer.check(f"input[name=accounts][value='{account.pk}']")
    writer.set_input_files(
        "input[name=images]",
        files=[{"name": "night.png", "mimeType": "image/png", "buffer": photo()}],
    )
    writer.click("#save-post")
    assert writer.locator("[data-testid=post-state]").inner_text() == "초안"
    assert "캡션" in writer.locator("[data-testid=preview-instagram]").inner_text()
    click_action(writer, "submit")
    assert writer.locator("[data-testid=post-state]").inner_text() == "검토 중"
    assert writer.locator("form[data-action=approve]").count() == 0  # no approval right

    post = Post.objects.get(title="해미읍성 겨울 야경")
    approver = open_page(f"/publishing/posts/{post.pk}/", user="approver")
    click_action(approver, "approve")
    assert approver.locator("[data-testid=post-state]").inner_text() == "승인됨"
    writer.reload()
    click_action(writer, "schedule")
    assert writer.locator("[data-testid=post-state]").inner_text() == "예약됨"

    due_now(post)  # the planned time comes; the worker's sweep publishes
    assert services.publish_due() == 2
    writer.reload()
    assert writer.locator("[data-testid=post-state]").inner_text() == "게시됨"
    assert writer.locator("[data-testid=target-state]").all_inner_texts() == ["게시됨", "게시됨"]

    month = timezone.localtime(post.planned_at) if post.planned_at else timezone.localtime()
    calendar = open_page(f"/publishing/?month={month:%Y-%m}", user="writer")
    chip = calendar.locator(f"[data-post='{post.pk}']")
    assert "해미읍성 겨울 야경" in chip.inner_text() and "게시됨" in chip.inner_text()

    insights.collect_insights()
    dashboard = open_page("/publishing/dashboard/", user="writer")
    assert "해미읍성 겨울 야경" in dashboard.locator("[data-testid=top-posts]").inner_text()
    series = dashboard.evaluate(
        "() => Chart.getChart(document.getElementById('followers-chart')).data.datasets.length"
    )
    assert series == 2

    if folder := os.environ.get("ONTONG_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        calendar.set_viewport_size({"width": 1400, "height": 900})
        calendar.screenshot(path=f"{folder}/publishing-calendar.png", full_page=True)
        dashboard.set_viewport_size({"width": 1400, "height": 900})
        dashboard.screenshot(path=f"{folder}/publishing-dashboard.png", full_page=True)
