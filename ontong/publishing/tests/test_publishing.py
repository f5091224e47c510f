import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from ontong.publishing import services
from ontong.publishing.models import Post, PostEvent, PostImage, Target

from .conftest import IG, PAGE

pytestmark = pytest.mark.django_db


def png(color="red", mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (40, 30), color).save(buffer, "PNG")
    return buffer.getvalue()


def make_post(
    desk,
    accounts,
    *,
    kinds=("page", "ig"),
    planned=None,
    image=True,
    text="서산 해미읍성 축제가 열립니다 🎉",
):
    post = Post.objects.create(
        title="해미읍성 축제",
        text=text,
        hashtags="서산 해미읍성",
        planned_at=planned or timezone.now() + dt.timedelta(hours=1),
        created_by=desk["writer"],
    )
    for key in kinds:
        account = accounts[key]
        Target.objects.create(
            post=post, account=account, kind="instagram" if key == "ig" else "facebook"
        )
    if image:
        PostImage.objects.create(
            post=post,
            original=SimpleUploadedFile("a.png", png(), "image/png"),
            alt_text="해미읍성 성곽과 축제 깃발",
        )
    return post


def due_now(post):
    """Time passes: the planned time has come (publishing runs on the real clock, as the
    emulator's post times do)."""
    Post.objects.filter(pk=post.pk).update(planned_at=timezone.now() - dt.timedelta(seconds=1))
    post.refresh_from_db()
    return post


def scheduled(desk, accounts, **kwargs):
    post = make_post(desk, accounts, **kwargs)
    post = services.transition(post, "submit", desk["writer"])
    post = services.transition(post, "approve", desk["approver"])
    return services.transition(post, "schedule", desk["writer"])


def test_each_workflow_step_and_its_permissions(desk, accounts, staff):
    post = make_post(desk, accounts)
    with pytest.raises(services.PublishingError, match="상태"):
        services.transition(post, "approve", desk["approver"])  # not submitted yet
    post = services.transition(post, "submit", desk["writer"])
    with pytest.raises(services.PublishingError, match="권한"):
        services.transition(post, "approve", desk["writer"])  # no approval right
    with pytest.raises(services.PublishingError, match="권한"):
        services.transition(post, "approve", staff["road"])  # not on the desk
    with pytest.raises(services.PublishingError, match="이유"):
        services.transition(post, "return", desk["approver"])
    post = services.transition(post, "return", desk["approver"], note="사진을 바꿔 주세요")
    assert post.state == Post.State.DRAFT
    services.add_comment(post, desk["writer"], "바꿨습니다")
    post = services.transition(post, "submit", desk["writer"])
    post = services.transition(post, "approve", desk["approver"])
    assert post.approved_by == desk["approver"]
    post = services.transition(post, "schedule", desk["writer"])
    assert post.state == Post.State.SCHEDULED
    actions = list(post.events.values_list("action", "actor__username"))
    assert actions == [
        ("submit", "writer"),
        ("return", "approver"),
        ("comment", "writer"),
        ("submit", "writer"),
        ("approve", "approver"),
        ("schedule", "writer"),
    ]


def test_checks_per_account(desk, accounts):
    post = make_post(desk, accounts, image=False, text="가" * 2300)
    problems = services.checks(post)
    assert "인스타그램: 사진이나 동영상(릴스)이 있어야 합니다." in problems["서산시 인스타"]
    assert any("2,200자" in p for p in problems["서산시 인스타"])
    assert problems["서산시"] == []
    with pytest.raises(services.PublishingError, match="사진"):
        services.transition(post, "submit", desk["writer"])


def test_facebook_scheduling_window(desk, accounts):
    now = timezone.now()
    for planned, ok in [
        (now + dt.timedelta(minutes=5), False),
        (now + dt.timedelta(minutes=11), True),
        (now + dt.timedelta(days=29), True),
        (now + dt.timedelta(days=31), False),
    ]:
        post = make_post(desk, accounts, kinds=("page",), planned=planned)
        post = services.transition(
            services.transition(post, "submit", desk["writer"]), "approve", desk["approver"]
        )
        if ok:
            assert services.transition(post, "schedule", desk["writer"]).state == "scheduled"
        else:
            with pytest.raises(services.PublishingError, match="페이스북"):
                services.transition(post, "schedule", desk["writer"])


def test_published_at_its_time_on_facebook_and_instagram(desk, accounts, emulator, monkeypatch):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    post = scheduled(desk, accounts)
    assert services.publish_due() == 0  # not yet time
    assert services.publish_due(now=post.planned_at + dt.timedelta(seconds=1)) == 2
    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED
    fb, ig = post.targets.order_by("kind")
    assert fb.remote_id.startswith(PAGE) and ig.remote_id.startswith("1791") and ig.container_id
    assert emulator.posts[PAGE][0]["message"] == post.full_text()
    assert emulator.posts[IG][0]["caption"] == post.full_text()
    assert PostImage.objects.get(post=post).jpeg.name.endswith(".jpg")
    assert services.publish_due(now=post.planned_at + dt.timedelta(minutes=5)) == 0
    assert len(emulator.posts[PAGE]) == 1 and len(emulator.posts[IG]) == 1  # exactly once


def test_a_timeout_leaves_it_unknown_and_the_worker_checks_before_retrying(
    desk, accounts, emulator, settings
):
    settings.ONTONG_GRAPH_TIMEOUT = 0.5
    post = due_now(scheduled(desk, accounts, kinds=("page",)))
    emulator.failures.append({"error": "slow", "seconds": 1.5})  # posted, but answered too late
    assert services.publish_due() == 0
    target = post.targets.get()
    assert target.state == Target.State.UNKNOWN and not target.remote_id
    services.publish_due()  # the next sweep finds it on the page
    target.refresh_from_db()
    assert target.state == Target.State.PUBLISHED
    assert target.remote_id == emulator.posts[PAGE][0]["id"]
    assert len(emulator.posts[PAGE]) == 1  # never posted twice


def test_a_worker_killed_mid_publish_is_checked_then_retried(desk, accounts, emulator):
    post = due_now(scheduled(desk, accounts, kinds=("page",)))
    target = post.targets.get()
    # The worker claimed it and was killed before Meta heard of it.
    Target.objects.filter(pk=target.pk).update(
        state=Target.State.PUBLISHING, attempted_at=timezone.now() - dt.timedelta(minutes=11)
    )
    services.reconcile_cut_off(timezone.now())
    target.refresh_from_db()
    assert target.state == Target.State.UNKNOWN
    services.check_unknown(target, timezone.now())
    target.refresh_from_db()
    assert target.state == Target.State.PENDING and "다시 게시" in target.last_error
    assert services.publish_due() == 1
    assert len(emulator.posts[PAGE]) == 1


@pytest.mark.parametrize(
    ("statuses", "state", "error"),
    [
        (["IN_PROGRESS", "IN_PROGRESS", "FINISHED"], "published", ""),
        (["ERROR"], "failed", "ERROR"),
        (["EXPIRED"], "pending", "EXPIRED"),
        (["IN_PROGRESS"] * 8, "pending", "처리 중"),
    ],
)
def test_instagram_container_states(desk, accounts, emulator, monkeypatch, statuses, state, error):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    post = scheduled(desk, accounts, kinds=("ig",))
    emulator.container_script = statuses
    services.publish_due(now=post.planned_at + dt.timedelta(seconds=1))
    target = post.targets.get()
    assert target.state == state and error in target.last_error
    if state == "pending" and error == "EXPIRED":
        assert target.container_id == ""  # a new container next time
    if error == "처리 중":
        assert target.container_id  # kept: the retry reuses it, no second post
        emulator.containers[target.container_id]["script"] = ["FINISHED"]
        services.publish_due(now=post.planned_at + dt.timedelta(minutes=2))
        target.refresh_from_db()
        assert target.state == "published" and len(emulator.posts[IG]) == 1


def test_instagram_50_posts_a_day_is_respected_and_shown(desk, accounts, client):
    now = timezone.now()
    for i in range(50):
        old = make_post(desk, accounts, kinds=("ig",))
        Target.objects.filter(post=old).update(
            state="published", published_at=now - dt.timedelta(hours=23, minutes=i)
        )
    post = due_now(scheduled(desk, accounts, kinds=("ig",)))
    assert services.publish_due() == 0
    target = post.targets.get()
    assert target.state == "pending" and "50/50" in target.last_error
    client.force_login(desk["writer"])
    assert "인스타그램 24시간 게시 50/50건" in client.get("/publishing/").content.decode()


def test_blog_export_and_recorded_url(desk, accounts, client):
    post = make_post(desk, accounts, kinds=())
    blog = Target.objects.create(post=post, kind="blog", blog_name="서산시 네이버 블로그")
    post.text = "<script>alert(1)</script> 축제 안내"
    post.save()
    client.force_login(desk["writer"])
    page = client.get(f"/publishing/posts/{post.pk}/export/").content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    response = client.post(
        f"/publishing/targets/{blog.pk}/record/", {"url": "https://blog.naver.com/seosan/1"}
    )
    assert response.status_code == 302
    blog.refresh_from_db()
    assert blog.state == "published" and blog.url == "https://blog.naver.com/seosan/1"


def test_calendar_shows_posts_and_drag_moves_them(desk, accounts, client):
    post = make_post(desk, accounts, kinds=("page",), planned=timezone.now() + dt.timedelta(days=2))
    client.force_login(desk["writer"])
    month = timezone.localtime(post.planned_at).strftime("%Y-%m")
    page = client.get(f"/publishing/?month={month}").content.decode()
    assert f'data-post="{post.pk}"' in page
    new_day = (timezone.localtime(post.planned_at) + dt.timedelta(days=3)).date()
    response = client.post(
        f"/publishing/posts/{post.pk}/move/", {"date": new_day.isoformat()}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'id="calendar"' in response.content.decode()
    post.refresh_from_db()
    assert timezone.localtime(post.planned_at).date() == new_day
    assert PostEvent.objects.filter(post=post, action="reschedule").exists()
    assert (
        client.get("/publishing/", {"account": accounts["ig"].pk})
        .content.decode()
        .count(f'data-post="{post.pk}"')
        == 0
    )


def test_the_desk_is_only_for_the_media_team(staff, client):
    client.force_login(staff["road"])
    assert client.get("/publishing/").status_code == 404


def test_temporary_errors_back_off_2_4_8_16_minutes_then_fail_on_record(desk, accounts):
    from ontong import delivery

    post = due_now(scheduled(desk, accounts, kinds=("page",)))
    target = post.targets.get()
    waits = []
    for _ in range(services.MAX_ATTEMPTS):
        assert delivery.claim(target)
        before = timezone.now()
        state = services.back_to_pending(target, "Graph 503")
        if state == Target.State.PENDING:
            waits.append(round((target.next_attempt_at - before).total_seconds() / 60))
            Target.objects.filter(pk=target.pk).update(next_attempt_at=None)  # time passes
            target.refresh_from_db()
    assert waits == [2, 4, 8, 16]
    target.refresh_from_db()
    assert (
        target.state == Target.State.FAILED and "5회 시도 후 실패: Graph 503" in target.last_error
    )
    assert post.events.filter(action=PostEvent.Action.TARGET_FAILED).count() == 1


def test_a_facebook_target_without_an_account_fails_on_record(desk, accounts):
    """A target whose account was never set is refused with a reason, not a crash mid-publish."""
    from ontong import delivery

    post = due_now(scheduled(desk, accounts, kinds=("page",)))
    Target.objects.filter(post=post).update(account=None)
    target = post.targets.get()
    assert delivery.claim(target)
    assert services.publish_target(target) == Target.State.FAILED
    target.refresh_from_db()
    assert target.state == Target.State.FAILED and "Meta 계정이 지정되지" in target.last_error
    assert post.events.filter(action=PostEvent.Action.TARGET_FAILED).count() == 1
