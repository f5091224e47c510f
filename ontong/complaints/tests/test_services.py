import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ontong.channels.base import PermanentError, TemporaryError, Transport
from ontong.complaints import notices
from ontong.complaints.models import Complaint, Event, Message, ReceiptSequence
from ontong.complaints.search import search_filter
from ontong.complaints.services import Intake, next_receipt_no, receive_complaint

pytestmark = pytest.mark.django_db


def test_receipt_numbers_are_sequential_per_year(new_complaint):
    first, second = new_complaint(), new_complaint()
    year = timezone.localtime().year
    assert first.receipt_no == f"{year}-000001"
    assert second.receipt_no == f"{year}-000002"
    last_year = new_complaint(received_at=timezone.now() - dt.timedelta(days=400))
    assert last_year.receipt_no.endswith("-000001")


def test_receipt_has_acknowledgement_with_number_and_due_date(new_complaint):
    c = new_complaint()
    ack = c.messages.get(purpose=Message.Purpose.ACK)
    assert c.receipt_no in ack.body and "예상 처리기한" in ack.body
    assert ack.delivery == Message.Delivery.QUEUED
    assert DBTaskResult.objects.filter(args_kwargs__args=[ack.pk]).count() == 1


def test_notice_and_its_task_roll_back_with_the_change(city):
    with pytest.raises(RuntimeError), transaction.atomic():
        receive_complaint(Intake(channel="web", body="롤백될 민원"))
        raise RuntimeError
    assert not Complaint.objects.exists()
    assert not Message.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_rrn_is_never_stored(new_complaint):
    c = new_complaint("제 주민번호 900101-1234567 로 확인해 주세요")
    assert "1234567" not in c.body and "1234567" not in c.title
    assert "1234567" not in c.messages.first().body
    assert "1234567" not in c.search_text
    assert Event.objects.filter(complaint=c, action="rrn_removed").exists()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("가로등이", True),
        ("가로등", True),
        ("고장났어요", True),
        ("가로등 고장", True),
        ("포트홀", False),
        ("수도", False),
    ],
)
def test_korean_aware_search(new_complaint, query, found):
    c = new_complaint("우리 집 앞 가로등이 고장 나서 깜깜해요 😢")
    new_complaint("수도관이 터졌어요")
    results = Complaint.objects.filter(search_filter(query))
    assert (c in results) is found


def test_a_title_made_from_the_body_is_not_analysed_twice(new_complaint, monkeypatch):
    """The default title is the body's beginning: Kiwi gets the body once (issue 21: analysing
    both cost the analyser half its time at intake), and the title's words are still found."""
    from ontong.complaints import analyser

    body = "우리 집 앞 가로등이 고장 나서 밤마다 깜깜해요. " * 4
    sent: list[str] = []
    real = analyser.tokenize

    def recording(texts):
        sent.extend(texts)
        return real(texts)

    monkeypatch.setattr(analyser, "tokenize", recording)
    c = new_complaint(body)
    assert c.title.endswith("…") and body.startswith(c.title[:-1].rstrip())
    assert sent == [body.strip()]
    assert list(Complaint.objects.filter(search_filter("가로등"))) == [c]


def test_a_title_of_its_own_is_analysed_with_the_body(city):
    c = receive_complaint(Intake(channel="web", title="가로등 고장", body="밤에 도로가 깜깜해요"))
    assert list(Complaint.objects.filter(search_filter("가로등"))) == [c]
    assert list(Complaint.objects.filter(search_filter("도로"))) == [c]


def test_a_title_whose_words_the_body_contains_is_still_analysed_on_its_own(city):
    """Kiwi reads the body's "주차장" as one word: the title's "주차" is found only from the
    title (found in review: dropping any contained title lost it)."""
    c = receive_complaint(
        Intake(channel="web", title="불법 주차", body="불법 주차장 운영 신고합니다")
    )
    assert list(Complaint.objects.filter(search_filter("주차"))) == [c]


def test_search_follows_edits_and_deletions_through_the_full_text_index(new_complaint):
    from ontong.complaints.services import reindex

    c = new_complaint("가로등이 고장 나서 깜깜해요")
    assert list(Complaint.objects.filter(search_filter("가로등"))) == [c]
    c.title, c.body = "도로 파손", "도로가 파손되었어요"
    reindex(c)
    c.save()
    assert not Complaint.objects.filter(search_filter("가로등")).exists()
    assert list(Complaint.objects.filter(search_filter("파손"))) == [c]
    c.delete()
    assert not Complaint.objects.filter(search_filter("파손")).exists()


def test_korean_search_can_use_the_database_index(new_complaint):
    from django.db import connection

    new_complaint("가로등이 고장 나서 깜깜해요")
    query = Complaint.objects.filter(search_filter("가로등 고장")).order_by().values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A tiny table: ask whether it could. A plain index scan (e.g. walking the received_at index
            # and filtering) is ruled out too, so only the GIN index's bitmap path is left.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            assert "complaint_search_vector" in str(cursor.fetchall())
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            assert "VIRTUAL TABLE INDEX" in str(cursor.fetchall())


def test_search_finds_a_receipt_number(new_complaint):
    c = new_complaint()
    assert list(Complaint.objects.filter(search_filter(c.receipt_no))) == [c]


def test_very_long_and_emoji_text_is_kept_whole(new_complaint):
    body = ("가로등 고장 🙏 " * 3000).strip()
    c = new_complaint(body)
    assert c.body == body and len(c.title) <= 40


class FlakyTransport(Transport):
    def __init__(self, errors):
        self.errors = list(errors)
        self.sent = 0

    def send(self, message):
        if self.errors:
            raise self.errors.pop(0)
        self.sent += 1
        return f"ext-{message.pk}"


def use_transport(monkeypatch, transport):
    monkeypatch.setattr(notices, "get_transport", lambda channel: transport)


def test_temporary_errors_are_retried_then_delivered(new_complaint, monkeypatch, settings):
    settings.ONTONG_DELIVERY_RETRY_SECONDS = 0
    transport = FlakyTransport([TemporaryError("timeout"), TemporaryError("503")])
    use_transport(monkeypatch, transport)
    ack = new_complaint().messages.get(purpose=Message.Purpose.ACK)
    assert notices.deliver(ack.pk) == Message.Delivery.QUEUED
    assert notices.deliver(ack.pk) == Message.Delivery.QUEUED
    assert notices.deliver(ack.pk) == Message.Delivery.SENT
    ack.refresh_from_db()
    assert (ack.delivery, ack.attempts, ack.external_id, transport.sent) == (
        "sent",
        3,
        f"ext-{ack.pk}",
        1,
    )
    assert notices.deliver(ack.pk) == "skipped"  # never sent twice
    assert transport.sent == 1


def test_retries_are_scheduled_as_delayed_tasks(new_complaint, monkeypatch):
    use_transport(monkeypatch, FlakyTransport([TemporaryError("timeout")]))
    ack = new_complaint().messages.get(purpose=Message.Purpose.ACK)
    notices.deliver(ack.pk)
    ack.refresh_from_db()
    assert ack.next_attempt_at > timezone.now()
    soon = timezone.now() + dt.timedelta(hours=1)
    delayed = DBTaskResult.objects.filter(run_after__gt=timezone.now(), run_after__lt=soon)
    assert delayed.count() == 1


def test_permanent_error_fails_visibly_with_fallback(new_complaint, monkeypatch):
    use_transport(monkeypatch, FlakyTransport([PermanentError("수신 거부")]))
    c = new_complaint()
    ack = c.messages.get(purpose=Message.Purpose.ACK)
    assert notices.deliver(ack.pk) == Message.Delivery.FAILED
    event = c.events.get(action="delivery_failed")
    assert "수신 거부" in event.note and "상태 페이지" in event.note


def test_too_many_temporary_errors_fail(new_complaint, monkeypatch, settings):
    settings.ONTONG_DELIVERY_MAX_ATTEMPTS = 2
    use_transport(monkeypatch, FlakyTransport([TemporaryError("a"), TemporaryError("b")]))
    ack = new_complaint().messages.get(purpose=Message.Purpose.ACK)
    notices.deliver(ack.pk)
    assert notices.deliver(ack.pk) == Message.Delivery.FAILED
    ack.refresh_from_db()
    assert "2회 시도 후 실패" in ack.last_error


def test_failed_notice_can_be_resent(new_complaint, monkeypatch):
    use_transport(monkeypatch, FlakyTransport([PermanentError("x")]))
    ack = new_complaint().messages.get(purpose=Message.Purpose.ACK)
    notices.deliver(ack.pk)
    ack.refresh_from_db()
    notices.resend(ack)
    assert notices.deliver(ack.pk) == Message.Delivery.SENT


def test_web_notice_is_emailed_when_the_citizen_consented(new_complaint, run_tasks, mailoutbox):
    c = new_complaint(email="citizen@example.kr", contact_consent=True)
    new_complaint(email="nobody@example.kr", contact_consent=False)
    run_tasks()
    assert [m.to for m in mailoutbox] == [["citizen@example.kr"]]
    assert c.receipt_no in mailoutbox[0].subject
    assert Message.objects.filter(delivery="sent").count() == 2


def test_sweep_requeues_lost_tasks_and_surfaces_cut_off_sends(new_complaint, run_tasks):
    c = new_complaint()
    ack = c.messages.get(purpose=Message.Purpose.ACK)
    DBTaskResult.objects.all().delete()  # the task was lost
    Message.objects.filter(pk=ack.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert notices.sweep_deliveries() == {"requeued": 1, "cut_off": 0}
    run_tasks()
    ack.refresh_from_db()
    assert ack.delivery == "sent"
    Message.objects.filter(pk=ack.pk).update(
        delivery="sending", attempted_at=timezone.now() - dt.timedelta(minutes=30)
    )
    assert notices.sweep_deliveries() == {"requeued": 0, "cut_off": 1}
    ack.refresh_from_db()
    assert ack.delivery == "failed" and "전달 여부" in ack.last_error


def test_a_cut_off_messenger_send_without_an_echo_is_sent_again(new_complaint):
    """Meta echoes every message the page sends: no echo after the wait means it never left."""
    c = new_complaint(channel="messenger")
    sent = Message.objects.create(
        complaint=c,
        direction="out",
        channel="messenger",
        body="접수되었습니다",
        delivery="sending",
        attempted_at=timezone.now() - dt.timedelta(minutes=30),
    )
    private = Message.objects.create(
        complaint=c,
        direction="out",
        channel="messenger",
        body="댓글 잘 보았습니다",
        delivery="sending",
        attempted_at=timezone.now() - dt.timedelta(minutes=30),
        extra={"private_reply_to": "c_1"},
    )
    tasks_before = DBTaskResult.objects.count()
    result = notices.sweep_deliveries()
    sent.refresh_from_db()
    private.refresh_from_db()
    assert sent.delivery == "queued" and "에코" in sent.last_error
    assert private.delivery == "failed"  # private replies: once only, a person decides
    assert result["cut_off"] == 1 and DBTaskResult.objects.count() == tasks_before + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_receipt_numbers_are_unique_under_concurrent_creation(city, concurrently):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (SQLite serialises writers)")

    def create(worker):
        return [
            receive_complaint(Intake(channel="web", body=f"동시 {worker}-{i}")).receipt_no
            for i in range(10)
        ]

    numbers = [number for created in concurrently(create, 8) for number in created]
    assert len(numbers) == 80 and len(set(numbers)) == 80


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_receipt_number_does_not_wait_for_another_open_batch(city, held_open):
    """Two workers' batches (long transactions) take numbers side by side on PostgreSQL: the
    number comes from a sequence, not a counter row the first batch keeps locked to its end."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    year = timezone.localdate().year
    first = receive_complaint(Intake(channel="web", body="올해 첫 민원")).receipt_no
    with held_open(lambda: next_receipt_no(year)) as taken_there:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1s'")  # a wait for the other batch fails
            taken_here = next_receipt_no(year)
    numbers = [first, taken_there, taken_here]
    assert len(set(numbers)) == 3 and sorted(numbers) == numbers


@pytest.mark.postgres
@pytest.mark.django_db
def test_receipt_numbers_go_on_from_those_given_before_the_sequence(city):
    if connection.vendor != "postgresql":
        pytest.skip("the sequence is PostgreSQL's")
    year = timezone.localdate().year
    ReceiptSequence.objects.create(year=year, last=41)  # given by the counter before migration 0018
    numbers = [
        receive_complaint(Intake(channel="web", body=f"민원 {i}")).receipt_no for i in range(3)
    ]
    assert numbers == [f"{year}-000042", f"{year}-000043", f"{year}-000044"]
    assert next_receipt_no(year + 1) == f"{year + 1}-000001"  # each year starts again


def test_nul_characters_from_a_channel_are_dropped(new_complaint):
    c = new_complaint("가로등\x00 고장", title="제목\x00", address="해미\x00면")
    assert "\x00" not in c.body + c.title + c.address + c.messages.first().body


def test_progress_notice_every_30_days_exactly_once(new_complaint):
    old = new_complaint(received_at=timezone.now() - dt.timedelta(days=31))
    new_complaint(received_at=timezone.now() - dt.timedelta(days=5))
    assert notices.send_due_progress_notices() == 1
    assert notices.send_due_progress_notices() == 0  # a second worker finds nothing to send
    notice = old.messages.get(purpose=Message.Purpose.PROGRESS)
    assert old.receipt_no in notice.body and "처리 완료 예정" in notice.body
    later = timezone.now() + dt.timedelta(days=30)
    assert (
        notices.send_due_progress_notices(now=later) == 2
    )  # the 60th day of one, the 35th of the other
    assert old.messages.filter(purpose=Message.Purpose.PROGRESS).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_notices_exactly_once_with_concurrent_workers(city, concurrently):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    for i in range(20):
        receive_complaint(
            Intake(
                channel="web",
                body=f"오래된 민원 {i}",
                received_at=timezone.now() - dt.timedelta(days=40),
            )
        )
    results = concurrently(lambda _: notices.send_due_progress_notices(), 3)
    assert sum(results) == 20
    assert Message.objects.filter(purpose=Message.Purpose.PROGRESS).count() == 20
