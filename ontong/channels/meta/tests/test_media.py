"""Photos fetched from Meta's CDN get the same checks as uploads: a bomb or a page in disguise is
refused or re-encoded and the refusal recorded, and the citizen's message is kept either way."""

import pytest

from ontong.channels.meta import media
from ontong.complaints.models import Attachment
from ontong.tests.hostile_images import png_declaring, polyglot_gif

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(new_complaint):
    complaint = new_complaint("사진 보냅니다", channel="messenger")
    message = complaint.messages.get(direction="in")
    return Attachment.objects.create(
        complaint=complaint, message=message, source_url="https://scontent.xx.fbcdn.net/v/a.png"
    )


def test_a_fetched_decompression_bomb_is_refused_and_recorded(pending, monkeypatch):
    monkeypatch.setattr(media, "download", lambda url: png_declaring(20000, 20000))
    assert media.fetch_attachment(pending.pk) == "refused"
    pending.refresh_from_db()
    assert not pending.file and "너무 큽니다" in pending.fetch_error
    told = pending.complaint.messages.get(direction="out", body__contains="사진을 받지 못했습니다")
    assert "사진이 너무 큽니다" in told.body and told.delivery == "queued"
    assert pending.complaint.events.filter(action="photo_refused").exists()
    assert pending.message.body == "사진 보냅니다"


def test_a_fetched_page_in_disguise_is_stored_as_a_reencoded_image(pending, monkeypatch):
    monkeypatch.setattr(media, "download", lambda url: polyglot_gif())
    assert media.fetch_attachment(pending.pk) == "stored"
    pending.refresh_from_db()
    assert pending.content_type == "image/gif" and pending.file.name.endswith(".gif")
    with pending.file.open("rb") as stored:
        assert b"<script" not in stored.read()


def test_control_characters_are_removed_from_messenger_text_and_edits(deliver_and_run):
    from ontong.complaints.models import Complaint, Message

    from .conftest import PAGE, messaging, text_event

    deliver_and_run(messaging(text_event(mid="m_1", text="가로등\x1b[2J 고장\x07")))
    assert Complaint.objects.get().body == "가로등[2J 고장"
    edit = {"mid": "m_1", "text": "가로등 두 개\x08 고장", "num_edit": 1}
    deliver_and_run(
        messaging(
            {
                "sender": {"id": "u1"},
                "recipient": {"id": PAGE},
                "timestamp": 1,
                "message_edit": edit,
            }
        )
    )
    assert Message.objects.get(external_id="m_1").body == "가로등 두 개 고장"


def test_a_photo_whose_fetch_died_with_its_worker_is_fetched_again(pending, settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from ontong.channels.meta.tasks import fetch_media
    from ontong.tasks_queue import waiting_ids

    settings.ONTONG_STUCK_SECONDS = 60
    later = timezone.now() + timedelta(minutes=2)
    assert media.sweep_lost_fetches() == 0  # too recent: its task may still come
    assert media.sweep_lost_fetches(now=later) == 1  # no task waits for it: lost
    assert pending.pk in waiting_ids(fetch_media.module_path, timedelta(minutes=1))
    assert media.sweep_lost_fetches(now=later) == 0  # its new task is waiting
    monkeypatch.setattr(media, "download", lambda url: polyglot_gif())
    assert media.fetch_attachment(pending.pk) == "stored"
    monkeypatch.setattr("ontong.channels.media.waiting_ids", lambda *args: set())
    assert media.sweep_lost_fetches(now=later) == 0  # stored: nothing to fetch again
