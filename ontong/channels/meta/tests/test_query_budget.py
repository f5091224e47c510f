"""How many SQL statements a new Messenger message costs the worker, end to end: the webhook's
processing task, the acknowledgement's delivery, routing's intake task and the echo Meta sends
back for the acknowledgement (issue 21: ≤ 15 per new message, Zulip-style query budget)."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ontong.complaints.models import Complaint, Message

from .conftest import PAGE, messaging, text_event

pytestmark = pytest.mark.django_db

BUDGET = 15  # SQL statements per new message, everything the workers do for it
CITIZENS = 10


def echo_of(sent: dict) -> dict:
    """What Meta sends back for a message the page sent (the emulator's echo)."""
    return {
        "sender": {"id": PAGE},
        "recipient": {"id": sent["to"]},
        "timestamp": int(time.time() * 1000),
        "message": {
            "mid": sent["message_id"],
            "is_echo": True,
            "app_id": 1,
            "metadata": (sent.get("message") or {}).get("metadata", ""),
            "text": (sent.get("message") or {}).get("text", ""),
        },
    }


def worker_statements(post_webhook, run_tasks, emulator, messages_per_webhook=1):
    """Statements the workers run for CITIZENS new citizens' first messages and the echoes."""
    stamp = time.time_ns()
    events = [
        text_event(psid=f"budget-{i}", mid=f"m_budget_{stamp}_{i}", text=f"가로등 {i}번이 꺼졌어요")
        for i in range(CITIZENS)
    ]
    for first in range(0, CITIZENS, messages_per_webhook):
        for event in events[first : first + messages_per_webhook]:
            emulator.last_user_message[event["sender"]["id"]] = time.time()
        assert (
            post_webhook(messaging(*events[first : first + messages_per_webhook])).status_code
            == 200
        )
    connection.queries_log.clear()  # a full log (9,000 by the fixtures) would capture nothing
    with CaptureQueriesContext(connection) as intake:
        run_tasks()
    intake_sql = list(intake.captured_queries)  # read now: it is a slice of the log
    sent = list(emulator.sent)
    assert len(sent) == CITIZENS  # one acknowledgement each
    for item in sent:
        assert post_webhook(messaging(echo_of(item))).status_code == 200
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as echoes:
        run_tasks()
    echo_sql = list(echoes.captured_queries)
    assert Complaint.objects.count() == CITIZENS
    acks = Message.objects.filter(purpose="ack", direction="out")
    assert acks.count() == CITIZENS
    assert set(acks.values_list("delivery", flat=True)) == {"sent"}
    assert set(acks.values_list("external_id", flat=True)) == {s["message_id"] for s in sent}
    return intake_sql, echo_sql


@pytest.fixture
def account(page, emulator):
    page.graph_url = f"{emulator.base_url}/v25.0"
    page.save()
    return page


TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


def report(intake, echoes):
    """Statements per new message, transaction control (savepoints) left out: the test runs in
    a transaction, so the worker's BEGIN/COMMIT show as savepoints here (counted separately)."""
    every = intake + echoes
    work = [q for q in every if not q["sql"].startswith(TRANSACTION_CONTROL)]
    per_message = len(work) / CITIZENS
    print(
        f"\nSQL per new message: {per_message:.1f} without transaction control, "
        f"{len(every) / CITIZENS:.1f} with it (intake {len(intake)}, echoes {len(echoes)})"
    )
    return per_message


def test_a_new_messenger_message_costs_the_workers_at_most_the_budget(
    post_webhook, run_tasks, emulator, account, settings
):
    # One full batch of the smaller default (SQLite's ONTONG_WEBHOOK_BATCH, 10): each batch has
    # a fixed cost (three tasks, the account and calendar reads), about 3 statements a message
    # here; at 5 a batch it was 17.3 a message (docs/benchmarks.md).
    settings.ONTONG_WEBHOOK_BATCH = CITIZENS
    intake, echoes = worker_statements(post_webhook, run_tasks, emulator)
    assert report(intake, echoes) <= BUDGET


@pytest.mark.django_db(transaction=True)
def test_the_budget_holds_with_the_production_cache_and_the_inbox_versions(
    post_webhook, run_tasks, emulator, account, settings
):
    """With the database cache of production and the poll's fast path on, the workers also move
    the inbox's change versions (decision 0004) after each transaction commits: those cache
    statements count too. Transactional, so that the commits (and their writes) really happen."""
    from django.core.cache import cache
    from django.core.management import call_command

    settings.CACHES = {
        "default": {
            "BACKEND": "ontong.accounts.cache.DatabaseCache",
            "LOCATION": "ontong_cache",
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
    settings.ONTONG_FAST_POLL = True
    settings.ONTONG_WEBHOOK_BATCH = CITIZENS
    call_command("createcachetable", verbosity=0)
    try:
        intake, echoes = worker_statements(post_webhook, run_tasks, emulator)
        version_writes = [q for q in intake + echoes if "ontong_cache" in q["sql"]]
        print(f"\ncache statements: {len(version_writes)} for {CITIZENS} new messages")
        assert version_writes  # the budget sees the cache's SQL
        assert report(intake, echoes) <= BUDGET
    finally:
        cache.clear()
