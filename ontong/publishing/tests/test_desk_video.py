"""Desk 2.0, second half, part 1: videos measured from their boxes against each platform's
limits, Facebook video posts and Reels, Instagram Reels (REELS container, slow processing,
ERROR with its reason, cover frame), exactly once, and the Reels 9:16 preview."""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ontong.publishing import services, video
from ontong.publishing.models import Post, PostEvent, PostVideo, Target

from .conftest import IG, PAGE
from .mp4 import mov, mp4
from .test_publishing import due_now, make_post, png

pytestmark = pytest.mark.django_db


def info(**kwargs) -> video.VideoInfo:
    data = mp4(**kwargs)
    return video.probe(io.BytesIO(data), len(data))


def with_video(post, fmt="reel", thumb_ms=2500, **kwargs):
    post.images.all().delete()
    measured = info(**kwargs)
    clip = PostVideo(
        post=post,
        container=measured.container,
        duration=measured.duration,
        width=measured.width,
        height=measured.height,
        size=measured.size,
        format=fmt,
        thumb_offset_ms=thumb_ms,
    )
    clip.file.save("video.mp4", ContentFile(mp4(**kwargs)), save=False)
    clip.save()
    return post


def scheduled_reel(desk, accounts, kinds, **kwargs):
    post = with_video(make_post(desk, accounts, kinds=kinds), **kwargs)
    post = services.transition(post, "submit", desk["writer"])
    return due_now(services.transition(post, "approve_schedule", desk["approver"]))


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)


def test_the_probe_reads_duration_size_and_container_from_the_boxes():
    vertical = info(width=1080, height=1920, seconds=12.5)
    assert (vertical.container, vertical.duration, vertical.width, vertical.height) == (
        "mp4",
        12.5,
        1080,
        1920,
    )
    assert vertical.vertical_9_16
    data = mov(width=1920, height=1080, seconds=61)
    landscape = video.probe(io.BytesIO(data), len(data))
    assert landscape.container == "mov" and not landscape.vertical_9_16


@pytest.mark.parametrize(
    "data, reason",
    [
        (png(), "MP4나 MOV 동영상이 아닙니다"),
        (mp4()[:70], "길이나 화면 크기를 읽지 못했습니다"),  # cut off inside the moov box
        (b"\0\0\0\x10ftypXXXX" + bytes(100), "길이나 화면 크기를 읽지 못했습니다"),
    ],
)
def test_the_probe_refuses_what_is_not_a_measurable_video(data, reason):
    with pytest.raises(video.VideoRefused, match=reason):
        video.probe(io.BytesIO(data), len(data))


def test_the_probe_refuses_a_file_over_the_largest_limit_before_reading_it():
    with pytest.raises(video.VideoRefused, match="1,024MB까지"):
        video.probe(io.BytesIO(mp4()), video.MAX_UPLOAD_BYTES + 1)


def test_each_platforms_documented_limits():
    ok = info(width=1080, height=1920, seconds=30)
    assert video.problems(ok, {"instagram", "facebook"}, "reel") == []
    short = info(seconds=2)
    assert video.problems(short, {"instagram"}, "reel") == [
        "인스타그램 릴스: 길이가 2.0초입니다 (3초 ~ 15분)."
    ]
    wide = info(width=2400, height=1080, seconds=100)
    assert video.problems(wide, {"facebook"}, "reel") == [
        "페이스북 릴스: 길이가 1분 40초입니다 (3초 ~ 90초).",
        "페이스북 릴스: 세로 9:16 화면이어야 합니다 (지금 2400×1080).",
    ]
    assert video.problems(wide, {"instagram"}, "reel") == [
        "인스타그램 릴스: 가로가 2400픽셀입니다 (최대 1920픽셀)."
    ]
    assert video.problems(wide, {"facebook"}, "feed") == []  # a landscape feed video is fine
    small = info(width=360, height=640, seconds=10)
    assert video.problems(small, {"facebook"}, "reel") == [
        "페이스북 릴스: 최소 540×960픽셀이어야 합니다 (지금 360×640)."
    ]
    long = info(width=1280, height=720, seconds=21 * 60)
    assert video.problems(long, {"facebook"}, "feed") == [
        "페이스북 동영상: 길이가 21분 0초입니다 (최대 20분)."
    ]
    big = video.VideoInfo("mp4", 30, 1080, 1920, 301 * video.MB)
    assert video.problems(big, {"instagram"}, "reel") == [
        "인스타그램 릴스: 동영상이 301MB입니다 (최대 300MB)."
    ]


def test_instagram_reel_container_waits_for_processing_then_publishes(
    desk, accounts, emulator, fast
):
    post = scheduled_reel(desk, accounts, ("ig",))
    assert services.publish_due() == 1
    target = post.targets.get()
    container = emulator.containers[target.container_id]
    assert container["media_type"] == "REELS" and container["thumb_offset"] == 2500
    [media] = emulator.posts[IG]
    assert media["media_product_type"] == "REELS" and media["caption"] == post.full_text()
    assert target.remote_id == media["id"]


def test_a_slow_reel_is_looked_at_again_with_the_same_container(desk, accounts, emulator, fast):
    post = scheduled_reel(desk, accounts, ("ig",))
    emulator.container_script = ["IN_PROGRESS"] * 12
    services.publish_due()
    target = post.targets.get()
    assert target.state == Target.State.PENDING and "릴스 동영상을 처리 중" in target.last_error
    first = target.container_id
    emulator.containers[first]["script"] = ["FINISHED"]
    services.publish_due(now=timezone.now() + dt.timedelta(minutes=2))
    target.refresh_from_db()
    assert target.state == Target.State.PUBLISHED and target.container_id == first
    assert len(emulator.posts[IG]) == 1 and len(emulator.containers) == 1


def test_a_reel_instagram_cannot_process_fails_with_its_reason(desk, accounts, emulator, fast):
    post = scheduled_reel(desk, accounts, ("ig",))
    emulator.container_script = ["IN_PROGRESS", "ERROR"]
    emulator.container_error_reason = "Error: 2207026 (unsupported video format)"
    services.publish_due()
    post.refresh_from_db()
    assert post.state == Post.State.FAILED
    note = post.events.get(action=PostEvent.Action.TARGET_FAILED).note
    assert "릴스 동영상" in note and "2207026 (unsupported video format)" in note
    assert IG not in emulator.posts


def test_facebook_reel_start_upload_finish(desk, accounts, emulator, fast):
    post = scheduled_reel(desk, accounts, ("page",))
    assert services.publish_due() == 1
    target = post.targets.get()
    reel = emulator.reels[target.container_id]
    assert reel["published"] and reel["file_url"].endswith("/video.mp4")
    [item] = emulator.posts[PAGE]
    assert item["kind"] == "video_reels" and item["message"] == post.full_text()
    assert target.remote_id == target.container_id


def test_a_facebook_reel_finish_that_times_out_is_checked_not_resent(
    desk, accounts, emulator, fast, settings
):
    settings.ONTONG_GRAPH_TIMEOUT = 0.5
    post = scheduled_reel(desk, accounts, ("page",))
    # start answers in time; finish is done but answered too late
    emulator.failures.extend([{"error": "slow", "seconds": 0, "times": 1}])
    emulator.failures.append({"error": "slow", "seconds": 1.5})
    services.publish_due()
    target = post.targets.get()
    assert target.state == Target.State.UNKNOWN
    services.publish_due(now=timezone.now() + dt.timedelta(minutes=2))
    target.refresh_from_db()
    assert target.state == Target.State.PUBLISHED
    assert len(emulator.posts[PAGE]) == 1 and len(emulator.reels) == 1


def test_facebook_video_post_with_its_cover_frame(desk, accounts, emulator, fast):
    post = scheduled_reel(desk, accounts, ("page",), fmt="feed", width=1280, height=720)
    assert services.publish_due() == 1
    [item] = emulator.posts[PAGE]
    assert item["kind"] == "videos" and item["message"] == post.full_text()
    assert item["thumb_offset"] == 2500


def test_the_editor_measures_an_uploaded_video_and_refuses_what_a_target_cannot_take(
    client, desk, accounts
):
    post = make_post(desk, accounts, kinds=("page",), image=False)
    client.force_login(desk["writer"])
    form = {"title": post.title, "text": post.text, "accounts": [accounts["page"].pk]}
    refused = client.post(
        f"/publishing/posts/{post.pk}/edit/",
        {
            **form,
            "video": SimpleUploadedFile("wide.mp4", mp4(width=1920, height=1080), "video/mp4"),
            "video_format": "reel",
        },
    )
    assert refused.status_code == 400
    assert (
        "페이스북 릴스: 세로 9:16 화면이어야 합니다 (지금 1920×1080)." in refused.content.decode()
    )
    assert not PostVideo.objects.exists()
    not_video = client.post(
        f"/publishing/posts/{post.pk}/edit/",
        {**form, "video": SimpleUploadedFile("a.mp4", png(), "video/mp4")},
    )
    assert "MP4나 MOV 동영상이 아닙니다" in not_video.content.decode()
    saved = client.post(
        f"/publishing/posts/{post.pk}/edit/",
        {
            **form,
            "video": SimpleUploadedFile("reel.mp4", mp4(seconds=20), "video/mp4"),
            "video_format": "reel",
            "thumb_offset": "3.5",
        },
    )
    assert saved.status_code == 302
    clip = PostVideo.objects.get(post=post)
    assert (clip.duration, clip.width, clip.height, clip.thumb_offset_ms) == (20, 1080, 1920, 3500)
    late = client.post(f"/publishing/posts/{post.pk}/edit/", {**form, "thumb_offset": "25"})
    assert "표지 장면은 동영상 길이(20.0초) 안이어야 합니다." in late.content.decode()


def test_a_post_has_a_video_or_photos_not_both(desk, accounts):
    post = with_video(make_post(desk, accounts, kinds=("ig",)))
    post.images.create(original=SimpleUploadedFile("p.png", png(), "image/png"), alt_text="사진")
    assert (
        "동영상과 사진은 한 게시물에 같이 올릴 수 없습니다: 하나를 빼 주세요."
        in (services.checks(post)[accounts["ig"].name])
    )


def test_the_review_page_shows_a_reels_9_16_frame(client, desk, accounts):
    post = with_video(make_post(desk, accounts, kinds=("page", "ig")))
    client.force_login(desk["approver"])
    page = client.get(f"/publishing/posts/{post.pk}/").content.decode()
    assert page.count('data-testid="reel-frame"') == 2 and "15.0초" in page
    assert client.get(f"/publishing/posts/{post.pk}/video/")["Content-Type"] == "video/mp4"


def test_the_public_video_link_opens_only_once_approved(client, desk, accounts):
    post = with_video(make_post(desk, accounts, kinds=("ig",)))
    url = services.public_video_url(post.video).removeprefix("http://testserver")
    path = url[url.index("/publishing/") :]
    assert path.endswith("/video.mp4")
    assert client.get(path).status_code == 404  # a draft
    Post.objects.filter(pk=post.pk).update(state=Post.State.APPROVED)
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert client.get(path.replace("/video/", "/video/x")).status_code == 404


def test_the_upload_host_for_an_account():
    assert (
        services.rupload_base("https://graph.facebook.com/v25.0")
        == "https://rupload.facebook.com/video-upload/v25.0"
    )
    assert (
        services.rupload_base("http://127.0.0.1:8001/v25.0")
        == "http://127.0.0.1:8001/video-upload/v25.0"
    )
