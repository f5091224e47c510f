"""The webhook's fast path in front of Django (decision 0002) and the tasks made from stored
deliveries."""

import io
import json
from unittest import mock
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ontong.channels.meta.events import enqueue_stored_webhooks
from ontong.channels.meta.models import WebhookDelivery
from ontong.complaints.models import Complaint
from ontong.wsgi import application

from .conftest import messaging, sign, text_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Django closes stale connections at a request's start; inside a test transaction that
    would close the test's own (Django's test client skips it too)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def call(body: bytes, *, method="POST", path="/webhooks/meta/", signature=None, query=""):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_HUB_SIGNATURE_256": sign(body) if signature is None else signature,
    }
    setup_testing_defaults(environ)
    answered = {}

    def start_response(status, headers, exc_info=None):
        answered["status"] = int(status.split()[0])

    content = b"".join(application(environ, start_response))
    return answered["status"], content


def body_of(mid: str) -> bytes:
    return json.dumps(messaging(text_event(mid=mid, text="가로등이 꺼졌어요"))).encode()


def test_a_signed_webhook_is_stored_before_django_and_processed_by_a_worker(page, run_tasks):
    body = body_of("m_fast")
    with mock.patch("ontong.wsgi.django_application") as django_app:
        assert call(body) == (200, b"EVENT_RECEIVED")
    django_app.assert_not_called()
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body and delivery.object_type == "page"
    assert delivery.state == "pending"
    assert abs((timezone.now() - delivery.received_at).total_seconds()) < 60
    assert delivery.queued_at is None and not DBTaskResult.objects.exists()
    run_tasks()
    assert WebhookDelivery.objects.get().state == "processed"
    assert Complaint.objects.get().body == "가로등이 꺼졌어요"


def test_everything_else_gets_django_answers_and_nothing_is_stored(page, settings):
    body = body_of("m_bad")
    assert call(body, signature="sha256=" + "0" * 64)[0] == 403
    signed_garbage = b'{"object": "page", "entry": {}}'
    assert call(signed_garbage)[0] == 400
    assert call(b"not json")[0] == 400
    settings.ONTONG_WEBHOOK_MAX_BYTES = 10
    assert call(body)[0] == 413
    challenge = "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42"
    assert call(b"", method="GET", query=challenge) == (200, b"42")
    assert not WebhookDelivery.objects.exists()


def test_a_database_failure_is_answered_503_so_meta_sends_it_again(page):
    with (
        mock.patch(
            "ontong.channels.meta.ingest.store_delivery", side_effect=OperationalError("down")
        ) as store,
        mock.patch("ontong.channels.meta.ingest.connection"),
    ):
        assert call(body_of("m_retry"))[0] == 503
    assert store.call_count == 2  # once more on a new connection, then 503


def test_a_connection_lost_since_the_last_webhook_is_replaced_without_an_error(page):
    from ontong.channels.meta.events import store_delivery

    lost = [OperationalError("server closed the connection")]

    def first_fails(*args):
        if lost:
            raise lost.pop()
        store_delivery(*args)

    with (
        mock.patch("ontong.channels.meta.ingest.store_delivery", side_effect=first_fails),
        mock.patch("ontong.channels.meta.ingest.connection") as own,
    ):
        assert call(body_of("m_again")) == (200, b"EVENT_RECEIVED")
    own.close.assert_called_once()
    assert WebhookDelivery.objects.count() == 1


def test_stored_deliveries_get_one_task_per_batch_in_the_transaction_that_marks_them(
    page, settings
):
    settings.ONTONG_WEBHOOK_BATCH = 2
    for n in range(3):
        assert call(body_of(f"m_{n}"))[0] == 200
    assert enqueue_stored_webhooks() == 3
    assert enqueue_stored_webhooks() == 0
    assert not WebhookDelivery.objects.filter(queued_at__isnull=True).exists()
    batches = [task.args_kwargs["args"][0] for task in DBTaskResult.objects.order_by("enqueued_at")]
    assert sorted(len(b) for b in batches) == [1, 2]  # every delivery in exactly one task
    queued = [pk for b in batches for pk in b]
    assert sorted(queued) == sorted(WebhookDelivery.objects.values_list("pk", flat=True))


def batches_made() -> list[int]:
    tasks = DBTaskResult.objects.order_by("enqueued_at")
    return [len(task.args_kwargs["args"][0]) for task in tasks]


def test_while_batches_wait_for_a_worker_new_deliveries_wait_to_fill_whole_batches(page, settings):
    settings.ONTONG_WEBHOOK_BATCH = 4
    assert call(body_of("m_alone"))[0] == 200
    assert enqueue_stored_webhooks() == 1  # an idle queue takes a delivery at once
    assert call(body_of("m_second"))[0] == 200
    assert enqueue_stored_webhooks() == 1
    for n in range(7):  # two batches wait: the burst stays stored, none lost
        assert call(body_of(f"m_burst_{n}"))[0] == 200
        assert enqueue_stored_webhooks() == 0
    assert WebhookDelivery.objects.filter(queued_at__isnull=True).count() == 7
    DBTaskResult.objects.filter(pk=DBTaskResult.objects.order_by("enqueued_at")[0].pk).update(
        status="RUNNING"
    )  # a worker took one
    assert enqueue_stored_webhooks() == 7
    assert batches_made() == [1, 1, 4, 3]
    assert not WebhookDelivery.objects.filter(queued_at__isnull=True).exists()


def test_waiting_echoes_do_not_hold_back_citizens_messages(page, settings):
    from ontong.channels.meta.events import BOOKKEEPING

    settings.ONTONG_WEBHOOK_BATCH = 4
    for n in range(2):
        assert call(body_of(f"m_{n}"))[0] == 200
        assert enqueue_stored_webhooks() == 1
    assert call(body_of("m_held"))[0] == 200
    assert enqueue_stored_webhooks() == 0
    DBTaskResult.objects.update(priority=BOOKKEEPING)  # as the tasks of echoes wait
    assert enqueue_stored_webhooks() == 1


@pytest.mark.django_db(transaction=True)
def test_workers_making_tasks_at_once_never_make_two_for_one_delivery(
    page, concurrently, monkeypatch
):
    monkeypatch.setattr("ontong.channels.meta.events.BATCHES_AHEAD", 10**6)  # only disjointness
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        "file:memorydb"
    ):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(body=body_of(f"m_{n}"), object_type="page") for n in range(600)
    )

    def worker(_):
        while enqueue_stored_webhooks():
            pass

    concurrently(worker, 3)
    queued = [pk for task in DBTaskResult.objects.all() for pk in task.args_kwargs["args"][0]]
    assert len(queued) == 600 and len(set(queued)) == 600
