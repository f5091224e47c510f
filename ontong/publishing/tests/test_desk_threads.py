"""Desk 2.0: Threads as a network next to Facebook and Instagram — text, one photo, a carousel,
a video; container → status → threads_publish, exactly once; Threads' 500-character count."""

import datetime as dt

import pytest
from django.utils import timezone

from ontong.channels.meta.models import MetaAccount
from ontong.publishing import analytics, insights, services
from ontong.publishing.models import (
    AccountDay,
    Post,
    PostEvent,
    PostStats,
    RetiredMetric,
    Target,
)

from .conftest import TOKEN
from .test_desk_photos import ALTS, with_photos
from .test_desk_video import with_video
from .test_publishing import due_now, make_post

pytestmark = pytest.mark.django_db
THREADS = "27000000000000321"


@pytest.fixture
def threads(accounts, emulator):
    return MetaAccount.objects.create(
        kind="threads",
        external_id=THREADS,
        name="서산시 스레드",
        page_token=TOKEN,
        graph_url=emulator.base_url + "/v1.0",
    )


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)


def on_threads(desk, threads, post):
    post.targets.all().delete()
    Target.objects.create(post=post, account=threads, kind=Target.Kind.THREADS)
    post = services.transition(post, "submit", desk["writer"])
    return due_now(services.transition(post, "approve_schedule", desk["approver"]))


def test_a_text_thread(desk, accounts, threads, emulator, fast):
    post = on_threads(desk, threads, make_post(desk, accounts, image=False))
    assert services.publish_due() == 1
    [thread] = emulator.posts[THREADS]
    assert thread["media_type"] == "TEXT_POST" and thread["text"] == post.full_text()
    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED
    assert post.targets.get().remote_id == thread["id"]


def test_a_photo_thread_and_a_carousel_with_alt_text(desk, accounts, threads, emulator, fast):
    one = on_threads(desk, threads, with_photos(make_post(desk, accounts), alts=ALTS[:1]))
    many = on_threads(desk, threads, with_photos(make_post(desk, accounts)))
    assert services.publish_due() == 2
    by_id = {t["id"]: t for t in emulator.posts[THREADS]}
    single = by_id[one.targets.get().remote_id]
    assert single["media_type"] == "IMAGE" and single["alt_texts"] == ALTS[:1]
    target = many.targets.get()
    carousel = by_id[target.remote_id]
    assert carousel["media_type"] == "CAROUSEL_ALBUM" and carousel["alt_texts"] == ALTS
    assert len(target.children) == 3


def test_a_video_thread(desk, accounts, threads, emulator, fast):
    post = on_threads(desk, threads, with_video(make_post(desk, accounts), fmt="feed"))
    assert services.publish_due() == 1
    [thread] = emulator.posts[THREADS]
    assert thread["media_type"] == "VIDEO" and thread["text"] == post.full_text()


def test_a_thread_threads_cannot_process_fails_with_its_message(
    desk, accounts, threads, emulator, fast
):
    post = on_threads(desk, threads, with_photos(make_post(desk, accounts), alts=ALTS[:1]))
    emulator.container_script = ["ERROR"]
    emulator.container_error_reason = "The image could not be downloaded"
    services.publish_due()
    note = post.events.get(action=PostEvent.Action.TARGET_FAILED).note
    assert "스레드가 사진을 처리하지 못했습니다 (ERROR: The image could not be downloaded)" in note


def test_a_publish_answered_too_late_is_found_on_the_profile_not_resent(
    desk, accounts, threads, emulator, fast, settings
):
    settings.ONTONG_GRAPH_TIMEOUT = 0.5
    post = on_threads(desk, threads, make_post(desk, accounts, image=False))
    emulator.failures.append({"error": "slow", "seconds": 0, "times": 1})  # the container
    emulator.failures.append({"error": "slow", "seconds": 1.5})  # threads_publish, too late
    services.publish_due()
    target = post.targets.get()
    assert target.state == Target.State.UNKNOWN
    services.publish_due(now=timezone.now() + dt.timedelta(minutes=2))
    target.refresh_from_db()
    assert target.state == Target.State.PUBLISHED
    assert [t["id"] for t in emulator.posts[THREADS]] == [target.remote_id]


def test_threads_counts_500_characters_and_an_emoji_as_four(desk, accounts, threads):
    assert services.threads_length("가나다🎉") == 7
    problems = services.limit_problems("가" * 497 + "🎉", 0, 0, {"threads"})
    assert problems == ["스레드: 글이 501자입니다 (최대 500자, 이모지는 4자로 셈)."]
    assert services.limit_problems("가" * 500, 0, 0, {"threads"}) == []


def test_the_editor_offers_the_threads_profile_and_the_review_shows_its_card(
    client, desk, accounts, threads
):
    client.force_login(desk["writer"])
    response = client.post(
        "/publishing/posts/new/",
        {"title": "스레드 안내", "text": "스레드에서도 만나요", "accounts": [threads.pk]},
    )
    assert response.status_code == 302
    post = Post.objects.get(title="스레드 안내")
    assert list(post.targets.values_list("kind", flat=True)) == ["threads"]
    page = client.get(f"/publishing/posts/{post.pk}/").content.decode()
    assert 'data-testid="threads-card"' in page and "스레드에서도 만나요" in page
    too_long = client.post(
        f"/publishing/posts/{post.pk}/edit/",
        {"title": "스레드 안내", "text": "가" * 501, "accounts": [threads.pk]},
    )
    assert "스레드: 글이 501자입니다" in too_long.content.decode()


def test_threads_waits_when_its_daily_quota_is_used(
    desk, accounts, threads, emulator, fast, monkeypatch
):
    post = on_threads(desk, threads, make_post(desk, accounts, image=False))
    monkeypatch.setattr(services, "THREADS_DAILY_LIMIT", 0)
    services.publish_due()
    target = post.targets.get()
    assert target.state == Target.State.PENDING and "스레드 24시간 0/0건 한도" in target.last_error
    assert THREADS not in emulator.posts


def test_threads_insights_are_collected_into_the_dashboard(
    desk, accounts, threads, emulator, fast, client
):
    post = on_threads(desk, threads, make_post(desk, accounts, image=False))
    assert services.publish_due() == 1
    summary = insights.collect_insights()
    assert summary["errors"] == [] and summary["accounts"] == 3 and summary["posts"] == 1
    target = post.targets.get()
    at_meta = {
        m: emulator.post_metric(target.remote_id, m)["values"][0]["value"]
        for m in insights.THREADS_POST_METRICS
    }
    stats = PostStats.objects.get(target=target)
    assert (stats.views, stats.reactions, stats.comments, stats.shares, stats.reach) == (
        at_meta["views"],
        at_meta["likes"],
        at_meta["replies"],
        at_meta["reposts"] + at_meta["quotes"],
        0,  # Threads gives no reach
    )
    days = AccountDay.objects.filter(account=threads)
    assert days.count() >= 89 and all(d.views for d in days.exclude(date=timezone.localdate()))
    today = days.get(date=timezone.localdate())
    assert today.followers == emulator.audience(THREADS, timezone.localdate())["followers"] // 10
    assert not RetiredMetric.objects.exists()  # every metric asked is one Threads knows

    client.force_login(desk["writer"])
    page = client.get("/publishing/dashboard/").content.decode()
    assert "서산시 스레드" in page and post.title in page
    [best] = analytics.best_times_for([threads])
    assert best["posts"] == 1  # the thread counts towards its profile's best times


def test_a_metric_threads_does_not_know_is_retired_and_the_rest_collected(
    desk, accounts, threads, emulator, fast
):
    on_threads(desk, threads, make_post(desk, accounts, image=False))
    services.publish_due()
    insights.THREADS_ACCOUNT_METRICS.append("reach")  # not a Threads user metric
    try:
        assert insights.collect_insights()["errors"] == []
    finally:
        insights.THREADS_ACCOUNT_METRICS.remove("reach")
    assert RetiredMetric.objects.get(account=threads).metric == "reach"
    assert AccountDay.objects.filter(account=threads, followers__gt=0).exists()
