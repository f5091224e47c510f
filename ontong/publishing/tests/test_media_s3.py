"""A post's photo on an S3-compatible media store (moto's server), fetched by the platform: the
Graph API emulator downloads it from the signed link we give, as Meta does, and gets the photo (a
JPEG for Instagram) read from the bucket through the app — the object itself stays private."""

import io

import pytest
from PIL import Image

from ontong.publishing import services
from ontong.publishing.models import Post, PostImage

from .conftest import IG, PAGE
from .test_publishing import due_now, scheduled

# live_server first: it shares the in-memory SQLite connection of the moment it starts, which
# must be the test's (later, its request threads fail to close a connection they do not share).


@pytest.mark.django_db(transaction=True)
def test_the_platform_fetches_a_post_photo_kept_in_the_bucket(
    live_server, desk, accounts, emulator, s3_media, settings, monkeypatch
):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    settings.SITE_URL = live_server.url
    settings.ONTONG_GRAPH_TIMEOUT = 20  # the emulator fetches the photo before it answers
    emulator.fetches_media = True
    post = due_now(scheduled(desk, accounts))
    image = PostImage.objects.get(post=post)
    assert s3_media.keys() == [image.original.name]

    assert services.publish_due() == 2
    assert Post.objects.get(pk=post.pk).state == Post.State.PUBLISHED
    image.refresh_from_db()
    assert sorted(s3_media.keys()) == sorted([image.original.name, image.jpeg.name])
    assert all(s3_media.public_grants(key) == [] for key in s3_media.keys())
    fetched = {f["url"]: f for f in emulator.fetched}
    assert len(fetched) == 2 and all(f["status"] == 200 for f in fetched.values())
    assert all(url.startswith(live_server.url) for url in fetched)  # the app, not the bucket
    by_type = {f["type"]: f["body"] for f in fetched.values()}
    assert by_type["image/png"] == s3_media.read(image.original.name)  # Facebook: the original
    assert by_type["image/jpeg"] == s3_media.read(image.jpeg.name)  # Instagram: JPEG only
    with Image.open(io.BytesIO(by_type["image/jpeg"])) as jpeg:
        assert jpeg.format == "JPEG" and jpeg.size == (40, 30)
    assert emulator.posts[PAGE] and emulator.posts[IG]


@pytest.mark.django_db(transaction=True)
def test_a_photo_the_platform_cannot_fetch_fails_the_target_with_metas_reason(
    live_server, desk, accounts, emulator, s3_media, settings, monkeypatch
):
    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    settings.SITE_URL = live_server.url
    settings.ONTONG_GRAPH_TIMEOUT = 20
    emulator.fetches_media = True
    post = due_now(scheduled(desk, accounts, kinds=("page",)))
    image = PostImage.objects.get(post=post)
    s3_media.client.delete_object(Bucket=s3_media.bucket, Key=image.original.name)  # lost

    services.publish_due()
    target = post.targets.get()
    assert target.state != "published" and "324" in target.last_error
    assert not emulator.posts.get(PAGE)
