"""Best time to post: the account's own engagement by weekday and hour, with the posts behind
each figure, and "not enough data" below the threshold."""

import datetime as dt

import pytest
from django.utils import timezone

from ontong.publishing import analytics
from ontong.publishing.models import Post, PostStats, Target

pytestmark = pytest.mark.django_db


def published(desk, account, when, engagement):
    post = Post.objects.create(
        title="소식", text="서산 소식", created_by=desk["writer"], state=Post.State.PUBLISHED
    )
    target = Target.objects.create(
        post=post,
        account=account,
        kind="facebook",
        state=Target.State.PUBLISHED,
        published_at=when,
    )
    PostStats.objects.create(target=target, reactions=engagement, collected_at=when)


def local(days_ago, weekday, hour):
    """A moment `days_ago` back, moved to the given weekday (0 = Monday) and local hour."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    day -= dt.timedelta(days=(day.weekday() - weekday) % 7)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 10)))


def test_not_enough_data_below_the_threshold(desk, accounts):
    for n in range(analytics.MIN_POSTS - 1):
        published(desk, accounts["page"], local(7 * n + 1, 1, 9), 100)
    result = analytics.best_times(accounts["page"])
    assert not result["enough"] and result["posts"] == analytics.MIN_POSTS - 1
    assert result["best"] == []


def test_the_best_slots_with_the_posts_behind_each_figure(desk, accounts):
    page = accounts["page"]
    for n in range(4):  # Tuesdays at 19:00 do best
        published(desk, page, local(7 * n + 1, 1, 19), 300 + n)
    for n in range(5):  # Mondays at 9:00
        published(desk, page, local(7 * n + 1, 0, 9), 100)
    for n in range(2):  # one Saturday spike from only two posts is not ranked
        published(desk, page, local(7 * n + 1, 5, 12), 5000)
    published(desk, page, local(400, 1, 19), 99999)  # older than the window: left out
    result = analytics.best_times(page)
    assert result["enough"] and result["posts"] == 11
    assert result["best"] == [
        {"label": "화요일 19시", "average": 301.5, "posts": 4},
        {"label": "월요일 9시", "average": 100.0, "posts": 5},
    ]
    assert {"label": "토요일", "average": 5000.0, "posts": 2} in result["weekdays"]
    assert [w["label"] for w in result["best_weekdays"]] == ["화요일", "월요일"]
    assert [h["label"] for h in result["best_hours"]] == ["19시", "9시"]


def test_best_times_shown_when_scheduling(client, desk, accounts):
    for n in range(analytics.MIN_POSTS):
        published(desk, accounts["page"], local(7 * n + 1, 3, 18), 50)
    post = Post.objects.create(
        title="새 소식",
        text="본문",
        created_by=desk["writer"],
        planned_at=timezone.now() + dt.timedelta(hours=2),
    )
    Target.objects.create(post=post, account=accounts["page"], kind="facebook")
    Target.objects.create(post=post, account=accounts["ig"], kind="instagram")
    client.force_login(desk["writer"])
    page = client.get(f"/publishing/posts/{post.pk}/").content.decode()
    assert 'data-testid="best-times"' in page
    assert "목요일 18시</strong> · 평균 참여 50.0 (게시물 10건)" in page
    assert (
        "아직 데이터가 부족합니다: 게시물 0건 (최소 10건부터 알려 드립니다)." in page
    )  # Instagram
    editor = client.get("/publishing/posts/new/").content.decode()
    assert "목요일 18시" in editor
