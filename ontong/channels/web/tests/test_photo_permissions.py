"""A citizen's photo on disk is for Ontong's own account only: the app serves it after its access
check, so no other account on the machine (nor a web server) needs to read it."""

import stat
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ontong.complaints.models import Attachment
from ontong.tests.hostile_images import jpeg_with_gps

pytestmark = pytest.mark.django_db


def test_a_stored_photo_and_its_folder_are_for_the_owner_only(client, city):
    photo = SimpleUploadedFile("p.jpg", jpeg_with_gps())
    response = client.post("/minwon/", {"body": "해미면 도로에 낙석이 있어요", "photos": [photo]})
    assert response.status_code == 302

    stored = Path(Attachment.objects.get().file.path)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
