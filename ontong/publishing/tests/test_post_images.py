"""Post photos uploaded by the desk: a file that is also a page is never served as one, neither
to the desk nor by the signed public link Meta fetches."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ontong.publishing import services
from ontong.publishing.models import Post, PostImage
from ontong.tests.hostile_images import has_gps, jpeg_with_gps, png_declaring, polyglot_gif

pytestmark = pytest.mark.django_db


def upload(client, user, *files):
    client.force_login(user)
    return client.post(
        "/publishing/posts/new/",
        {
            "title": "해미읍성 축제",
            "text": "축제가 열립니다",
            "blog_name": "서산시 블로그",
            "images": list(files),
            "new_alt": ["축제 안내 그림"] * len(files),
        },
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_safe_image(response, content_type="image/gif"):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert ".html" not in response.get("Content-Disposition", "")
    assert b"<script" not in body(response)


def test_a_page_uploaded_as_a_post_photo_is_served_only_as_an_image(client, desk):
    file = SimpleUploadedFile("promo.html", polyglot_gif(), content_type="text/html")
    assert upload(client, desk["writer"], file).status_code == 302
    post = Post.objects.get()
    image = post.images.get()
    assert image.original.name.endswith(".gif")
    assert_safe_image(client.get(f"/publishing/posts/{post.pk}/images/{image.pk}/"))
    post = services.transition(post, "submit", desk["writer"])
    services.transition(post, "approve", desk["approver"])
    client.logout()
    public = services.public_image_url(image).removeprefix("http://127.0.0.1:8000")
    assert_safe_image(client.get(public))


def test_a_post_photo_stored_before_the_fix_is_served_by_what_pillow_sees(client, desk):
    post = Post.objects.create(title="옛 게시물", text="x", created_by=desk["writer"])
    image = PostImage.objects.create(
        post=post, original=SimpleUploadedFile("promo.html", polyglot_gif())
    )
    client.force_login(desk["writer"])
    response = client.get(f"/publishing/posts/{post.pk}/images/{image.pk}/")
    assert response["Content-Type"] == "image/gif"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_post_photos_lose_their_location_before_they_are_published(client, desk):
    assert (
        upload(client, desk["writer"], SimpleUploadedFile("p.jpg", jpeg_with_gps())).status_code
        == 302
    )
    image = PostImage.objects.get()
    with image.original.open("rb") as stored:
        assert not has_gps(stored.read())


def test_a_decompression_bomb_is_refused_with_a_clear_message(client, desk):
    response = upload(
        client, desk["writer"], SimpleUploadedFile("bomb.png", png_declaring(20000, 20000))
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "bomb.png" in page and "너무 큽니다" in page
    assert not Post.objects.exists()
