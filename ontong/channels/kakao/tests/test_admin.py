"""The bot's secrets: encrypted at rest, never shown back, kept when the field is left blank;
the skill requests' raw bodies and citizens' keys are not shown in the admin."""

import json

import pytest

from ontong.channels.kakao.models import KakaoUser, SkillRequest
from ontong.complaints.models import ChannelIdentity, Citizen

from .conftest import SECRET, skill_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_superuser("root", password="pw-for-tests-1")
    )
    return client


def test_secrets_are_encrypted_at_rest_never_shown_and_kept_when_blank(bot, admin_client):
    from django.db import connection

    bot.rest_api_key = "rest-key-1"
    bot.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT skill_secret, rest_api_key FROM channels_kakao_kakaobot WHERE id = %s", [bot.pk]
        )
        stored_secret, stored_key = cursor.fetchone()
    assert SECRET not in stored_secret and "rest-key-1" not in stored_key
    url = f"/admin/channels_kakao/kakaobot/{bot.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert SECRET not in page and "rest-key-1" not in page
    data = {
        "name": "서산시 챗봇",
        "bot_id": bot.bot_id,
        "skill_secret": "",
        "allowed_networks": "",
        "rest_api_key": "",
        "event_name": "ontong_notice",
        "bot_api_url": "",
        "channel_url": "",
        "follow_up_hours": 24,
        "is_active": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    bot.refresh_from_db()
    assert (bot.name, bot.skill_secret, bot.rest_api_key) == ("서산시 챗봇", SECRET, "rest-key-1")
    admin_client.post(url, {**data, "skill_secret": "new-secret-0123456789"})
    bot.refresh_from_db()
    assert bot.skill_secret == "new-secret-0123456789" and bot.rest_api_key == "rest-key-1"


def test_a_short_secret_and_an_http_bot_api_are_refused(bot, admin_client):
    """The secret is all that guards the skill URL; the REST API key must not go in clear."""
    url = f"/admin/channels_kakao/kakaobot/{bot.pk}/change/"
    data = {
        "name": "서산시 챗봇",
        "bot_id": bot.bot_id,
        "skill_secret": "1234",
        "event_name": "ontong_notice",
        "bot_api_url": "http://bot-api.kakao.com",
        "follow_up_hours": 24,
        "is_active": "on",
    }
    page = admin_client.post(url, data)
    assert page.status_code == 200  # the form again, with its errors
    errors = page.context["adminform"].form.errors
    assert "16" in errors["skill_secret"][0] and "https" in errors["bot_api_url"][0]
    bot.refresh_from_db()
    assert bot.skill_secret == SECRET and bot.bot_api_url == ""
    # The emulator on this machine (the demo, an operator's trial) may be http.
    emulator = {**data, "skill_secret": "", "bot_api_url": "http://127.0.0.1:8002"}
    assert admin_client.post(url, emulator).status_code == 302
    bot.refresh_from_db()
    assert bot.bot_api_url == "http://127.0.0.1:8002" and bot.skill_secret == SECRET


def test_skill_requests_and_users_show_no_body_or_keys(bot, admin_client):
    identity = ChannelIdentity.objects.create(
        citizen=Citizen.objects.create(),
        channel="kakao",
        account=bot.bot_id,
        external_user_id="bk-secret-key",
    )
    user = KakaoUser.objects.create(bot=bot, identity=identity, bot_user_key="bk-secret-key")
    body = json.dumps(
        skill_payload("주민번호 얘기", user="bk-secret-key"), ensure_ascii=False
    ).encode()
    request = SkillRequest.objects.create(
        bot=bot, body=body, dedupe_key="k", bot_user_key="bk-secret-key"
    )
    for url in [
        f"/admin/channels_kakao/skillrequest/{request.pk}/change/",
        "/admin/channels_kakao/skillrequest/",
        f"/admin/channels_kakao/kakaouser/{user.pk}/change/",
    ]:
        page = admin_client.get(url)
        assert page.status_code == 200
        assert (
            "bk-secret-key" not in page.content.decode()
            and "주민번호 얘기" not in page.content.decode()
        )


def test_a_failed_request_can_be_processed_again_its_answer_as_a_notice(
    bot, admin_client, run_tasks
):
    body = json.dumps(skill_payload("가로등이 고장났어요"), ensure_ascii=False).encode()
    failed = SkillRequest.objects.create(
        bot=bot, body=body, dedupe_key="k1", state="failed", error="bug"
    )
    resend = SkillRequest.objects.create(
        bot=bot, body=body, dedupe_key="k1", state="failed", duplicate_of=failed
    )
    admin_client.post(
        "/admin/channels_kakao/skillrequest/",
        {"action": "reprocess", "_selected_action": [failed.pk, resend.pk]},
    )
    run_tasks()
    failed.refresh_from_db()
    resend.refresh_from_db()
    assert failed.state == "processed" and resend.state == "failed"
    from ontong.complaints.models import Complaint

    complaint = Complaint.objects.get()
    assert complaint.channel == "kakao"
    assert complaint.messages.filter(direction="out").exclude(route="skill").exists()


def test_old_raw_requests_are_purged_pending_ones_kept(bot, settings):
    import datetime as dt

    from django.utils import timezone

    from ontong.channels.kakao.skill import purge_old_requests

    old = timezone.now() - dt.timedelta(days=settings.ONTONG_KAKAO_SKILL_KEEP_DAYS + 1)
    for state in ("processed", "answered", "failed", "pending"):
        SkillRequest.objects.create(bot=bot, body=b"{}", dedupe_key=state, state=state)
    SkillRequest.objects.update(received_at=old)
    fresh = SkillRequest.objects.create(bot=bot, body=b"{}", dedupe_key="new", state="processed")
    assert purge_old_requests() == 3
    assert set(SkillRequest.objects.values_list("dedupe_key", flat=True)) == {"pending", "new"}
    assert SkillRequest.objects.filter(pk=fresh.pk).exists()


def test_the_retention_purge_takes_the_kakao_keys_too(bot):
    from ontong.channels.kakao.skill import purge_old_requests
    from ontong.complaints.retention import PURGED

    identity = ChannelIdentity.objects.create(
        citizen=Citizen.objects.create(),
        channel="kakao",
        account=bot.bot_id,
        external_user_id="bk-1",
    )
    user = KakaoUser.objects.create(
        bot=bot, identity=identity, bot_user_key="bk-1", plusfriend_user_key="pf", app_user_id="42"
    )
    SkillRequest.objects.create(bot=bot, body=b"{}", dedupe_key="k", bot_user_key="bk-1")
    assert purge_old_requests() == 0
    # What complaints.retention.purge_complaint does to the identity:
    ChannelIdentity.objects.filter(pk=identity.pk).update(external_user_id=f"{PURGED}:1")
    assert purge_old_requests() == 1
    user.refresh_from_db()
    assert (user.bot_user_key, user.plusfriend_user_key, user.app_user_id) == (
        f"{PURGED}:{user.pk}",
        "",
        "",
    )
    assert not SkillRequest.objects.exists()
    assert purge_old_requests() == 0
