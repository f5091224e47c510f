"""Where the worker's CPU goes for one new Messenger message, in process (issue 21): N new citizens'
stored webhooks → the processing tasks → acknowledgements delivered to the Graph API emulator →
the echoes Meta sends back, processed too — the path of
ontong/channels/meta/tests/test_query_budget.py, at a realistic size. Prints the worker thread's
CPU per message (without the profiler), then cProfile's top functions (by the thread's CPU
clock, not wall time) for a second, profiled batch of new citizens.

    PYTHONPATH=<checkout> .venv/bin/python bench/worker_profile.py [--messages 500]
        [--database sqlite|postgres] [--top 30] [--sort cumulative|tottime]

A fresh database (SQLite in a temporary folder, or the PostgreSQL database ontong_e2eprof —
dropped and created, --database-name to change it); webhooks are stored through the webhook view
(not measured). Only the worker's thread is timed (time.thread_time), so the emulator's threads
are left out. The Korean analyser runs in this process (under `ontong serve` it is a process of
its own that the workers ask over a socket).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import time

from harness import (
    PAGE,
    SECRET,
    TOKEN,
    environment,
    free_port,
    korean_messages,
    message_body,
    postgres_database,
    sign,
)


def setup(database: str, name: str) -> None:
    url = postgres_database(name) if database == "postgres" else ""
    env = environment(url, ONTONG_ALLOWED_HOSTS="testserver")
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def store_webhooks(client, texts: list[str], tag: str, emulator) -> None:
    """Each citizen's first message, posted signed to the webhook view as Meta does."""
    for i, text in enumerate(texts):
        psid = f"prof-{tag}-{i}"
        emulator.last_user_message[psid] = time.time()
        body = message_body(f"m_prof_{tag}_{i}", psid, text)
        answer = client.post(
            "/webhooks/meta/",
            data=body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": sign(body)},
        )
        assert answer.status_code == 200, answer.status_code


def store_echoes(client, sent: list[dict]) -> None:
    """What Meta sends back for each message the page sent (test_query_budget.echo_of)."""
    for item in sent:
        message = item.get("message") or {}
        event = {
            "sender": {"id": PAGE},
            "recipient": {"id": item["to"]},
            "timestamp": int(time.time() * 1000),
            "message": {
                "mid": item["message_id"],
                "is_echo": True,
                "app_id": 1,
                "metadata": message.get("metadata", ""),
                "text": message.get("text", ""),
            },
        }
        payload = {"object": "page", "entry": [{"id": PAGE, "time": 0, "messaging": [event]}]}
        body = json.dumps(payload, ensure_ascii=False).encode()
        answer = client.post(
            "/webhooks/meta/",
            data=body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": sign(body)},
        )
        assert answer.status_code == 200, answer.status_code


def run_worker() -> None:
    """Everything ready, as `ontong worker` does: the webhook loop hands stored deliveries to
    processing tasks, and the task worker runs them (and what they enqueue) until none is left."""
    from django_tasks_db.management.commands.db_worker import Worker

    from ontong.channels.meta.events import enqueue_stored_webhooks

    while True:
        while enqueue_stored_webhooks():
            pass
        Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="profile-worker",
            excluded_queue_names=[],
        ).run()
        from ontong.channels.meta.models import WebhookDelivery

        if not WebhookDelivery.objects.filter(queued_at__isnull=True).exists():
            return


def one_round(client, emulator, texts: list[str], tag: str, profiler=None) -> float:
    """Worker-thread CPU seconds for these new citizens' messages and the echoes."""
    emulator.sent.clear()
    store_webhooks(client, texts, tag, emulator)
    cpu = 0.0
    for stage in ("intake", "echoes"):
        if stage == "echoes":
            assert len(emulator.sent) == len(texts), (len(emulator.sent), len(texts))
            store_echoes(client, list(emulator.sent))
        started = time.thread_time()
        if profiler:
            profiler.enable()
        run_worker()
        if profiler:
            profiler.disable()
        cpu += time.thread_time() - started
    return cpu


# Where the time goes, by the cumulative time of one function each (they overlap: SQL compiling
# and executing are inside the conversation engine's time, for instance).
PARTS = [
    (
        "webhook processing (process_deliveries)",
        "ontong/channels/meta/events.py",
        "process_deliveries",
    ),
    ("  conversation engine (receive)", "ontong/channels/conversation/engine.py", "receive"),
    ("  receive_complaint", "ontong/complaints/services.py", "receive_complaint"),
    ("  search index terms (Kiwi.analyze)", "~", "<function Kiwi.analyze"),
    ("acknowledgement delivery (deliver_many)", "ontong/complaints/notices.py", "deliver_many"),
    ("  Graph API call (GraphClient.request)", "ontong/channels/meta/graph.py", "request"),
    ("routing after intake (after_intake_many)", "ontong/routing/tasks.py", "after_intake_many"),
    ("notice wording (wording.render)", "ontong/complaints/wording.py", "render"),
    ("SQL compiling: SELECT", "django/db/models/sql/compiler.py", "as_sql#SQLCompiler"),
    ("SQL compiling: INSERT", "django/db/models/sql/compiler.py", "as_sql#SQLInsertCompiler"),
    ("SQL compiling: UPDATE", "django/db/models/sql/compiler.py", "as_sql#SQLUpdateCompiler"),
    ("SQL executing (CursorWrapper.execute)", "django/db/backends/utils.py", "execute"),
    ("model instances (Model.__init__)", "django/db/models/base.py", "__init__"),
    ("task queue (db_worker run minus tasks)", "", ""),
]


def first_line(compiler: str) -> int:
    from django.db.models.sql import compiler as compilers

    return getattr(compilers, compiler).as_sql.__code__.co_firstlineno


def breakdown(stats, messages: int) -> str:
    """ms per message (under the profiler) of each part, and its share of the whole."""
    found: dict[str, float] = {}
    total = run = tasks = 0.0
    for (path, line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        key = name if path != "~" else name.split(" at ")[0]
        if name == "run_worker" and path.endswith("worker_profile.py"):
            total = cumulative
        if path.endswith("db_worker.py") and name == "run":
            run = cumulative
        if path.endswith("db_worker.py") and name == "run_task":
            tasks = cumulative
        for label, where, what in PARTS:
            wanted, _, compiler = what.partition("#")
            if where and where in path and key == wanted:
                if compiler and line != first_line(compiler):  # compiler.py has several as_sql
                    continue
                found[label] = max(found.get(label, 0.0), cumulative)
    lines = []
    for label, _where, _what in PARTS:
        value = run - tasks if label.startswith("task queue") else found.get(label, 0.0)
        lines.append(
            f"  {label:<50} {1000 * value / messages:7.2f} ms  {100 * value / (total or 1):5.1f}%"
        )
    return "\n".join(lines)


def check(count: int) -> None:
    from ontong.complaints.models import Complaint, Message

    acks = Message.objects.filter(purpose="ack", direction="out")
    assert Complaint.objects.count() == count, Complaint.objects.count()
    assert acks.count() == count and set(acks.values_list("delivery", flat=True)) == {"sent"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-name", default="ontong_e2eprof")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument(
        "--profiled", type=int, default=None, help="citizens in the profiled round (0: none)"
    )
    parser.add_argument("--callees", default="", help="also what functions matching this call")
    parser.add_argument("--warmup", type=int, default=20, help="new citizens before timing")
    args = parser.parse_args()
    setup(args.database, args.database_name)

    from django.test import Client

    import ontong
    from ontong.channels.meta.models import MetaAccount
    from ontong.devtools.meta_emulator import Emulator

    print(f"ontong from {os.path.dirname(ontong.__file__)}, {args.database}", flush=True)
    emulator = Emulator(
        page_id=PAGE, app_secret=SECRET, token=TOKEN, webhook_url=f"http://127.0.0.1:{free_port()}/"
    ).start()
    MetaAccount.objects.create(
        kind="page",
        external_id=PAGE,
        name="bench",
        app_secret=SECRET,
        page_token=TOKEN,
        graph_url=f"{emulator.base_url}/v25.0",
    )
    client = Client()
    profiled_count = args.messages if args.profiled is None else args.profiled
    texts = korean_messages(args.warmup + args.messages + profiled_count, seed=7)
    # Warm up: imports, the analyser's model, templates' first compile — once per worker process.
    one_round(client, emulator, texts[: args.warmup], "warm")
    timed = texts[args.warmup : args.warmup + args.messages]
    cpu = one_round(client, emulator, timed, "timed")
    print(
        f"worker CPU {1000 * cpu / len(timed):.2f} ms/message ({len(timed)} new citizens, no profiler)"
    )
    if not profiled_count:
        check(args.warmup + args.messages)
        return
    # The worker thread's CPU clock: waiting for PostgreSQL or the emulator is not CPU.
    profiler = cProfile.Profile(time.thread_time)
    profiled = texts[args.warmup + args.messages :]
    cpu = one_round(client, emulator, profiled, "profiled", profiler)
    print(f"worker CPU {1000 * cpu / len(profiled):.2f} ms/message under cProfile")
    check(len(texts))
    print("Breakdown under cProfile (worker CPU, per message, share of all):")
    print(breakdown(pstats.Stats(profiler), len(profiled)))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(args.sort).print_stats(args.top)
    print("Ontong's own functions:", file=out)
    stats.print_stats(r"/ontong/(?!.*site-packages)", args.top)
    if args.callees:
        stats.print_callees(args.callees)
    print(out.getvalue())
    emulator.stop()


if __name__ == "__main__":
    main()
