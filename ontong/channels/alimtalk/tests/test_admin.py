"""민원총괄 keeps 알림톡 in the admin: the secret key is stored encrypted and never shown back; a
template's last error (from a delivery) is shown beside it and cleared when the template is fixed."""

import pytest
from django.db import connection

from ontong.channels.alimtalk.models import AlimtalkConfig, AlimtalkTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-1-tests"))
    return client


def test_the_secret_key_is_encrypted_and_a_blank_field_keeps_it(root, alimtalk_on):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_key FROM channels_alimtalk_alimtalkconfig WHERE id = 1")
        (stored,) = cursor.fetchone()
    assert stored and "secret-1" not in stored
    page = root.get("/admin/channels_alimtalk/alimtalkconfig/1/change/").content.decode()
    assert "secret-1" not in page and "app-key-1" in page
    response = root.post(
        "/admin/channels_alimtalk/alimtalkconfig/1/change/",
        {
            "enabled": "on",
            "provider": "nhn",
            "base_url": "",
            "app_key": "app-key-2",
            "secret_key": "",
            "sender_key": "s" * 40,
            "resend_sender_no": "",
        },
    )
    assert response.status_code == 302
    config = AlimtalkConfig.current()
    assert (config.app_key, config.secret_key) == ("app-key-2", "secret-1")
    assert AlimtalkConfig.objects.count() == 1


def test_a_template_error_is_shown_and_cleared_when_the_template_is_fixed(root, alimtalk_on):
    alimtalk_on.record_error(
        "알림톡 템플릿 ONTONG_RESULT이(가) 검수 승인 상태가 아닙니다 (검수 중)."
    )
    listing = root.get("/admin/channels_alimtalk/alimtalktemplate/").content.decode()
    assert "검수 승인 상태가 아닙니다" in listing
    page = root.get(f"/admin/channels_alimtalk/alimtalktemplate/{alimtalk_on.pk}/change/")
    assert "#{처리결과}" in page.content.decode()  # the variables Ontong can fill
    response = root.post(
        f"/admin/channels_alimtalk/alimtalktemplate/{alimtalk_on.pk}/change/",
        {
            "purpose": "result",
            "template_code": "ONTONG_RESULT",
            "state": AlimtalkTemplate.State.APPROVED,
            "content": "민원 #{접수번호} 처리 결과: #{처리결과}",
        },
    )
    assert response.status_code == 302
    alimtalk_on.refresh_from_db()
    assert alimtalk_on.last_error == "" and alimtalk_on.last_error_at is None
