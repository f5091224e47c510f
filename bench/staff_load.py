"""Staff load (issue 21): staff with the 접수함/부서함 open, each page polling every 3 s exactly as
the page does, while messages from new citizens arrive through the webhook at a steady rate.

    .venv/bin/python bench/staff_load.py [--staff 200] [--rate 20] [--seconds 30] [--database sqlite|postgres]

One run, two phases on the same server: first the messages alone (the baseline), then the same
rate with every staff member's page open. `ontong serve` with its default sizing on a fresh
database holding the demo city; the staff are made with the demo city's roles (접수담당 in
온통서산팀, officers and managers of the departments that have cases). Their sessions are made
directly in the database (what a login leaves behind): 200 password hashes would measure PBKDF2,
not the pages. The staff run in a separate process (one asyncio loop), the messages and the Graph
API emulator in this one, all on the same machine as the server.
"""

import argparse
import asyncio
import html
import json
import multiprocessing
import random
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
from e2e import latencies_of_all, percentile, seconds
from harness import (
    acknowledged,
    cores_used,
    cpu_by_part,
    cpu_seconds,
    environment,
    free_port,
    korean_messages,
    ontong,
    post_citizen_message,
    postgres_database,
    prepare,
    processes_of,
    serve,
    start_emulator,
)

POLL_EVERY = 3.0  # the page's hx-trigger="every 3s"
POLL_HEADERS = {"HX-Request": "true", "HX-Trigger": "poll"}
TICKET = "Ontong-Poll-Ticket"
SHOWN = re.compile(r'name="shown" value="([^"@]+)@([^"]*)"')
GONE = re.compile(r'<tr id="row-([^"]+)" hx-swap-oob="delete">')
SINCE = re.compile(r'id="since" name="since" value="([^"]+)"')
POLL_URL = re.compile(r'<div id="poll" hx-get="\?([^"]*)"')


def create_staff(count: int, out: str) -> None:
    """Run inside `ontong shell`: the staff with the demo city's roles, and a session each."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count

    from ontong.accounts.middleware import LAST_ACTIVITY, SIGNED_IN_AT
    from ontong.devtools.demo import load_demo
    from ontong.org.models import ROLE_GROUPS, Department, Role, User

    load_demo()
    departments = list(
        Department.objects.annotate(cases=Count("complaints"))
        .filter(cases__gt=0)
        .order_by("-cases", "name")[:10]
    )
    triage_team = Department.objects.get(name="온통서산팀")
    staff = []
    for n in range(count):
        if n % 5 == 0:
            role, department = Role.TRIAGE, triage_team
        else:
            role = Role.MANAGER if n % 5 == 1 else Role.OFFICER
            department = departments[n % len(departments)]
        user = User(username=f"staff{n:03d}", last_name="직", first_name=f"원{n}")
        user.department = department
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        # as the first page after the login form leaves them (ExpireIdleStaffSessions)
        session[LAST_ACTIVITY] = session[SIGNED_IN_AT] = time.time()
        session.create()
        path = "/inbox/" if role == Role.TRIAGE else "/queue/"
        staff.append({"session": session.session_key, "path": path, "role": str(role)})
    cookie = settings.SESSION_COOKIE_NAME
    Path(out).write_text(json.dumps({"cookie": cookie, "staff": staff}))


class Page:
    """What one open 접수함/부서함 page holds: the rows it shows (in order), the token it was
    drawn with, and the URL its poll GETs — updated from each answer as htmx swaps it in."""

    def __init__(self, path: str, body: str):
        self.path = path
        found = POLL_URL.search(body)
        self.query = html.unescape(found.group(1)) if found else ""
        since = SINCE.search(body)
        self.since = since.group(1) if since else ""
        self.rows = dict(SHOWN.findall(body))

    def poll_url(self) -> str:
        params = [("shown", f"{no}@{version}") for no, version in self.rows.items()]
        params += [("since", self.since)] if self.since else []
        return f"{self.path}?{self.query}&{urlencode(params)}"

    def swap(self, body: str) -> None:
        fresh = {no: v for no, v in SHOWN.findall(body) if no not in self.rows}
        self.rows = {**fresh, **self.rows}  # new rows go on top (afterbegin:#rows)
        for no, version in SHOWN.findall(body):
            self.rows[no] = version
        for no in GONE.findall(body):
            self.rows.pop(no, None)
        since = SINCE.search(body)
        self.since = since.group(1) if since else self.since


async def staff_member(
    client, person: dict, cookie: str, ramp: float, until: float, record
) -> None:
    """One person: opens the page at a random moment of the ramp (people come to work one by
    one, not 200 in the same second), then polls every 3 s until the end, as hx-trigger does."""
    await asyncio.sleep(random.uniform(0, ramp))
    cookies = {cookie: person["session"]}
    while True:  # a page that does not open is opened again, as a person would
        start = time.monotonic()
        try:
            response = await client.get(person["path"], cookies=cookies)
        except httpx.HTTPError:
            record("page", start, time.monotonic() - start, 0, 0)
            if time.monotonic() > until:
                return
            continue
        record("page", start, time.monotonic() - start, response.status_code, 0)
        if response.status_code == 200:
            break
    page = Page(person["path"], response.text)
    ticket = None  # as staff.js keeps it (decision 0004)
    tick = time.monotonic()
    while True:
        tick += POLL_EVERY
        if tick > until:
            return
        await asyncio.sleep(max(0, tick - time.monotonic()))
        url = page.poll_url()
        start = time.monotonic()
        try:
            headers = {**POLL_HEADERS, **({TICKET: ticket} if ticket else {})}
            response = await client.get(url, cookies=cookies, headers=headers)
        except httpx.HTTPError:
            record("poll", start, time.monotonic() - start, 0, len(url))
            continue
        record("poll", start, time.monotonic() - start, response.status_code, len(url))
        if response.headers.get("Ontong-Poll") == "fast":
            record("fast", start, 0, response.status_code, 0)  # counted apart, not a request
        if response.headers.get(TICKET):
            ticket = response.headers[TICKET]
        elif response.status_code != 204:
            ticket = None
        if response.status_code == 200:
            page.swap(response.text)


def run_staff(base: str, people: dict, ramp: float, seconds_open: float, out: str) -> None:
    """The staff process: everyone's page opened during the ramp and open until seconds_open;
    every request (what, when it began on the monotonic clock, how long, status) to out."""
    records: list[tuple[str, float, float, int, int]] = []

    def record(kind: str, began: float, took: float, status: int, url_length: int) -> None:
        records.append((kind, began, took, status, url_length))

    async def everyone():
        until = time.monotonic() + seconds_open
        limits = httpx.Limits(max_connections=len(people["staff"]))
        async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as client:
            await asyncio.gather(
                *(
                    staff_member(client, p, people["cookie"], ramp, until, record)
                    for p in people["staff"]
                )
            )

    asyncio.run(everyone())
    Path(out).write_text(json.dumps(records))


def send_messages(port: int, emulator, rate: float, duration: float, prefix: str):
    """Messages from new citizens at a steady rate, as bench/e2e.py sends them: when each POST
    began (by citizen), how long the webhook took to answer, and the ones not answered 200."""
    http = httpx.Client(limits=httpx.Limits(max_connections=64))
    count = int(rate * duration)
    texts = korean_messages(count, seed=hash(prefix) % 1000)
    posted: dict[str, float] = {}
    webhook: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()

    def send(index: int):
        psid, start, ok, took = post_citizen_message(
            http, port, emulator, prefix, index, texts[index]
        )
        with lock:
            webhook.append(took if ok else float("inf"))
            if ok:
                posted[psid] = start
            else:
                failures.append(index)

    began = time.time()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for index in range(count):
            time.sleep(max(0, began + index / rate - time.time()))
            pool.submit(send, index)
    http.close()
    return count, posted, webhook, failures


def intake_phase(port: int, emulator, args, prefix: str) -> dict:
    count, posted, webhook, failures = send_messages(
        port, emulator, args.rate, args.seconds, prefix
    )
    acks = acknowledged(emulator, posted, args.settle)
    e2e = latencies_of_all(count, posted, acks)
    return {
        "sent": count,
        "not 200": len(failures),
        "acknowledged": len(acks),
        "twice": sum(1 for times in acks.values() if len(times) > 1),
        "webhook": webhook,
        "e2e": e2e,
    }


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
        f"p99 {percentile(ms, 0.99):.0f} ms (n={len(ms)})"
    )


def ratio(loaded: list[float], base: list[float], share: float) -> str:
    a, b = percentile(loaded, share), percentile(base, share)
    return "—" if b in (0, float("inf")) or a == float("inf") else f"{a / b:.2f}×"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20, help="messages per second")
    parser.add_argument("--seconds", type=float, default=30, help="load time of each phase")
    parser.add_argument("--ramp", type=float, default=20, help="seconds over which pages open")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--settle", type=float, default=30)
    parser.add_argument("--db-name", default="ontong_staff_load", help="PostgreSQL database")
    args = parser.parse_args()
    url = postgres_database(args.db_name) if args.database == "postgres" else ""
    # production's shared cache (the database): the poll's fast path needs one (decision 0004)
    env = environment(
        url,
        ONTONG_CACHE_BACKEND="ontong.accounts.cache.DatabaseCache",
        ONTONG_CACHE_LOCATION="ontong_cache",
    )
    port = free_port()
    emulator = start_emulator(port)
    prepare(env, f"{emulator.base_url}/v25.0")
    people_file = tempfile.mktemp(prefix="ontong-staff-", suffix=".json")  # noqa: S306
    ontong(
        env,
        "shell",
        "-c",
        f"import sys; sys.path.insert(0, 'bench'); import staff_load; "
        f"staff_load.create_staff({args.staff}, {people_file!r})",
    )
    people = json.loads(Path(people_file).read_text())
    server = serve(env, port)  # its default sizing
    print(f"{time.strftime('%H:%M:%S')} load average before: {load_average()}", flush=True)

    baseline = intake_phase(port, emulator, args, "alone")
    print(f"{time.strftime('%H:%M:%S')} after the baseline: {load_average()}", flush=True)

    timings = tempfile.mktemp(prefix="ontong-staff-timings-", suffix=".json")  # noqa: S306
    open_for = args.ramp + args.seconds + 2 * POLL_EVERY
    staff = multiprocessing.get_context("spawn").Process(
        target=run_staff, args=(f"http://127.0.0.1:{port}", people, args.ramp, open_for, timings)
    )
    web = processes_of(server.pid)["web"]
    cpu_start = sum(cpu_seconds(pid) for pid in web)
    ramp_start = time.monotonic()
    staff.start()
    time.sleep(args.ramp + POLL_EVERY)  # every page opened, the polls under way
    window = time.monotonic()
    cpu_window = sum(cpu_seconds(pid) for pid in web)
    parts_before = cpu_by_part(server.pid, staff.pid)
    loaded = intake_phase(port, emulator, args, "staff")
    parts_after = cpu_by_part(server.pid, staff.pid)
    busy_for = time.monotonic() - window
    window_end = window + args.seconds
    staff.join(timeout=open_for + 120)
    print(f"{time.strftime('%H:%M:%S')} after the staff phase: {load_average()}", flush=True)
    server.terminate()
    server.wait(timeout=60)
    emulator.stop()

    records = json.loads(Path(timings).read_text())
    pages = [took for kind, _, took, status, _ in records if kind == "page" and status == 200]
    answered = [r for r in records if r[0] == "poll" and r[3] in {200, 204}]
    polls = [took for _, began, took, _, _ in answered if window <= began <= window_end]
    quiet = [took for _, began, took, _, _ in answered if began < window]
    statuses: dict[str, int] = {}
    for kind, _began, _took, status, _ in records:
        statuses[f"{kind} {status}"] = statuses.get(f"{kind} {status}", 0) + 1
    longest_url = max((length for *_, length in records), default=0)
    staff_alone = [r for r in records if ramp_start <= r[1] < window and r[0] != "fast"]
    cpu_staff = cpu_window - cpu_start
    rows = [
        (
            "database / staff / rate / phase",
            f"{args.database} / {args.staff} / {args.rate:.0f} per s / {args.seconds:.0f} s",
        ),
        (f"page opened (full, over {args.ramp:.0f} s)", spread(pages)),
        ("poll, staff alone (the ramp)", spread(quiet)),
        ("poll, while the messages arrive", spread(polls)),
        ("answers", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))),
        (
            "web CPU, staff alone (pages + polls)",
            f"{cpu_staff:.1f} s for {len(staff_alone)} requests = "
            f"{1000 * cpu_staff / max(1, len(staff_alone)):.1f} ms each, "
            f"{cpu_staff / (window - ramp_start):.2f} cores",
        ),
        ("longest poll URL", f"{longest_url} characters"),
        (
            "cores used while the messages arrive",
            cores_used(parts_before, parts_after, busy_for),
        ),
    ]
    for name, phase in (("messages alone", baseline), ("with the staff", loaded)):
        rows += [
            (
                f"{name}: sent / not 200 / acknowledged / twice",
                f"{phase['sent']} / {phase['not 200']} / {phase['acknowledged']} / "
                f"{phase['twice']}",
            ),
            (f"{name}: webhook answer", spread(phase["webhook"])),
            (
                f"{name}: POST → acknowledgement",
                "p50 {}, p95 {}, p99 {}".format(
                    *(seconds(percentile(phase["e2e"], s)) for s in (0.5, 0.95, 0.99))
                ),
            ),
        ]
    rows += [
        ("webhook p99 with staff / alone", ratio(loaded["webhook"], baseline["webhook"], 0.99)),
        ("ack p95 with staff / alone", ratio(loaded["e2e"], baseline["e2e"], 0.95)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    met = bool(polls) and percentile(polls, 0.95) < 0.150
    print("RESULT:", "poll p95 < 150 ms met" if met else "poll p95 < 150 ms NOT met")


if __name__ == "__main__":
    main()
