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

from .test_publishing import due_now, make_post

pytestmark = BROWSER_MARKS


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def shot(page, name: str) -> None:
    """With ONTONG_SCREENSHOTS=DIR, keep what the person saw at this step."""
    if folder := os.environ.get("ONTONG_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


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
    writer.fill("input[name=new_alt]", "조명이 켜진 해미읍성 성곽의 밤 풍경")
    shot(writer, "desk-1-new-post")
    writer.click("#save-post")
    shot(writer, "desk-2-draft")
    assert writer.locator("[data-testid=post-state]").inner_text() == "초안"
    assert "캡션" in writer.locator("[data-testid=preview-instagram]").inner_text()
    click_action(writer, "submit")
    assert writer.locator("[data-testid=post-state]").inner_text() == "검토 중"
    assert writer.locator("form[data-action=approve]").count() == 0  # no approval right

    post = Post.objects.get(title="해미읍성 겨울 야경")
    approver = open_page(f"/publishing/posts/{post.pk}/", user="approver")
    shot(approver, "desk-3-review")
    click_action(approver, "approve")
    assert approver.locator("[data-testid=post-state]").inner_text() == "승인됨"
    writer.reload()
    click_action(writer, "schedule")
    assert writer.locator("[data-testid=post-state]").inner_text() == "예약됨"
    shot(writer, "desk-4-scheduled")

    due_now(post)  # the planned time comes; the worker's sweep publishes
    assert services.publish_due() == 2
    writer.reload()
    assert writer.locator("[data-testid=post-state]").inner_text() == "게시됨"
    assert writer.locator("[data-testid=target-state]").all_inner_texts() == ["게시됨", "게시됨"]
    shot(writer, "desk-5-published")

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


def week_of(day: dt.date) -> str:
    return f"/publishing/?view=week&week={day.isoformat()}"


def chip_day(page, post: Post) -> str:
    return page.locator(f"[data-post='{post.pk}']").evaluate("e => e.closest('td').dataset.day")


@pytest.mark.django_db(transaction=True)
def test_a_refused_drag_shows_why_and_the_post_stays(open_page, desk, accounts):
    """An approved post whose time has slipped, dragged to another past day: the reason is on
    the page (read out by screen readers) and the post is where it was."""
    monday = timezone.localdate() - dt.timedelta(days=7 + timezone.localdate().weekday())
    post = make_post(desk, accounts, kinds=("ig",), planned=at(monday, 10))
    Post.objects.filter(pk=post.pk).update(state="approved", approved_by=desk["approver"])
    page = open_page(week_of(monday), user="writer")
    wednesday = monday + dt.timedelta(days=2)
    page.locator(f"[data-post='{post.pk}']").drag_to(page.locator(f"td[data-day='{wednesday}']"))
    message = page.locator("[data-testid=desk-message]")
    message.get_by_text("지난 시각").wait_for()
    assert "으로는 옮길 수 없습니다" in message.inner_text()
    assert message.get_attribute("aria-live") == "assertive"
    assert chip_day(page, post) == monday.isoformat()
    before = post.planned_at
    post.refresh_from_db()
    assert post.planned_at == before


@pytest.mark.django_db(transaction=True)
def test_a_drag_to_a_future_day_moves_the_post(open_page, desk, accounts):
    day = timezone.localdate() + dt.timedelta(days=8)
    sunday = day - dt.timedelta(days=(day.weekday() + 1) % 7)
    post = make_post(desk, accounts, kinds=("ig",), planned=at(sunday, 10))
    page = open_page(week_of(sunday), user="writer")
    target = sunday + dt.timedelta(days=3)
    page.locator(f"[data-post='{post.pk}']").drag_to(page.locator(f"td[data-day='{target}']"))
    page.locator("[data-testid=desk-message]").get_by_text("옮겼습니다").wait_for()
    assert chip_day(page, post) == target.isoformat()


def type_date(page, day: dt.date) -> None:
    """Type a date into the focused date field, whatever order the browser's locale gives its
    parts (year first in Korean, month first in the C locale of CI machines)."""
    field = page.locator(":focus")
    before = field.input_value()
    page.keyboard.press("ArrowUp")
    after = field.input_value()
    page.keyboard.press("ArrowDown")
    year_first = before[:4] != after[:4]
    if year_first:
        page.keyboard.type(f"{day:%Y}")
        page.keyboard.press("ArrowRight")
        page.keyboard.type(f"{day:%m%d}")
    else:
        page.keyboard.type(f"{day:%m%d%Y}")
    assert field.input_value() == day.isoformat()


def tab_to(page, selector: str, limit: int = 300) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.django_db(transaction=True)
def test_the_calendar_moves_a_post_by_keyboard_alone(open_page, desk, accounts):
    planned = timezone.localdate() + dt.timedelta(days=2)
    post = make_post(desk, accounts, kinds=("ig",), planned=at(planned, 10))
    Post.objects.filter(pk=post.pk).update(state="approved", approved_by=desk["approver"])
    page = open_page(week_of(planned), user="writer")
    summary = f"[data-post='{post.pk}'] summary"
    tab_to(page, summary)
    assert "날짜 옮기기" in page.locator(":focus").inner_text()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "date"

    type_date(page, timezone.localdate() - dt.timedelta(days=1))
    tab_to(page, f"[data-post='{post.pk}'] button[type=submit]")
    page.keyboard.press("Enter")
    message = page.locator("[data-testid=desk-message]")
    message.get_by_text("지난 시각").wait_for()
    shot(page, "desk-6-refused-by-keyboard")
    # After the refusal the keyboard is back in the post's date field, to choose again.
    assert page.evaluate("() => document.activeElement.name") == "date"

    target = planned + dt.timedelta(days=1 if planned.weekday() != 5 else -1)
    type_date(page, target)
    tab_to(page, f"[data-post='{post.pk}'] button[type=submit]")
    page.keyboard.press("Enter")
    message.get_by_text("옮겼습니다").wait_for()
    assert chip_day(page, post) == target.isoformat()
    shot(page, "desk-6-moved-by-keyboard")
    assert page.evaluate("() => document.activeElement.closest('[data-post]').dataset.post") == str(
        post.pk
    )
    post.refresh_from_db()
    assert timezone.localtime(post.planned_at).date() == target


@pytest.mark.django_db(transaction=True)
def test_the_calendar_fits_a_phone(open_page, desk, accounts):
    """On a phone the month reads as a list of days with posts, without sideways scrolling."""
    planned = timezone.localdate() + dt.timedelta(days=1)
    post = make_post(desk, accounts, kinds=("ig",), planned=at(planned, 10))
    page = open_page(f"/publishing/?month={planned:%Y-%m}", user="writer")
    page.set_viewport_size({"width": 390, "height": 844})
    calendar = page.locator("#calendar table")
    assert calendar.evaluate("e => e.scrollWidth") <= 390
    chip = page.locator(f"[data-post='{post.pk}']")
    assert chip.is_visible() and chip.bounding_box()["width"] > 250
    day = page.locator(f"td[data-day='{planned}']").inner_text()
    assert day.startswith(f"{planned.month}/{planned.day} (")
    shot(page, "desk-7-phone")
