"""The delivery mechanism itself (ontong.delivery), on notices: one claim per send, the backoff
schedule, and an unknown outcome checked before anything is sent again."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from ontong import delivery
from ontong.complaints.models import Message

pytestmark = pytest.mark.django_db

Q = Message.Delivery


def queued(complaint, n=1) -> list[Message]:
    return [
        Message.objects.create(
            complaint=complaint, direction="out", channel="web", body=f"안내 {i}", delivery=Q.QUEUED
        )
        for i in range(n)
    ]


def test_a_second_claim_of_the_same_item_gets_nothing(new_complaint):
    (message,) = queued(new_complaint())
    first, second = Message.objects.get(pk=message.pk), Message.objects.get(pk=message.pk)
    assert delivery.claim(first) is True
    assert delivery.claim(second) is False
    message.refresh_from_db()
    assert (message.delivery, message.attempts) == (Q.SENDING, 1)
    assert (first.delivery, first.attempts) == (Q.SENDING, 1)  # the winner's copy is current


def test_a_stale_copy_claims_nothing_after_the_item_went_round(new_complaint):
    """Read while queued, then sent, failed and queued again by another worker: the old copy's
    attempt number no longer matches, so it cannot send the retry early."""
    (message,) = queued(new_complaint())
    stale = Message.objects.get(pk=message.pk)
    assert delivery.claim(message)
    delivery.record_temporary_failure(message, "503", delivery.Backoff(dt.timedelta(0), 5))
    assert Message.objects.get(pk=message.pk).delivery == Q.QUEUED
    assert delivery.claim(stale) is False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_item_once(city, new_complaint, concurrently):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (SQLite serialises writers)")
    ids = [m.pk for m in queued(new_complaint(), 40)]
    start = threading.Barrier(6)

    def worker(_index):
        items = list(delivery.due(Message.objects.filter(pk__in=ids)))  # all read while queued
        start.wait()
        return [item.pk for item in items if delivery.claim(item)]

    claimed = [pk for batch in concurrently(worker, 6) for pk in batch]
    assert sorted(claimed) == sorted(ids)  # every item once, none twice
    assert set(Message.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def test_claim_due_skips_what_is_not_due_and_what_is_not_waiting(new_complaint):
    now = timezone.now()
    later, sending, ready = queued(new_complaint(), 3)
    Message.objects.filter(pk=later.pk).update(next_attempt_at=now + dt.timedelta(minutes=1))
    Message.objects.filter(pk=sending.pk).update(delivery=Q.SENDING)
    mine = Message.objects.filter(pk__in=[later.pk, sending.pk, ready.pk])
    assert [m.pk for m in delivery.claim_due(mine, now)] == [ready.pk]
    assert [m.pk for m in delivery.claim_due(mine, now + dt.timedelta(minutes=2))] == [later.pk]


def test_backoff_doubles_from_the_first_delay_and_gives_up_at_the_limit(new_complaint):
    backoff = delivery.Backoff(first=dt.timedelta(seconds=30), max_attempts=4)
    assert [backoff.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    (message,) = queued(new_complaint())
    waits = []
    for _ in range(3):
        assert delivery.claim(message)
        before = timezone.now()
        assert delivery.record_temporary_failure(message, "시간 초과", backoff) == Q.QUEUED
        waits.append(round((message.next_attempt_at - before).total_seconds()))
        assert not delivery.due(Message.objects.filter(pk=message.pk)).exists()
        Message.objects.filter(pk=message.pk).update(next_attempt_at=None)  # time passes
        message.refresh_from_db()
    assert waits == [30, 60, 120]
    assert delivery.claim(message)
    assert delivery.record_temporary_failure(message, "시간 초과", backoff) == Q.FAILED
    message.refresh_from_db()
    assert message.delivery == Q.FAILED and message.last_error == "4회 시도 후 실패: 시간 초과"


def test_not_yet_ready_is_retried_without_counting_toward_giving_up(new_complaint):
    backoff = delivery.Backoff(first=dt.timedelta(minutes=2), max_attempts=1)
    (message,) = queued(new_complaint())
    assert delivery.claim(message)
    state = delivery.record_temporary_failure(
        message, "처리 중", backoff, retry_in=dt.timedelta(minutes=1)
    )
    assert state == Q.QUEUED and message.next_attempt_at > timezone.now()
    assert delivery.claim(message)
    assert delivery.record_temporary_failure(message, "처리 중", backoff) == Q.FAILED


class Platform:
    """Takes a send, and may answer too late to say so; can be asked what it holds."""

    def __init__(self, answers_late: bool):
        self.received: list[int] = []
        self.answers_late = answers_late

    def send(self, item) -> str:
        self.received.append(item.pk)
        if self.answers_late:
            self.answers_late = False
            raise TimeoutError
        return f"ext-{item.pk}"

    def find(self, item) -> dict | None:
        return {"external_id": f"ext-{item.pk}"} if item.pk in self.received else None


def sweep(platform: Platform, queryset, now) -> None:
    """What a worker does each pass: check the unknown, then send what is due."""
    for item in queryset.filter(delivery=Q.UNKNOWN):
        delivery.record_check(item, platform.find(item), not_found="없어서 다시 보냄", now=now)
    for item in delivery.claim_due(queryset, now):
        try:
            external_id = platform.send(item)
        except TimeoutError:
            delivery.record_unknown(item, "시간 초과")
            continue
        delivery.record_success(item, external_id=external_id)


@pytest.mark.parametrize("arrived", [True, False])
def test_an_unknown_outcome_is_checked_then_sent_at_most_once_more(new_complaint, arrived):
    (message,) = queued(new_complaint())
    mine, now = Message.objects.filter(pk=message.pk), timezone.now()
    platform = Platform(answers_late=True)
    sweep(platform, mine, now)
    message.refresh_from_db()
    assert message.delivery == Q.UNKNOWN and platform.received == [message.pk]
    if not arrived:
        platform.received.clear()  # the timed-out send never reached the platform
    for _ in range(3):
        sweep(platform, mine, now)
    message.refresh_from_db()
    assert (message.delivery, message.external_id) == (Q.SENT, f"ext-{message.pk}")
    assert platform.received == [message.pk]  # on the platform exactly once


def test_a_late_check_does_not_move_an_item_someone_else_settled(new_complaint):
    (message,) = queued(new_complaint())
    assert delivery.claim(message)
    delivery.record_unknown(message, "시간 초과")
    other = Message.objects.get(pk=message.pk)
    assert delivery.record_check(other, None, not_found="없음") is True
    # The first checker, a moment late, found it after all: the item is no longer unknown.
    assert delivery.record_check(message, {"external_id": "x"}, not_found="") is False
    message.refresh_from_db()
    assert message.delivery == Q.QUEUED and message.external_id is None


def test_claims_cut_off_by_a_dead_worker_become_unknown(new_complaint):
    now = timezone.now()
    dead, alive = queued(new_complaint(), 2)
    Message.objects.filter(pk=dead.pk).update(
        delivery=Q.SENDING, attempted_at=now - dt.timedelta(minutes=11)
    )
    Message.objects.filter(pk=alive.pk).update(
        delivery=Q.SENDING, attempted_at=now - dt.timedelta(minutes=1)
    )
    mine = Message.objects.filter(pk__in=[dead.pk, alive.pk])
    assert delivery.expire_claims(mine, now, dt.timedelta(minutes=10), "작업자 중단") == 1
    assert dict(mine.values_list("pk", "delivery")) == {dead.pk: Q.UNKNOWN, alive.pk: Q.SENDING}
