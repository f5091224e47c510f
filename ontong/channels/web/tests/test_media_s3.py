"""A citizen's photo on an S3-compatible media store (moto's server): sent with the web form, kept
as a private object, shown to staff through the app's access check, destroyed with the case's
personal data when its retention period ends."""

import datetime as dt
import io
import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from ontong.complaints.models import Attachment, Complaint, State
from ontong.complaints.retention import purge_expired

pytestmark = pytest.mark.django_db


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_citizens_photo_lives_in_the_bucket_is_seen_by_staff_and_purged_by_retention(
    client, staff, s3_media, settings
):
    upload = SimpleUploadedFile("IMG_0001.jpg", photo(), content_type="image/jpeg")
    sent = client.post("/minwon/", {"body": "해미면 도로에 낙석이 있어요", "photos": [upload]})
    assert sent.status_code == 302
    item = Attachment.objects.get()
    assert s3_media.keys() == [item.file.name]  # in the bucket, nowhere else
    assert item.file.name.startswith("attachments/") and item.file.name.endswith(".jpg")
    assert s3_media.public_grants(item.file.name) == []  # personal data: never a public object
    stored = s3_media.read(item.file.name)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (64, 48)

    complaint = item.complaint
    client.force_login(staff["triage"])
    page = client.get(f"/complaints/{complaint.receipt_no}/")
    link = f"/complaints/{complaint.receipt_no}/attachments/{item.pk}/"
    assert page.status_code == 200 and link in page.content.decode()
    served = client.get(link)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == stored
    client.logout()
    assert client.get(link).status_code == 302  # to the login page: no way around the check

    settings.ONTONG_RETENTION_DAYS = 30
    Complaint.objects.filter(pk=complaint.pk).update(
        state=State.CLOSED, closed_at=timezone.now() - dt.timedelta(days=31)
    )
    assert purge_expired() == 1
    assert s3_media.keys() == []
    assert not Attachment.objects.exists()


def test_a_backup_says_the_photos_stay_in_the_bucket(s3_media, tmp_path):
    env = {
        **os.environ,
        **s3_media.env,
        "ONTONG_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "ontong.settings",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "ontong", "backup", str(tmp_path / "backup.tar.gz")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"S3 버킷 {s3_media.bucket}" in done.stdout
