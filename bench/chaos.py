"""Kill test: messages keep arriving while web and task workers are killed with SIGKILL; at the
end nothing answered 200 is lost or stored twice, every complaint got exactly one
acknowledgement, and no notice reached a citizen twice.

    .venv/bin/python bench/chaos.py [--messages 5000] [--citizens 500] [--rate 40] [--kills 8]
                                    [--database-url postgres://...] [--nodes 2]

Runs `ontong serve` (2 web workers, 2 task workers) on a fresh database (SQLite in a temporary
folder unless --database-url is given) against the local Graph API emulator, which counts what
reaches each citizen. The load generator behaves like Meta: signed POSTs at a steady rate, a
share sent twice, and every POST not answered 200 retried with backoff.

--nodes 2 (PostgreSQL): two `ontong serve` on different ports, each with its own var folder as on
two machines, sharing the database, the cache (ontong.accounts.cache.DatabaseCache), the secret key
and a media store on a local S3 (moto's server). The sender deals the POSTs round-robin (a retry
goes to the next node, as a load balancer would), every tenth message carries a photo the workers
fetch into the bucket, and the kills alternate across nodes and between web and task workers.
"""

import argparse
import json
import os
import random
import secrets
import signal
import sys
import tempfile
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
    start_s3,
)


def event(index: int, citizens: int, photo_url: str = "") -> tuple[str, bytes]:
    mid = f"m_chaos_{index}"
    text = f"{SHORT_TEXTS[index % len(SHORT_TEXTS)]} ({index})"
    body = message_body(mid, f"psid-{index % citizens}", text)
    if photo_url:
        payload = json.loads(body)
        payload["entry"][0]["messaging"][0]["message"]["attachments"] = [
            {"type": "image", "payload": {"url": f"{photo_url}/media/{mid}.png"}}
        ]
        body = json.dumps(payload, ensure_ascii=False).encode()
    return mid, body


HTTP = httpx.Client(limits=httpx.Limits(max_connections=64))


def post_until_200(urls: list[str], body: bytes, tries: int = 8) -> bool:
    """Meta retries a webhook it did not get a 200 for; so does this (each try on the next of
    urls, as a load balancer in front of several nodes)."""
    for attempt in range(tries):
        try:
            response = HTTP.post(
                urls[attempt % len(urls)],
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
    parser.add_argument("--nodes", type=int, default=1, help="ontong serve instances (PostgreSQL)")
    args = parser.parse_args()
    if args.nodes > 1 and not args.database_url.startswith("postgres"):
        parser.error("--nodes 2 needs --database-url postgres://… (SQLite stays on one machine)")
    rng = random.Random(args.seed)
    shared: dict[str, str] = {}
    bucket = None
    if args.nodes > 1:
        bucket = start_s3()
        shared = {
            **bucket.env,
            "ONTONG_SECRET_KEY": secrets.token_urlsafe(50),
            "ONTONG_CACHE_BACKEND": "ontong.accounts.cache.DatabaseCache",
            "ONTONG_CACHE_LOCATION": "ontong_cache",
            "ONTONG_MEDIA_HOSTS": "127.0.0.1",  # the emulator serves the photos
        }
    env = environment(
        args.database_url,
        ONTONG_STUCK_SECONDS="20",
        ONTONG_SENDING_STUCK_SECONDS="30",
        ONTONG_SWEEP_INTERVAL="5",
        **shared,
    )
    os.environ.update(env)

    port = 18000 + os.getpid() % 1000
    ports = [port + n for n in range(args.nodes)]
    emulator = start_emulator(port)
    for citizen in range(args.citizens):  # they all wrote to the page: the 24 h window is open
        emulator.last_user_message[f"psid-{citizen}"] = time.time()

    if args.database_url:
        ontong(env, "flush", "--no-input")
    prepare(env, f"{emulator.base_url}/v25.0")
    # Each node its own var folder (analyser socket, metrics, logs), as on its own machine.
    node_envs = [env] + [
        {**env, "ONTONG_VAR_DIR": tempfile.mkdtemp(prefix="ontong-bench-node-")} for _ in ports[1:]
    ]
    web_workers, task_workers = (2, 2) if args.nodes == 1 else (2, 1)
    servers = [
        serve(e, p, web_workers=web_workers, task_workers=task_workers)
        for e, p in zip(node_envs, ports, strict=True)
    ]
    bases = [f"http://127.0.0.1:{p}/webhooks/meta/" for p in ports]

    answered: dict[str, bool] = {}
    lock = threading.Lock()
    plan = list(range(args.messages))
    resend = rng.sample(plan, int(args.messages * args.duplicates))
    duration = args.messages / args.rate
    kills: list[str] = []

    def chaos():
        for n in range(args.kills):
            time.sleep(duration / (args.kills + 1))
            # One node: web, task, web, … With more: web on A, web on B, task on A, task on B, …
            node = n % len(servers)
            kind = "web" if (n // len(servers)) % 2 == 0 else "task"
            targets = processes_of(servers[node].pid)
            if targets[kind]:
                pid = rng.choice(targets[kind])
                os.kill(pid, signal.SIGKILL)
                kills.append(f"{'AB'[node] if len(servers) > 1 else ''}{kind}:{pid}")

    def send(index: int, order: int):
        photo = emulator.base_url if bucket and index % 10 == 0 else ""
        mid, body = event(index, args.citizens, photo)
        first = order % len(bases)  # round-robin; a retry goes to the next node
        ok = post_until_200(bases[first:] + bases[:first], body)
        with lock:
            answered[mid] = answered.get(mid, False) or ok

    killer = threading.Thread(target=chaos)
    start = time.time()
    killer.start()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for i, index in enumerate(plan + resend):
            time.sleep(max(0, start + i / args.rate - time.time()))
            pool.submit(send, index, i)
    killer.join()
    sent_for = time.time() - start

    import django

    django.setup()
    from django.core.files.storage import default_storage
    from django.db import connection

    from ontong.channels.meta.models import WebhookDelivery
    from ontong.complaints.models import Attachment, Complaint, Message

    deadline = time.time() + 600
    while time.time() < deadline:
        pending = WebhookDelivery.objects.exclude(state="processed").count()
        queued = Message.objects.filter(delivery__in=["queued", "sending", "unknown"]).count()
        fetching = Attachment.objects.filter(file="", fetch_error="").count()
        if not pending and not queued and not fetching:
            break
        connection.close()
        time.sleep(2)
    settled_after = time.time() - start
    for server in servers:
        server.send_signal(signal.SIGTERM)
    for server in servers:
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
        ("nodes (ontong serve)", len(servers)),
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
    photos_missing = 0
    if bucket:
        photos = Attachment.objects.filter(message__external_id__startswith="m_chaos_")
        in_bucket = set(bucket.keys())
        stored_photos = [a.file.name for a in photos if a.file]
        photos_missing = sum(1 for name in stored_photos if name not in in_bucket)
        photos_missing += photos.filter(file="").count()
        rows += [
            ("photos sent / stored in the bucket", f"{photos.count()} / {len(stored_photos)}"),
            ("photos missing (no file, or no object)", photos_missing),
            ("objects in the bucket", len(in_bucket)),
            (
                "  read back through the storage",
                sum(default_storage.exists(n) for n in stored_photos),
            ),
        ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    failed = (
        lost
        or duplicated
        or doubled
        or twice
        or photos_missing
        or any(acks[c] != 1 for c in Complaint.objects.values_list("pk", flat=True))
    )
    print("RESULT:", "FAIL" if failed else "PASS — zero lost, zero duplicated")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
