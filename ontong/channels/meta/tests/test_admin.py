import pytest

from ontong.channels.meta.models import MetaAccount

pytestmark = pytest.mark.django_db


def test_secrets_are_encrypted_at_rest_and_never_shown_back(client, page, django_user_model):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT page_token, app_secret FROM channels_meta_metaaccount WHERE id = %s", [page.pk]
        )
        stored_token, stored_secret = cursor.fetchone()
    assert "page-token-1" not in stored_token and "s3cret" not in stored_secret
    admin_user = django_user_model.objects.create_superuser("root", password="pw-for-tests-1")
    client.force_login(admin_user)
    form_page = client.get(f"/admin/channels_meta/metaaccount/{page.pk}/change/").content.decode()
    assert (
        "page-token-1" not in form_page
        and "s3cret" not in form_page
        and "verify-me" not in form_page
    )


def test_blank_secret_keeps_the_stored_one_and_a_new_token_clears_the_invalid_flag(
    client, page, django_user_model
):
    from django.utils import timezone

    MetaAccount.objects.filter(pk=page.pk).update(token_invalid_at=timezone.now())
    client.force_login(
        django_user_model.objects.create_superuser("root", password="pw-for-tests-1")
    )
    data = {
        "kind": "page",
        "external_id": page.external_id,
        "name": "서산시",
        "page_id": "",
        "graph_url": "",
        "follow_up_hours": 24,
        "comment_rule": "keywords",
        "comment_keywords": "민원",
        "private_reply_text": "메시지로 알려 주세요",
        "is_active": "on",
        "app_secret": "",
        "verify_token": "",
        "page_token": "",
    }
    client.post(f"/admin/channels_meta/metaaccount/{page.pk}/change/", data)
    page.refresh_from_db()
    assert page.page_token == "page-token-1" and page.token_invalid_at is not None
    client.post(
        f"/admin/channels_meta/metaaccount/{page.pk}/change/", {**data, "page_token": "fresh-token"}
    )
    page.refresh_from_db()
    assert page.page_token == "fresh-token" and page.token_invalid_at is None


def test_admins_see_a_banner_when_a_token_is_invalid(client, page, staff):
    from django.utils import timezone

    MetaAccount.objects.filter(pk=page.pk).update(token_invalid_at=timezone.now())
    client.force_login(staff["admin"])
    assert "토큰이 무효" in client.get("/inbox/").content.decode()
    client.force_login(staff["road"])
    assert "토큰이 무효" not in client.get("/queue/").content.decode()
