import json

import pytest

from ontong.channels.meta.models import MetaAccount, WebhookDelivery
from ontong.complaints.models import Complaint, Message

from .conftest import PAGE, messaging, sign, text_event

pytestmark = pytest.mark.django_db


def test_verification_echoes_the_challenge_only_for_the_right_token(client, page):
    url = "/webhooks/meta/"
    ok = client.get(
        url,
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    for params in [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "x"},
        {"hub.mode": "subscribe", "hub.challenge": "x"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "x"},
    ]:
        response = client.get(url, params)
        assert response.status_code == 403 and b"x" not in response.content


def test_signed_body_is_stored_before_200_and_processed_by_the_worker(
    post_webhook, page, run_tasks
):
    response = post_webhook(messaging(text_event()))
    assert response.status_code == 200
    stored = WebhookDelivery.objects.get()
    assert stored.state == "pending" and json.loads(bytes(stored.body))["object"] == "page"
    assert not Complaint.objects.exists()
    run_tasks()
    stored.refresh_from_db()
    assert stored.state == "processed"
    assert Complaint.objects.get().channel == "messenger"


@pytest.mark.parametrize("header", ["", "sha256=" + "0" * 64, "sha1=abcdef", "sha256=ZZZ"])
def test_bad_signatures_are_refused_and_nothing_stored(post_webhook, page, header):
    assert post_webhook(messaging(text_event()), header=header).status_code == 403
    assert not WebhookDelivery.objects.exists()


def test_secrets_are_kept_between_webhooks_and_account_changes_apply_at_once(
    post_webhook, page, django_assert_num_queries
):
    post_webhook(messaging(text_event(mid="m_1")))
    with django_assert_num_queries(1):  # the body; no secrets read, no task yet (decision 0002)
        assert post_webhook(messaging(text_event(mid="m_2"))).status_code == 200

    added = MetaAccount.objects.create(
        kind="page", external_id="999", name="새 페이지", app_secret="new-secret", page_token="t"
    )
    assert post_webhook(messaging(text_event(mid="m_3")), secret="new-secret").status_code == 200
    added.delete()
    assert post_webhook(messaging(text_event(mid="m_4")), secret="new-secret").status_code == 403
    for account in MetaAccount.objects.all():
        account.is_active = False
        account.save()
    assert post_webhook(messaging(text_event(mid="m_5"))).status_code == 403


def test_uppercase_hex_is_refused(post_webhook, page):
    body = json.dumps(messaging(text_event())).encode()
    assert (
        post_webhook(
            None, raw=body, header=sign(body).upper().replace("SHA256=", "sha256=")
        ).status_code
        == 403
    )


def test_korean_body_with_escapes_is_verified_over_raw_bytes(post_webhook, page, run_tasks):
    raw = (
        '{"object":"page","entry":[{"id":"' + PAGE + '","messaging":[{"sender":{"id":"u9"},'
        '"recipient":{"id":"' + PAGE + '"},"timestamp":1764000000000,"message":{"mid":"m_k",'
        '"text":"\\uac00\\ub85c\\ub4f1\\uc774 \\uaebc\\uc84c\\uc5b4\\uc694"}}]}]}'
    ).encode()
    assert post_webhook(None, raw=raw).status_code == 200
    # re-serialising the parse would give different bytes, and a different signature
    assert json.dumps(json.loads(raw), ensure_ascii=False).encode() != raw
    run_tasks()
    assert Complaint.objects.get().body == "가로등이 꺼졌어요"


def test_malformed_and_oversized_bodies(post_webhook, page, settings):
    assert post_webhook(None, raw=b"{not json").status_code == 400
    assert post_webhook(None, raw=b"\xff\xfe\x00junk").status_code == 400
    assert post_webhook(None, raw=b"[1,2,3]").status_code == 400
    settings.ONTONG_WEBHOOK_MAX_BYTES = 100
    assert post_webhook(messaging(text_event(text="가" * 200))).status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_an_object_type_with_control_characters_is_stored_without_them(post_webhook, page):
    payload = {"object": "pa\u0000ge\u001b", "entry": []}

    assert post_webhook(payload).status_code == 200

    assert WebhookDelivery.objects.get().object_type == "page"


def test_same_mid_twice_in_one_post_and_across_retries_is_one_row(post_webhook, page, run_tasks):
    payload = messaging(text_event(mid="m_dup"), text_event(mid="m_dup"))
    payload["entry"].append(payload["entry"][0])
    post_webhook(payload)
    post_webhook(payload)
    run_tasks()
    assert Message.objects.filter(external_id="m_dup").count() == 1
    assert Complaint.objects.count() == 1


def test_a_delivery_whose_task_was_lost_is_processed_by_the_sweep(page, post_webhook, run_tasks):
    import datetime as dt

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from ontong.channels.meta.events import enqueue_stored_webhooks, sweep_webhooks

    assert post_webhook(messaging(text_event(mid="m_lost"))).status_code == 200
    assert enqueue_stored_webhooks() == 1
    DBTaskResult.objects.all().delete()  # the worker died with the task
    assert sweep_webhooks() == 0  # too early: the task may still be running
    WebhookDelivery.objects.update(queued_at=timezone.now() - dt.timedelta(minutes=3))
    assert sweep_webhooks() == 1
    assert sweep_webhooks() == 0  # handed back to be queued again: not lost twice
    run_tasks()
    assert WebhookDelivery.objects.get().state == "processed"
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().messages.filter(direction="in").count() == 1


@pytest.mark.django_db(transaction=True)
def test_under_a_backlog_the_worker_takes_an_acknowledgement_before_more_intake(post_webhook, page):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from ontong.complaints.tasks import deliver_message
    from ontong.routing.tasks import after_intake

    for n in range(3):
        post_webhook(messaging(text_event(mid=f"m_backlog_{n}")))
    after_intake.enqueue(1)
    deliver_message.enqueue(1)
    with transaction.atomic():
        order = [DBTaskResult.objects.ready().get_locked().task_path]
    assert order == ["ontong.complaints.tasks.deliver_message"]
    claimed = [
        t.task_path for t in DBTaskResult.objects.ready().order_by(*DBTaskResult._meta.ordering)
    ]
    assert claimed[0].endswith("deliver_message") and claimed[-1].endswith("after_intake")
