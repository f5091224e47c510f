import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from ontong.complaints.models import Attachment, Complaint, State
from ontong.complaints.retention import purge_expired

pytestmark = pytest.mark.django_db


def closed(complaint, days_ago):
    Complaint.objects.filter(pk=complaint.pk).update(
        state=State.CLOSED, closed_at=timezone.now() - dt.timedelta(days=days_ago)
    )


def test_expired_cases_lose_personal_data_and_attachments(new_complaint, settings):
    settings.ONTONG_RETENTION_DAYS = 365
    old = new_complaint(
        "연락처 010-1234-5678 가로등, 옆집 김철수씨가 신고하라고 했어요",
        title="김철수씨 집 앞 가로등",
        name="홍길동",
        phone="010-1234-5678",
        contact_consent=True,
    )
    attachment = Attachment.objects.create(
        complaint=old, file=SimpleUploadedFile("a.jpg", b"x"), content_type="image/jpeg", size=1
    )
    path = attachment.file.path
    recent = new_complaint(
        "최근 민원 010-9999-8888", name="김민지", phone="010-9999-8888", contact_consent=True
    )
    closed(old, 400)
    closed(recent, 10)
    assert purge_expired() == 1
    old.refresh_from_db()
    assert "1234-5678" not in old.body and "1234-5678" not in old.messages.first().body
    assert old.title == "김*수씨 집 앞 가로등" and "김*수씨가 신고하라고" in old.body
    assert old.citizen.phone == "" and old.citizen.name == ""
    assert not Attachment.objects.filter(complaint=old).exists()
    import os

    assert not os.path.exists(path)
    assert old.events.filter(action="personal_data_purged").exists()
    recent.refresh_from_db()
    assert recent.citizen.phone == "010-9999-8888"
    assert purge_expired() == 0  # idempotent


def test_purge_command_dry_run(new_complaint, settings, capsys):
    settings.ONTONG_RETENTION_DAYS = 30
    closed(new_complaint(), 31)
    call_command("purge_personal_data", "--dry-run")
    assert "파기 대상 1건" in capsys.readouterr().out
