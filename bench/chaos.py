"""Kill test: messages keep arriving while web and task workers are killed with SIGKILL; at the
end nothing answered 200 is lost or stored twice, every complaint got exactly one
acknowledgement, and no notice reached a citizen twice.

    .venv/bin/python bench/chaos.py [--messages 5000] [--citizens 500] [--rate 40] [--kills 8]
                                    [--database-url postgres://...]

Runs `ontong serve` (2 web workers, 2 task workers) on a fresh database (SQLite in a temporary
folder unless --database-url is given) against the local Graph API emulator, which counts what
reaches each citizen. The load generator behaves like Meta: signed POSTs at a steady rate, a
share sent twice, and every POST not answered 200 retried with backoff.
"""

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from harness import (
    SHORT_TEXTS,
    environment,
    message_body,
    ontong,
    prepare,
    processes_of,
    serve,
    sign,
    start_emulator,
)


def event(index: int, citizens: int) -> tuple[str, bytes]:
    mid = f"m_chaos_{index}"
    text = f"{SHORT_TEXTS[index % len(SHORT_TEXTS)]} ({index})"
    return mid, message_body(mid, f"psid-{index % citizens}", text)


HTTP = httpx.Client(limits=httpx.Limits(max_connections=64))


def post_until_200(url: str, body: bytes, tries: int = 8) -> bool:
    """Meta retries a webhook it did not get a 200 for; so does this."""
    for attempt in range(tries):
        try:
            response = HTTP.post(
                url,
                content=body,
                headers={"X-Hub-Signature-256": sign(body), "Content-Type": "application/json"},
                timeout=5,
            )
            if response.status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(min(0.2 * 2**attempt, 3))
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--citizens", type=int, default=500)
    parser.add_argument("--rate", type=float, default=40, help="messages per second")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--duplicates", type=float, default=0.05)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    env = environment(
        args.database_url,
        ONTONG_STUCK_SECONDS="20",
        ONTONG_SENDING_STUCK_SECONDS="30",
        ONTONG_SWEEP_INTERVAL="5",
    )
    os.environ.update(env)

    port = 18000 + os.getpid() % 1000
    emulator = start_emulator(port)
    for citizen in range(args.citizens):  # they all wrote to the page: the 24 h window is open
        emulator.last_user_message[f"psid-{citizen}"] = time.time()

    if args.database_url:
        ontong(env, "flush", "--no-input")
    prepare(env, f"{emulator.base_url}/v25.0")
    server = serve(env, port, web_workers=2, task_workers=2)
    base = f"http://127.0.0.1:{port}"

    answered: dict[str, bool] = {}
    lock = threading.Lock()
    plan = list(range(args.messages))
    resend = rng.sample(plan, int(args.messages * args.duplicates))
    duration = args.messages / args.rate
    kills: list[str] = []

    def chaos():
        for n in range(args.kills):
            time.sleep(duration / (args.kills + 1))
            targets = processes_of(server.pid)
            kind = "web" if n % 2 == 0 else "task"
            if targets[kind]:
                pid = rng.choice(targets[kind])
                os.kill(pid, signal.SIGKILL)
                kills.append(f"{kind}:{pid}")

    def send(index: int):
        mid, body = event(index, args.citizens)
        ok = post_until_200(f"{base}/webhooks/meta/", body)
        with lock:
            answered[mid] = answered.get(mid, False) or ok

    killer = threading.Thread(target=chaos)
    start = time.time()
    killer.start()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for i, index in enumerate(plan + resend):
            time.sleep(max(0, start + i / args.rate - time.time()))
            pool.submit(send, index)
    killer.join()
    sent_for = time.time() - start

    import django

    django.setup()
    from django.db import connection

    from ontong.channels.meta.models import WebhookDelivery
    from ontong.complaints.models import Complaint, Message

    deadline = time.time() + 600
    while time.time() < deadline:
        pending = WebhookDelivery.objects.exclude(state="processed").count()
        queued = Message.objects.filter(delivery__in=["queued", "sending", "unknown"]).count()
        if not pending and not queued:
            break
        connection.close()
        time.sleep(2)
    settled_after = time.time() - start
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    emulator.stop()

    stored = Counter(
        Message.objects.filter(direction="in", external_id__startswith="m_chaos_").values_list(
            "external_id", flat=True
        )
    )
    ok_mids = [m for m, ok in answered.items() if ok]
    lost = [m for m in ok_mids if stored[m] == 0]
    doubled = [m for m, n in stored.items() if n > 1]
    complaints = Complaint.objects.count()
    acks = Counter(
        Message.objects.filter(purpose="ack", delivery="sent").values_list(
            "complaint_id", flat=True
        )
    )
    sent_texts = Counter(
        (s["to"], json.dumps(s.get("message"), ensure_ascii=False)) for s in emulator.sent
    )
    twice = sum(1 for n in sent_texts.values() if n > 1)
    ack_received = Counter(
        s["to"] for s in emulator.sent if "접수번호" in (s.get("message") or {}).get("text", "")
    )
    # What reached citizens, counted where it arrived (not rows behind a unique constraint): a
    # notice (our Message, named in the send's metadata) delivered more than once, or a citizen
    # acknowledged more than once (their message processed as a new case twice).
    per_notice = Counter(
        str((s.get("message") or {}).get("metadata") or "")
        for s in emulator.sent
        if str((s.get("message") or {}).get("metadata") or "").startswith("ontong:")
    )
    notices_twice = sum(1 for n in per_notice.values() if n > 1)
    acked_twice = sum(1 for n in ack_received.values() if n > 1)
    duplicated = notices_twice + acked_twice
    rows = [
        ("database", connection.vendor),
        (
            "messages (distinct) / POSTs incl. duplicates",
            f"{args.messages} / {args.messages + len(resend)}",
        ),
        ("answered 200", len(ok_mids)),
        ("never answered 200 (after retries)", args.messages - len(ok_mids)),
        ("stored", sum(1 for m in ok_mids if stored[m])),
        ("LOST (answered 200, not stored)", len(lost)),
        ("DUPLICATED (delivered twice at the emulator)", duplicated),
        ("  one notice delivered twice", notices_twice),
        ("  stored twice (rows; a unique constraint forbids it)", len(doubled)),
        ("complaints", complaints),
        (
            "complaints without exactly one acknowledgement",
            sum(1 for c in Complaint.objects.values_list("pk", flat=True) if acks[c] != 1),
        ),
        ("  citizens who received an acknowledgement twice", acked_twice),
        ("messages the emulator received twice", twice),
        ("kills (SIGKILL)", f"{len(kills)}: {', '.join(kills)}"),
        ("load / settled after (s)", f"{sent_for:.0f} / {settled_after:.0f}"),
    ]
    for complaint_id in Complaint.objects.values_list("pk", flat=True):
        if acks[complaint_id] != 1:
            states = list(
                Message.objects.filter(complaint_id=complaint_id, purpose="ack").values_list(
                    "delivery", "last_error"
                )
            )
            rows.append((f"  complaint {complaint_id} acknowledgement", states))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    failed = (
        lost
        or duplicated
        or doubled
        or twice
        or any(acks[c] != 1 for c in Complaint.objects.values_list("pk", flat=True))
    )
    print("RESULT:", "FAIL" if failed else "PASS — zero lost, zero duplicated")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
