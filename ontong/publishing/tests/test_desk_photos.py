"""Desk 2.0, first half: several photos with alt text, Facebook multi-photo posts with per-photo
captions, Instagram carousels (exactly once), the platforms' limits on the server, approve and
schedule in one step, and "지금 게시"."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from ontong.publishing import services
from ontong.publishing.models import Post, PostEvent, PostImage, Target

from .conftest import IG, PAGE
from .test_publishing import due_now, make_post, png

pytestmark = pytest.mark.django_db

ALTS = ["해미읍성 정문 진남문", "성곽 위 야경 조명", "축제 무대와 관람객"]


def with_photos(post, alts=ALTS, captions=None):
    """Replace the post's photo with len(alts) photos, in order."""
    post.images.all().delete()
    for n, alt in enumerate(alts):
        PostImage.objects.create(
            post=post,
            original=SimpleUploadedFile(f"p{n}.png", png(), "image/png"),
            alt_text=alt,
            caption=(captions or [""] * len(alts))[n],
            order=n,
        )
    return post


def scheduled_with(desk, accounts, kinds, **photos):
    post = with_photos(make_post(desk, accounts, kinds=kinds), **photos)
    post = services.transition(post, "submit", desk["writer"])
    return services.transition(post, "approve_schedule", desk["approver"])


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)


def test_facebook_multi_photo_post_with_a_caption_per_photo(desk, accounts, emulator, fast):
    captions = ["정문", "", "무대"]
    post = due_now(scheduled_with(desk, accounts, ("page",), captions=captions))
    assert services.publish_due() == 1
    feed = emulator.posts[PAGE]
    assert len(feed) == 1 and feed[0]["message"] == post.full_text()
    attached = [m["media_fbid"] for m in feed[0]["attached_media"]]
    assert [emulator.photos[i]["caption"] for i in attached] == captions  # in the photos' order


def test_instagram_carousel_children_then_carousel_then_publish(desk, accounts, emulator, fast):
    post = due_now(scheduled_with(desk, accounts, ("ig",)))
    assert services.publish_due() == 1
    target = post.targets.get()
    assert target.state == Target.State.PUBLISHED and len(target.children) == 3
    children = [emulator.containers[c] for c in target.children]
    assert all(c["carousel_item"] for c in children)
    assert [c["alt_text"] for c in children] == ALTS
    carousel = emulator.containers[target.container_id]
    assert carousel["children"] == target.children and carousel["caption"] == post.full_text()
    [media] = emulator.posts[IG]
    assert media["media_type"] == "CAROUSEL_ALBUM" and media["alt_texts"] == ALTS
    assert services.publish_due(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    assert len(emulator.posts[IG]) == 1


def test_the_emulator_refuses_a_carousel_item_published_alone_and_a_one_item_carousel(emulator):
    status, child = emulator.new_container(
        IG, {"image_url": "https://x/a.jpg", "is_carousel_item": True}
    )
    assert status == 200
    emulator.container_status(child["id"])
    emulator.container_status(child["id"])  # IN_PROGRESS → FINISHED
    assert emulator.publish_container(IG, child["id"])[0] == 400
    status, body = emulator.new_container(IG, {"media_type": "CAROUSEL", "children": [child["id"]]})
    assert status == 400 and "between 2 and 10" in body["error"]["message"]


def test_a_carousel_item_that_fails_fails_the_target_naming_the_photo(
    desk, accounts, emulator, fast
):
    post = due_now(scheduled_with(desk, accounts, ("ig",)))
    emulator.container_script, emulator.container_script_skip = ["ERROR"], 1  # the 2nd photo
    services.publish_due()
    target = post.targets.get()
    assert target.state == Target.State.FAILED and "2번째 사진" in target.last_error
    assert IG not in emulator.posts  # nothing published
    assert post.events.filter(action=PostEvent.Action.TARGET_FAILED).exists()


def test_a_carousel_item_still_processing_is_reused_on_the_next_sweep(
    desk, accounts, emulator, fast
):
    post = due_now(scheduled_with(desk, accounts, ("ig",)))
    emulator.container_script = ["IN_PROGRESS"] * 8  # the first photo takes its time
    services.publish_due()
    target = post.targets.get()
    assert target.state == Target.State.PENDING and "처리 중" in target.last_error
    assert len(target.children) == 3 and not target.container_id
    made = len(emulator.containers)
    emulator.containers[target.children[0]]["script"] = ["FINISHED"]
    services.publish_due(now=timezone.now() + dt.timedelta(minutes=2))
    target.refresh_from_db()
    assert target.state == Target.State.PUBLISHED
    assert len(emulator.containers) == made + 1  # only the carousel container is new
    assert len(emulator.posts[IG]) == 1


def test_a_carousel_publish_that_times_out_is_checked_not_resent(
    desk, accounts, emulator, fast, settings
):
    settings.ONTONG_GRAPH_TIMEOUT = 0.5
    post = due_now(scheduled_with(desk, accounts, ("ig",)))
    emulator.container_script = ["IN_PROGRESS"] * 8
    emulator.container_script_skip = 3  # the carousel container itself is slow
    services.publish_due()
    target = post.targets.get()
    assert target.container_id and target.state == Target.State.PENDING
    emulator.containers[target.container_id]["script"] = ["FINISHED"]
    emulator.failures.append({"error": "slow", "seconds": 1.5})  # published, answered too late
    services.publish_due(now=timezone.now() + dt.timedelta(minutes=2))
    target.refresh_from_db()
    assert target.state == Target.State.UNKNOWN
    services.publish_due(now=timezone.now() + dt.timedelta(minutes=4))
    target.refresh_from_db()
    assert target.state == Target.State.PUBLISHED
    assert [m["id"] for m in emulator.posts[IG]] == [target.remote_id]  # once


def test_every_photo_needs_alt_text_before_it_goes_for_review(desk, accounts):
    post = with_photos(make_post(desk, accounts), alts=["정문", " "])
    assert services.checks(post)["사진 대체 텍스트"] == [
        "사진 2: 대체 텍스트를 적어 주세요 (화면 낭독기 사용자를 위한 사진 설명, 접근성)."
    ]
    with pytest.raises(services.PublishingError, match="사진 2: 대체 텍스트"):
        services.transition(post, "submit", desk["writer"])
    services.arrange_photos(post, [], {post.images.last().pk: "성곽 야경"}, {}, set())
    assert services.transition(post, "submit", desk["writer"]).state == Post.State.REVIEW


def test_the_editor_reorders_removes_and_describes_photos(client, desk, accounts):
    post = with_photos(make_post(desk, accounts, kinds=("page",)))
    a, b, c = post.images.all()
    client.force_login(desk["writer"])
    response = client.post(
        f"/publishing/posts/{post.pk}/edit/",
        {
            "title": post.title,
            "text": post.text,
            "accounts": [accounts["page"].pk],
            "photo_order": [c.pk, a.pk, b.pk],
            f"photo-{c.pk}-alt": "무대 (고침)",
            f"photo-{c.pk}-caption": "저녁 공연",
            f"photo-{a.pk}-alt": a.alt_text,
            f"photo-{b.pk}-alt": b.alt_text,
            "photo_remove": [b.pk],
            "images": [SimpleUploadedFile("new.png", png("blue"), "image/png")],
            "new_alt": ["새 사진: 푸른 하늘"],
            "new_caption": ["하늘"],
        },
    )
    assert response.status_code == 302
    photos = list(post.images.all())
    assert [p.alt_text for p in photos] == ["무대 (고침)", ALTS[0], "새 사진: 푸른 하늘"]
    assert [p.caption for p in photos] == ["저녁 공연", "", "하늘"]
    assert [p.order for p in photos] == [0, 1, 2]


def test_the_server_refuses_what_the_live_counters_flag(client, desk, accounts):
    post = with_photos(make_post(desk, accounts, kinds=("ig",)), alts=["사진"] * 10)
    client.force_login(desk["writer"])
    tags = " ".join(f"태그{n}" for n in range(31))
    response = client.post(
        f"/publishing/posts/{post.pk}/edit/",
        {
            "title": post.title,
            "text": "가" * 2200,
            "hashtags": tags,
            "accounts": [accounts["ig"].pk],
            "images": [SimpleUploadedFile("11.png", png(), "image/png")],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    caption = services.caption_of("가" * 2200, "", tags)
    problems = services.limit_problems(caption, 31, 10, {"instagram"})
    assert len(problems) == 2  # caption length, hashtag count
    for problem in problems:
        assert problem in page  # the very sentences the editor's counters show
    assert "사진은 10장까지 올릴 수 있습니다 (이미 10장)" in page  # the 11th photo
    assert post.images.count() == 10


def test_previews_cut_the_caption_and_show_the_carousel(desk, accounts):
    post = with_photos(make_post(desk, accounts, text="가" * 200), alts=["a"] * 7)
    ig = services.preview(post, "instagram")
    assert ig["more"] and len(ig["text"]) == 125 and ig["carousel"] and ig["count"] == 7
    assert ig["frame"] == "square"  # the test photos are landscape
    fb = services.preview(post, "facebook")
    assert not fb["more"] and fb["grid"] == 5 and fb["extra"] == 2


def test_approve_and_schedule_in_one_step_by_someone_else(desk, accounts, settings):
    settings.ONTONG_PUBLISHING_SELF_APPROVAL = False
    post = make_post(desk, accounts, planned=timezone.now() + dt.timedelta(hours=2))
    post = services.transition(post, "submit", desk["writer"])
    assert "approve_schedule" not in services.available(desk["writer"], post)
    desk["writer"].user_permissions.add(*desk["approver"].user_permissions.all())
    desk["writer"] = type(desk["writer"]).objects.get(pk=desk["writer"].pk)  # fresh permissions
    with pytest.raises(services.PublishingError, match="직접 쓰거나 고친 글"):
        services.transition(post, "approve_schedule", desk["writer"])
    assert services.available(desk["approver"], post)[0] == "approve_schedule"
    post = services.transition(post, "approve_schedule", desk["approver"])
    assert post.state == Post.State.SCHEDULED and post.approved_by == desk["approver"]
    assert post.events.last().action == "approve_schedule"


def test_approve_and_schedule_keeps_facebooks_window(desk, accounts):
    post = make_post(desk, accounts, planned=timezone.now() + dt.timedelta(minutes=3))
    post = services.transition(post, "submit", desk["writer"])
    with pytest.raises(services.PublishingError, match="10분 뒤"):
        services.transition(post, "approve_schedule", desk["approver"])
    assert Post.objects.get(pk=post.pk).state == Post.State.REVIEW  # nothing changed


def test_publish_now_publishes_both_accounts_at_once(
    client, desk, accounts, emulator, fast, run_tasks, django_capture_on_commit_callbacks
):
    post = with_photos(make_post(desk, accounts, planned=timezone.now() + dt.timedelta(days=3)))
    post = services.transition(post, "submit", desk["writer"])
    post = services.transition(post, "approve", desk["approver"])
    client.force_login(desk["writer"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(f"/publishing/posts/{post.pk}/act/publish_now/", follow=True)
    assert len(queued) == 1  # the task, enqueued once the change is committed
    assert "지금 게시합니다" in response.content.decode()
    post.refresh_from_db()
    assert post.state == Post.State.SCHEDULED and post.planned_at <= timezone.now()
    assert IG not in emulator.posts  # the worker publishes, not the request
    run_tasks()
    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED and post.planned_at <= timezone.now()
    assert len(emulator.posts[PAGE]) == 1 and len(emulator.posts[IG]) == 1
    assert services.publish_due() == 0  # the worker has nothing left to send


def test_publish_now_refuses_a_draft(desk, accounts):
    post = make_post(desk, accounts)
    with pytest.raises(services.PublishingError, match="지금 게시"):
        services.publish_now(post, desk["writer"])


def test_an_empty_day_clicked_opens_a_new_post_on_that_day(client, desk):
    client.force_login(desk["writer"])
    day = timezone.localdate() + dt.timedelta(days=3)
    page = client.get(f"/publishing/posts/new/?date={day}").content.decode()
    assert f'value="{day}T10:00"' in page
    past = timezone.localdate() - dt.timedelta(days=3)
    assert f"{past}T10:00" not in client.get(f"/publishing/posts/new/?date={past}").content.decode()
    assert client.get("/publishing/posts/new/?date=garbage").status_code == 200


def test_a_portrait_first_photo_gets_instagrams_4_5_frame(desk, accounts):
    post = make_post(desk, accounts, kinds=("ig",))
    post.images.all().delete()
    tall = io.BytesIO()
    Image.new("RGB", (30, 60), "green").save(tall, "PNG")
    PostImage.objects.create(
        post=post, original=SimpleUploadedFile("tall.png", tall.getvalue()), alt_text="세로 사진"
    )
    assert services.preview(post, "instagram")["frame"] == "portrait"


def test_the_editor_cannot_reach_another_posts_photos(desk, accounts):
    mine = with_photos(make_post(desk, accounts, kinds=("page",)))
    other = with_photos(make_post(desk, accounts, kinds=("page",)), alts=["남의 사진"])
    foreign = other.images.get().pk
    services.arrange_photos(mine, [foreign], {foreign: "바꿈"}, {}, {foreign})
    assert other.images.get().alt_text == "남의 사진"  # neither changed nor removed
    assert mine.images.count() == 3
