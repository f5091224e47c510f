"""Stored webhooks processed in batches (issue 21): one transaction per batch, each event in its
own savepoint; the batch's notices and routing work in one task each; echoes confirmed cheaply.
The guarantees of one-at-a-time processing hold: stored once, nothing lost, nothing sent twice."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ontong.channels.base import PermanentError, Transport
from ontong.channels.meta import conversation, events
from ontong.channels.meta.models import WebhookDelivery
from ontong.complaints import notices
from ontong.complaints.models import Complaint, Message
from ontong.complaints.tasks import deliver_messages
from ontong.tasks_queue import batch, waiting_ids

from .conftest import messaging, text_event

pytestmark = pytest.mark.django_db


def stored(post_webhook, *events_):
    for event in events_:
        assert post_webhook(messaging(event)).status_code == 200
    return list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))


class Killed(BaseException):
    pass


def test_a_worker_dying_mid_batch_leaves_every_delivery_of_it_pending(
    post_webhook, page, monkeypatch
):
    ids = stored(post_webhook, text_event(psid="a", mid="m_a"), text_event(psid="b", mid="m_b"))
    real = events.handle_item

    def dies_on_b(kind, obj, entry_id, event):
        if event["sender"]["id"] == "b":
            raise Killed  # what no handler catches, as a SIGKILL
        return real(kind, obj, entry_id, event)

    monkeypatch.setattr(events, "handle_item", dies_on_b)
    with pytest.raises(Killed):
        events.process_deliveries(ids)
    # The first delivery's complaint went with the transaction: the sweep hands both back.
    assert not Complaint.objects.exists() and not Message.objects.exists()
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"pending"}


def test_a_failing_event_fails_its_own_delivery_only(post_webhook, page, monkeypatch):
    ids = stored(post_webhook, text_event(psid="a", mid="m_a"), text_event(psid="b", mid="m_b"))
    real = events.handle_item

    def fails_on_a(kind, obj, entry_id, event):
        if event["sender"]["id"] == "a":
            raise ValueError("bad event")
        return real(kind, obj, entry_id, event)

    monkeypatch.setattr(events, "handle_item", fails_on_a)
    outcome = events.process_deliveries(ids)
    assert outcome == {ids[0]: "failed", ids[1]: "processed"}
    assert list(Complaint.objects.values_list("identity__external_user_id", flat=True)) == ["b"]
    first = WebhookDelivery.objects.get(pk=ids[0])
    assert first.attempts == 1 and "ValueError: bad event" in first.error
    assert WebhookDelivery.objects.get(pk=ids[1]).attempts == 1
    assert events.process_deliveries(ids) == {
        ids[0]: "already failed",
        ids[1]: "already processed",
    }


def test_the_same_message_twice_in_one_batch_is_stored_once(post_webhook, page):
    event = text_event(psid="twice", mid="m_twice")
    ids = stored(post_webhook, event, event)
    assert events.process_deliveries(ids) == {ids[0]: "processed", ids[1]: "processed"}
    assert Message.objects.filter(external_id="m_twice").count() == 1
    assert Complaint.objects.count() == 1
    assert Message.objects.filter(purpose="ack").count() == 1


def test_a_batchs_notices_go_in_one_task_the_sweep_knows_about(post_webhook, page):
    ids = stored(post_webhook, *(text_event(psid=f"p{n}", mid=f"m_{n}") for n in range(3)))
    events.process_deliveries(ids)
    acks = sorted(Message.objects.filter(purpose="ack").values_list("pk", flat=True))
    assert len(acks) == 3
    tasks = DBTaskResult.objects.filter(task_path=deliver_messages.module_path)
    assert [sorted(t.args_kwargs["args"][0]) for t in tasks] == [acks]
    # Long after, with the task still waiting, the sweep sends no second copy.
    assert waiting_ids(deliver_messages.module_path, dt.timedelta(hours=1)) >= set(acks)
    Message.objects.filter(pk__in=acks).update(created_at=timezone.now() - dt.timedelta(hours=1))
    assert notices.sweep_deliveries()["requeued"] == 0


def test_a_delivery_task_skips_a_notice_rolled_back_since(page, city):
    assert notices.deliver_many([987654]) == {987654: "skipped"}


def test_echoes_confirm_a_send_whose_answer_was_never_written(post_webhook, page, run_tasks):
    ids = stored(post_webhook, text_event(psid="a", mid="m_a"), text_event(psid="b", mid="m_b"))
    events.process_deliveries(ids)
    cut_off, answered = Message.objects.filter(purpose="ack").order_by("pk")
    # The worker sent the first and died before writing it; the second is written as sent.
    Message.objects.filter(pk=cut_off.pk).update(delivery="sending")
    Message.objects.filter(pk=answered.pk).update(delivery="sent", external_id="m_page_kept")
    now = timezone.now()
    with batch():
        for message, mid in ((cut_off, "m_page_1"), (answered, "m_page_2")):
            conversation.record_echo(
                page, "messenger", "x", {"mid": mid, "metadata": f"ontong:{message.pk}"}, now
            )
    cut_off.refresh_from_db()
    answered.refresh_from_db()
    assert (cut_off.delivery, cut_off.external_id) == ("sent", "m_page_1")
    assert (answered.delivery, answered.external_id) == ("sent", "m_page_kept")


def test_an_echo_outside_a_batch_is_confirmed_at_once(post_webhook, page):
    ids = stored(post_webhook, text_event(psid="a", mid="m_a"))
    events.process_deliveries(ids)
    ack = Message.objects.get(purpose="ack")
    Message.objects.filter(pk=ack.pk).update(delivery="unknown")
    conversation.record_echo(
        page, "messenger", "a", {"mid": "m_page_9", "metadata": f"ontong:{ack.pk}"}, timezone.now()
    )
    ack.refresh_from_db()
    assert (ack.delivery, ack.external_id) == ("sent", "m_page_9")


def test_the_city_calendar_is_read_once_per_batch_and_fresh_outside(city):
    from ontong.complaints import services
    from ontong.complaints.models import CityHoliday

    day = dt.date(2031, 5, 2)
    with batch():
        before = services.city_holidays()
        CityHoliday.objects.create(date=day, name="시 기념일")
        assert services.city_holidays() == before  # read once in the batch
    assert day in services.city_holidays()  # outside a batch: what staff just changed


class Platform(Transport):
    """A transport that takes every notice; `during` runs before the given send."""

    def __init__(self, during=None, fails=()):
        self.sent: list[int] = []
        self.during, self.fails = during or {}, set(fails)

    def send(self, message):
        if message.pk in self.during:
            self.during[message.pk]()
        if message.pk in self.fails:
            raise PermanentError("거부됨")
        self.sent.append(message.pk)
        return f"m_out_{message.pk}"


def batch_of_acks(post_webhook, count):
    ids = stored(post_webhook, *(text_event(psid=f"p{n}", mid=f"m_{n}") for n in range(count)))
    events.process_deliveries(ids)
    return list(Message.objects.filter(purpose="ack").order_by("pk"))


def test_a_batchs_claims_and_its_sends_are_each_one_statement(post_webhook, page, monkeypatch):
    """On SQLite every write waits for the write lock (the webhook batches hold it): a batch of
    notices takes it twice (and once per failure), not twice per notice."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    acks = batch_of_acks(post_webhook, 4)
    platform = Platform(fails={acks[2].pk})
    monkeypatch.setattr(notices, "get_transport", lambda channel: platform)
    with CaptureQueriesContext(connection) as queries:
        outcome = notices.deliver_many([m.pk for m in acks])
    assert outcome == {
        acks[0].pk: "sent",
        acks[1].pk: "sent",
        acks[2].pk: "failed",
        acks[3].pk: "sent",
    }
    assert platform.sent == [acks[0].pk, acks[1].pk, acks[3].pk]
    written = {
        m.pk: (m.delivery, m.external_id, m.route, m.attempts)
        for m in Message.objects.filter(purpose="ack")
    }
    assert written[acks[1].pk] == ("sent", f"m_out_{acks[1].pk}", "messenger", 1)
    assert written[acks[2].pk][0] == "failed"
    writes = [q["sql"] for q in queries if "UPDATE" in q["sql"].split(" ", 3)[:3]]
    claims, *failure, sends = writes
    assert "RETURNING" in claims  # all four claimed by one statement
    assert sends.startswith("3 times: UPDATE")  # the three taken, one statement run for each
    assert len(failure) == 1


def test_a_notice_claimed_by_another_worker_meanwhile_is_not_sent_here(
    post_webhook, page, monkeypatch
):
    acks = batch_of_acks(post_webhook, 3)
    platform = Platform()
    monkeypatch.setattr(notices, "get_transport", lambda channel: platform)
    from ontong import delivery

    real = delivery.claim_rows

    def another_worker_first(model, pks, attempts, now):
        Message.objects.filter(pk=acks[1].pk).update(delivery="sending", attempts=1)
        return real(model, pks, attempts, now)

    monkeypatch.setattr(delivery, "claim_rows", another_worker_first)
    outcome = notices.deliver_many([m.pk for m in acks])
    assert outcome[acks[1].pk] == "skipped" and platform.sent == [acks[0].pk, acks[2].pk]


def test_a_read_receipt_that_comes_before_the_batch_is_written_stays(
    post_webhook, page, monkeypatch
):
    acks = batch_of_acks(post_webhook, 2)

    def citizen_reads_the_first():
        notices.confirm(Message.objects.filter(pk=acks[0].pk), Message.Delivery.READ)

    platform = Platform(during={acks[1].pk: citizen_reads_the_first})
    monkeypatch.setattr(notices, "get_transport", lambda channel: platform)
    # 'sending' cannot be read: the echo comes first and says sent, then the receipt says read.
    first = Message.objects.filter(pk=acks[0].pk)
    real = notices.confirm

    def echo_then_read(messages, state, **fields):
        if state == Message.Delivery.READ:
            real(first, Message.Delivery.SENT, external_id="m_echo", route="messenger")
        return real(messages, state, **fields)

    monkeypatch.setattr(notices, "confirm", echo_then_read)
    notices.deliver_many([m.pk for m in acks])
    acks[0].refresh_from_db()
    assert acks[0].delivery == "read" and acks[0].external_id == "m_echo"
    acks[1].refresh_from_db()
    assert acks[1].delivery == "sent"


def test_an_event_stopped_by_a_unique_constraint_is_tried_again_not_dropped(
    post_webhook, page, monkeypatch
):
    """Another run stored part of it meanwhile (their identity, in another worker's batch): the
    second try does the rest. Before, any IntegrityError counted as 'stored already'."""
    from django.db import IntegrityError

    ids = stored(post_webhook, text_event(psid="a", mid="m_a"))
    real, calls = events.handle_item, []

    def refused_once(*item):
        calls.append(item)
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(*item)

    monkeypatch.setattr(events, "handle_item", refused_once)
    assert events.process_deliveries(ids) == {ids[0]: "processed"}
    assert Message.objects.filter(external_id="m_a").count() == 1


def test_an_event_refused_twice_is_a_visible_failure(post_webhook, page, monkeypatch):
    from django.db import IntegrityError

    ids = stored(post_webhook, text_event(psid="a", mid="m_a"))

    def always_refused(*item):
        raise IntegrityError("null value in column")

    monkeypatch.setattr(events, "handle_item", always_refused)
    assert events.process_deliveries(ids) == {ids[0]: "failed"}
    assert "IntegrityError" in WebhookDelivery.objects.get(pk=ids[0]).error


def test_a_batchs_senders_are_looked_up_in_one_query(post_webhook, page):
    """Known and new citizens alike (issue 21: bulk lookups of identities); a citizen's second
    message in the same batch finds the identity their first made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    events.process_deliveries(stored(post_webhook, text_event(psid="known", mid="m_0")))
    WebhookDelivery.objects.all().delete()
    ids = stored(
        post_webhook,
        text_event(psid="known", mid="m_1", text="추가로 말씀드려요"),
        text_event(psid="new-a", mid="m_2"),
        text_event(psid="new-b", mid="m_3"),
        text_event(psid="new-a", mid="m_4", text="사진도 보낼게요"),
    )
    with CaptureQueriesContext(connection) as queries:
        assert set(events.process_deliveries(ids).values()) == {"processed"}
    lookups = [q for q in queries if q["sql"].startswith('SELECT "complaints_channelidentity"')]
    assert len(lookups) == 2  # the batch's senders, then new-a's second message
    assert Complaint.objects.count() == 3
    kept = Message.objects.filter(direction="in").values_list("external_id", flat=True)
    assert sorted(kept) == ["m_0", "m_1", "m_2", "m_3", "m_4"]
    assert (
        Complaint.objects.get(identity__external_user_id="new-a")
        .messages.filter(direction="in")
        .count()
        == 2
    )


def test_a_batchs_new_citizens_are_made_in_two_statements_not_two_each(post_webhook, page):
    """Issue 21's bulk inserts: every new sender of the batch gets its citizen and identity from
    one INSERT each, stamped with the time of that sender's first message."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ontong.complaints.models import ChannelIdentity

    ids = stored(post_webhook, *(text_event(psid=f"new-{i}", mid=f"m_{i}") for i in range(5)))
    with CaptureQueriesContext(connection) as queries:
        assert set(events.process_deliveries(ids).values()) == {"processed"}
    made = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "complaints_citizen"')]
    assert len(made) == 1
    identities = ChannelIdentity.objects.filter(external_user_id__startswith="new-")
    assert identities.count() == 5
    assert all(i.last_inbound_at is not None for i in identities)
    assert Complaint.objects.filter(identity__in=identities).count() == 5


def test_echoes_unsends_and_messages_without_an_id_make_no_citizen(post_webhook, page):
    from ontong.complaints.models import Citizen

    before = Citizen.objects.count()
    unsend = text_event(psid="gone", mid="m_gone")
    unsend["message"]["is_deleted"] = True
    no_id = text_event(psid="noid", mid="m_x")
    del no_id["message"]["mid"]
    events.process_deliveries(stored(post_webhook, unsend, no_id))
    assert Citizen.objects.count() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sender_made_meanwhile_by_another_worker_still_has_every_message_kept(
    post_webhook, page, held_open, caplog
):
    """Another worker's open batch has made one of this batch's new senders: the bulk INSERT
    waits on the unique constraint and is refused, and each message then finds or makes its
    own identity; nothing is lost, nobody is made twice."""
    from django.db import connection

    from ontong.channels.conversation import engine
    from ontong.channels.meta.conversation import MetaAdapter
    from ontong.complaints.models import ChannelIdentity

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    ids = stored(
        post_webhook,
        text_event(psid="both", mid="m_here"),
        text_event(psid="only-here", mid="m_only"),
    )

    def other_batch_makes_both():
        engine.find_identity(MetaAdapter(page, "messenger"), "both", timezone.now())

    with held_open(other_batch_makes_both, commit_after=0.5):
        assert set(events.process_deliveries(ids).values()) == {"processed"}
    assert "batch identity look-up skipped" in caplog.text  # the bulk INSERT was refused
    assert ChannelIdentity.objects.filter(external_user_id="both").count() == 1
    kept = Message.objects.filter(direction="in").values_list("external_id", flat=True)
    assert sorted(kept) == ["m_here", "m_only"]


def test_echoes_and_receipts_wait_behind_what_citizens_sent(post_webhook, page):
    """Issue 21: in a burst the acknowledgements go first; the platform's bookkeeping (echoes of
    our sends, delivery and read receipts) is processed after, and nothing of it is dropped."""
    import json
    import time as clock

    from ontong.channels.meta.views import accepted_webhook

    from .conftest import PAGE

    def awaited(*events_):
        return accepted_webhook(json.dumps(messaging(*events_)).encode()).awaited

    now = int(clock.time() * 1000)
    echo = {"sender": {"id": PAGE}, "recipient": {"id": "a"}, "timestamp": now,
            "message": {"mid": "m_echo", "is_echo": True, "text": "접수했습니다"}}  # fmt: skip
    read = {"sender": {"id": "a"}, "recipient": {"id": PAGE}, "timestamp": now,
            "read": {"watermark": now}}  # fmt: skip
    citizen = text_event(psid="a", mid="m_citizen")
    assert awaited(echo, read) is False
    assert awaited(citizen) is True
    assert awaited(echo, citizen) is True
    assert awaited("not an event") is True

    stored(post_webhook, echo, citizen, read)
    assert list(WebhookDelivery.objects.order_by("pk").values_list("awaited", flat=True)) == [
        False,
        True,
        False,
    ]
    events.enqueue_stored_webhooks()
    tasks = DBTaskResult.objects.filter(task_path__endswith="process_webhooks")
    by_priority = {t.priority: t.args_kwargs["args"][0] for t in tasks}
    first, second, third = WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)
    assert by_priority == {0: [second], events.BOOKKEEPING: [first, third]}
    assert waiting_ids(events.process_webhooks.module_path, dt.timedelta(0)) >= {first, third}


def test_a_batchs_notices_are_sent_to_the_platform_at_once(post_webhook, page, monkeypatch):
    """A Graph answer takes 0.1–0.3 s: one after another, a worker sends a few a second. The four
    requests here only go through when all four are in flight together (a barrier)."""
    import threading

    from ontong.channels.meta.graph import GraphClient

    acks = batch_of_acks(post_webhook, 4)
    together = threading.Barrier(4, timeout=10)

    def send_message(self, sender, recipient, text, **options):
        together.wait()  # broken (an error) if the others are not sent meanwhile
        return f"m_out_{recipient['id']}"

    monkeypatch.setattr(GraphClient, "send_message", send_message)
    outcome = notices.deliver_many([m.pk for m in acks])
    assert set(outcome.values()) == {"sent"}
    assert set(Message.objects.filter(purpose="ack").values_list("delivery", flat=True)) == {"sent"}


def test_one_citizens_notices_still_go_in_order(post_webhook, page, monkeypatch):
    import time as clock

    from ontong.channels.meta.graph import GraphClient

    acks = batch_of_acks(post_webhook, 2)
    follow_up = notices.queue_notice(acks[0].complaint, Message.Purpose.REPLY, "사진도 보내 주세요")
    arrived = []

    def send_message(self, sender, recipient, text, **options):
        if text == acks[0].body:
            clock.sleep(0.3)  # the first is slow: the second must still wait for it
        arrived.append(text)
        return f"m_out_{len(arrived)}"

    monkeypatch.setattr(GraphClient, "send_message", send_message)
    notices.deliver_many([acks[0].pk, follow_up.pk, acks[1].pk])
    assert arrived.index(acks[0].body) < arrived.index("사진도 보내 주세요")


def test_a_revoked_token_met_in_a_parallel_send_stops_the_account(post_webhook, page, monkeypatch):
    from ontong.channels.meta.graph import GraphClient, TokenInvalid

    acks = batch_of_acks(post_webhook, 2)

    def send_message(self, sender, recipient, text, **options):
        raise TokenInvalid("(190) Error validating access token")

    monkeypatch.setattr(GraphClient, "send_message", send_message)
    outcome = notices.deliver_many([m.pk for m in acks])
    page.refresh_from_db()
    assert page.token_invalid_at is not None  # recorded here, where the database is
    assert "sent" not in outcome.values()


def test_a_timestamp_out_of_range_spoils_nothing_else_in_the_batch(post_webhook, page):
    """Read ahead for the batch (expect_senders), outside any one event's guard: 1e30 ms or
    "nan" must not roll the whole batch back (found in review)."""
    ids = stored(
        post_webhook,
        text_event(psid="a", mid="m_a"),
        text_event(psid="b", mid="m_b", ts=1e30),
        text_event(psid="c", mid="m_c", ts="nan"),
    )
    outcome = events.process_deliveries(ids)
    assert outcome[ids[0]] == "processed"
    assert Message.objects.filter(external_id="m_a").exists()
    assert events.as_time(1e30, unit_ms=True) is None
    assert events.as_time("inf", unit_ms=False) is None


def test_a_timestamp_before_messenger_counts_as_none(post_webhook, page):
    """-5 ms was stored as 1969 and closed the 24-hour window: the acknowledgement was held
    (found in the production walk)."""
    assert events.as_time(-5, unit_ms=True) is None
    assert events.as_time(0, unit_ms=True) is None
    events.process_deliveries(stored(post_webhook, text_event(psid="old", mid="m_old", ts=-5)))
    received = Message.objects.get(external_id="m_old")
    assert received.sent_at > timezone.now() - dt.timedelta(minutes=1)  # not 1969


def test_echoes_waiting_a_minute_go_at_normal_priority(post_webhook, page):
    """In a long burst echoes would wait behind every new message, and the notice sweep would
    take an acknowledgement whose echo is only unprocessed for unconfirmed."""
    echo = {"sender": {"id": "PAGE"}, "recipient": {"id": "a"}, "timestamp": 1,
            "message": {"mid": "m_echo", "is_echo": True}}  # fmt: skip
    stored(post_webhook, echo)
    events.enqueue_stored_webhooks()
    task = DBTaskResult.objects.get(task_path__endswith="process_webhooks")
    assert task.priority == events.BOOKKEEPING
    events.sweep_webhooks(now=task.enqueued_at + dt.timedelta(seconds=30))
    task.refresh_from_db()
    assert task.priority == events.BOOKKEEPING
    events.sweep_webhooks(now=task.enqueued_at + events.BOOKKEEPING_WAIT + dt.timedelta(seconds=1))
    task.refresh_from_db()
    assert task.priority == events.process_webhooks.priority
