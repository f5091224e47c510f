"""Photos citizens attach on the website: only real images are kept, re-encoded under a name we
choose, and served so that a browser can never run them as a page on our origin."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ontong.complaints.models import Attachment, Complaint
from ontong.tests.hostile_images import (
    animated_gif,
    has_gps,
    jpeg_with_gps,
    png_declaring,
    polyglot_gif,
)

pytestmark = pytest.mark.django_db


def submit(client, *photos):
    return client.post("/minwon/", {"body": "해미면 도로에 낙석이 있어요", "photos": list(photos)})


def served(client, staff, item: Attachment):
    client.force_login(staff["triage"])
    return client.get(f"/complaints/{item.complaint.receipt_no}/attachments/{item.pk}/")


def assert_served_as_image(response, content_type: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert ".html" not in response["Content-Disposition"]
    assert b"<script" not in b"".join(response.streaming_content)


def test_a_page_disguised_as_a_photo_is_kept_only_as_the_image_it_also_is(client, staff):
    upload = SimpleUploadedFile("promo.html", polyglot_gif(), content_type="text/html")
    assert submit(client, upload).status_code == 302
    item = Attachment.objects.get()
    assert item.file.name.endswith(".gif") and item.content_type == "image/gif"
    assert item.original_name == "promo.html"  # shown to staff, never used as a file name
    response = served(client, staff, item)
    assert_served_as_image(response, "image/gif")
    assert 'filename="' in response["Content-Disposition"]


def test_an_attachment_stored_before_the_fix_is_served_by_what_pillow_sees(
    client, staff, new_complaint
):
    complaint = new_complaint("옛 첨부")
    item = Attachment.objects.create(
        complaint=complaint,
        file=SimpleUploadedFile("promo.html", polyglot_gif()),
        content_type="text/html",
    )
    response = served(client, staff, item)
    assert response["Content-Type"] == "image/gif"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert ".html" not in response["Content-Disposition"]


def test_a_stored_file_that_is_no_image_is_only_offered_as_a_download(client, staff, new_complaint):
    complaint = new_complaint("옛 첨부")
    item = Attachment.objects.create(
        complaint=complaint, file=SimpleUploadedFile("x.html", b"<script>alert(1)</script>")
    )
    response = served(client, staff, item)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_where_a_photo_was_taken_is_not_kept(client, staff):
    assert has_gps(jpeg_with_gps())
    assert submit(client, SimpleUploadedFile("p.jpg", jpeg_with_gps())).status_code == 302
    item = Attachment.objects.get()
    response = served(client, staff, item)
    data = b"".join(response.streaming_content)
    assert response["Content-Type"] == "image/jpeg" and not has_gps(data)
    assert b"Galaxy" not in data


def test_an_animated_gif_stays_animated(client, staff):
    assert submit(client, SimpleUploadedFile("a.gif", animated_gif(frames=3))).status_code == 302
    with Image.open(Attachment.objects.get().file) as image:
        assert image.format == "GIF" and image.n_frames == 3


@pytest.mark.parametrize("size", [(20000, 20000), (12000, 12000)])
def test_an_image_with_too_many_pixels_is_refused_with_a_clear_message(client, city, size):
    response = submit(client, SimpleUploadedFile("big.png", png_declaring(*size)))
    assert response.status_code == 400
    page = response.content.decode()
    assert "big.png" in page and "너무 큽니다" in page and "4,000만 화소" in page
    assert not Complaint.objects.exists()


def test_the_pixel_cap_is_a_setting(client, city, settings):
    settings.ONTONG_IMAGE_MAX_PIXELS = 100
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "PNG")
    response = submit(client, SimpleUploadedFile("p.png", buffer.getvalue()))
    assert response.status_code == 400 and "너무 큽니다" in response.content.decode()


def test_the_refusal_is_translated(client, city, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = submit(client, SimpleUploadedFile("big.png", png_declaring(20000, 20000)))
    page = response.content.decode()
    assert response.status_code == 400 and "is too large (at most 40,000,000 pixels" in page
