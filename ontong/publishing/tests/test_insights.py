import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ontong.channels.meta.models import Comment
from ontong.complaints.models import Message, Notification
from ontong.publishing import insights, services
from ontong.publishing.models import AccountDay, CollectionRun, PostStats, RetiredMetric

from .test_publishing import due_now, scheduled

pytestmark = pytest.mark.django_db


def published(desk, accounts, monkeypatch):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    post = due_now(scheduled(desk, accounts))
    services.publish_due()
    post.refresh_from_db()
    assert post.state == "published"
    return post


def test_daily_collection_fills_followers_reach_and_post_stats(desk, accounts, monkeypatch):
    post = published(desk, accounts, monkeypatch)
    summary = insights.collect_insights()
    assert summary["accounts"] == 2 and summary["posts"] == 2 and summary["errors"] == []
    page_days = AccountDay.objects.filter(account=accounts["page"]).order_by("date")
    assert page_days.count() >= 89  # the first run fetches 90 days
    assert page_days.last().followers > page_days.first().followers > 0  # a growing page
    assert all(d.reach for d in page_days)
    ig_today = AccountDay.objects.get(account=accounts["ig"], date=timezone.localdate())
    assert ig_today.followers > 0  # Instagram's followers_count
    fb_stats = PostStats.objects.get(target__post=post, target__kind="facebook")
    assert fb_stats.reach > 0 and fb_stats.engagement > 0


def test_a_retired_metric_is_skipped_reported_once_and_never_breaks_the_rest(
    desk,
    accounts,
    emulator,
    monkeypatch,
):
    insights.PAGE_METRICS["page_impressions_unique"] = "reach"  # as an old configuration asks
    try:
        emulator.retired_extra.add("page_media_view")  # and Meta retires one more today
        summary = insights.collect_insights()
        assert summary["errors"] == []
        assert set(
            RetiredMetric.objects.filter(account=accounts["page"]).values_list("metric", flat=True)
        ) == {"page_impressions_unique", "page_media_view"}
        assert AccountDay.objects.filter(account=accounts["page"], followers__gt=0).exists()
        notices = Notification.objects.filter(user=desk["writer"], kind="metric_retired")
        assert notices.count() == 2
        insights.collect_insights()  # the next day: skipped silently, not reported again
        assert notices.count() == 2
    finally:
        del insights.PAGE_METRICS["page_impressions_unique"]


def test_collection_runs_at_once_when_new_then_once_a_day_after_six(accounts):
    yesterday_early = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() - dt.timedelta(days=1), dt.time(5))
    )
    assert insights.collect_if_due(yesterday_early) is not None  # a new installation
    early = yesterday_early + dt.timedelta(days=1)
    assert insights.collect_if_due(early) is None  # before 06:00
    later = early + dt.timedelta(hours=2)
    assert insights.collect_if_due(later) is not None
    assert insights.collect_if_due(later + dt.timedelta(hours=3)) is None
    assert CollectionRun.objects.count() == 2


def test_dashboard_and_export(desk, accounts, monkeypatch, client):
    published(desk, accounts, monkeypatch)
    insights.collect_insights()
    client.force_login(desk["writer"])
    page = client.get("/publishing/dashboard/").content.decode()
    assert (
        "followers-chart" in page and 'data-testid="top-posts"' in page and "해미읍성 축제" in page
    )
    book = load_workbook(io.BytesIO(client.get("/publishing/dashboard/?export=xlsx").content))
    assert book.sheetnames == ["계정별 일자", "게시물"]
    rows = list(book["게시물"].values)
    assert rows[0][0] == "게시물" and len(rows) == 3


def test_a_comment_on_a_published_post_becomes_a_complaint_in_one_click(
    desk,
    accounts,
    monkeypatch,
    client,
):
    post = published(desk, accounts, monkeypatch)
    fb = post.targets.get(kind="facebook")
    comment = Comment.objects.create(
        account=accounts["page"],
        comment_id=f"{fb.remote_id}_c1",
        post_id=fb.remote_id,
        from_id="user-7",
        from_name="김시민",
        message="축제장 앞 도로에 불법 주차가 너무 많아요",
        created_time=timezone.now(),
    )
    client.force_login(desk["writer"])
    page = client.get(f"/publishing/posts/{post.pk}/").content.decode()
    assert "축제장 앞 도로에 불법 주차" in page and "민원으로 접수" in page
    client.post(f"/publishing/posts/{post.pk}/comments/{comment.pk}/complaint/")
    comment.refresh_from_db()
    assert comment.complaint and comment.complaint.channel == "fb_comment"
    reply = comment.complaint.messages.get(direction="out")
    assert (
        reply.extra["private_reply_to"] == comment.comment_id
        and reply.purpose == Message.Purpose.ACK
    )
    client.post(f"/publishing/posts/{post.pk}/comments/{comment.pk}/complaint/")  # twice: once
    assert comment.complaint.messages.filter(direction="out").count() == 1


def test_an_old_comment_becomes_a_complaint_and_its_invitation_is_held_for_a_person(
    desk, accounts, monkeypatch, client, run_tasks
):
    post = published(desk, accounts, monkeypatch)
    fb = post.targets.get(kind="facebook")
    comment = Comment.objects.create(
        account=accounts["page"],
        comment_id=f"{fb.remote_id}_c2",
        post_id=fb.remote_id,
        message="가로등이 꺼졌어요",
        created_time=timezone.now() - dt.timedelta(days=8),
    )
    client.force_login(desk["writer"])
    client.post(f"/publishing/posts/{post.pk}/comments/{comment.pk}/complaint/")
    comment.refresh_from_db()
    assert comment.complaint
    run_tasks()
    comment.private_reply.refresh_from_db()
    assert comment.private_reply.delivery == "held"  # past Meta's 7 days: nothing sent, flagged
