"""What one 접수함/부서함 poll costs the server when nothing is new, in process (no network, no
other load of ours): wall time and SQL statements of the poll's 204, for 접수담당 (미배정) and a
도로과 officer (우리 부서), with N open cases. Run it on two checkouts to compare them:

    PYTHONPATH=<checkout> .venv/bin/python bench/poll_cost.py [--cases 2000] [--polls 200]

With ONTONG_CACHE_BACKEND=ontong.accounts.cache.DatabaseCache (production's shared cache) the
poll's fast path is on (decision 0004) and is timed too, through ontong.wsgi.application.

A fresh SQLite database in a temporary folder with the demo city; the cases are received through
complaints.services.receive_complaint, a third assigned to 도로과, and a citizen's follow-up on
some (so unread marks exist).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument(
        "--fresh",
        type=int,
        default=60,
        help="new cases in the busy poll (20 per second arrive in one 3 s poll interval)",
    )
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)
    os.environ["ONTONG_VAR_DIR"] = tempfile.mkdtemp(prefix="ontong-poll-cost-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
    os.environ["ONTONG_LOG_LEVEL"] = "WARNING"
    os.environ["ONTONG_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import Client

    import ontong
    from ontong.complaints.models import Message
    from ontong.complaints.services import Intake, receive_complaint
    from ontong.complaints.workflow import perform
    from ontong.devtools.demo import load_demo
    from ontong.org.models import Department, User

    print(f"ontong from {Path(ontong.__file__).parent}", flush=True)
    call_command("migrate", verbosity=0)
    load_demo()
    triage, road = User.objects.get(username="triage"), User.objects.get(username="road")
    department = Department.objects.get(name="도로과")
    started = time.monotonic()
    for n in range(args.cases):
        case = receive_complaint(
            Intake(body=f"{n}번 가로등이 꺼졌어요. 읍내동 사거리", channel="web")
        )
        if n % 3 == 0:
            perform(case, "assign", triage, department=department)
        if n % 7 == 0:
            Message.objects.create(complaint=case, direction="in", channel="web", body="언제요?")
    print(f"{args.cases} cases in {time.monotonic() - started:.0f} s", flush=True)

    # One connection for the whole run, as a web worker keeps it (conn_max_age); closing it
    # after each request would also lose the statements counted below.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    headers = {"HX-Request": "true", "HX-Trigger": "poll"}
    for user, path, view in ((triage, "/inbox/", "unassigned"), (road, "/queue/", "department")):
        client = Client()
        client.force_login(user)
        page = client.get(path, {"view": view})
        body = page.content.decode()
        shown = [v for v in _values(body, 'name="shown" value="')]
        since = _values(body, 'id="since" name="since" value="')
        query = {"view": view, "shown": shown, "since": since[:1]}
        first = client.get(path, query, headers=headers)
        assert first.status_code == 204
        ticket = first.headers.get("Ontong-Poll-Ticket")  # decision 0004, with a shared cache

        def poll(client=client, path=path, query=query):
            return client.get(path, query, headers=headers)

        statements, _answer = statements_of(poll)
        print(
            f"{user.username:<7} {path:<8} nothing new: {timed(poll, args.polls)}, "
            f"{len(statements)} SQL statements "
            f"({sum(sql.startswith(('UPDATE', 'INSERT', 'DELETE')) for sql in statements)} writes)"
        )
        if ticket:
            fast_path(client, path, query, headers, ticket, args.polls, user.username)
    busy_poll(triage, args.fresh, args.polls, headers)


def busy_poll(triage, fresh: int, polls: int, headers: dict) -> None:
    """접수담당's poll when `fresh` new cases came since the page was drawn: the answer (200)
    holds their rows and the tab counts. Every 접수담당 polls the same new rows, so the
    repeated poll is what the whole team asks of the server."""
    from django.test import Client

    from ontong.complaints.services import Intake, receive_complaint

    client = Client()
    client.force_login(triage)
    page = client.get("/inbox/", {"view": "unassigned"}).content.decode()
    query = {
        "view": "unassigned",
        "shown": _values(page, 'name="shown" value="'),
        "since": _values(page, 'id="since" name="since" value="')[:1],
    }
    for n in range(fresh):
        receive_complaint(Intake(body=f"새 민원 {n}: 도로가 파였어요. 동문동", channel="web"))

    def poll():
        return client.get("/inbox/", query, headers=headers)

    statements, first = statements_of(poll)
    assert first.status_code == 200, first.status_code
    again, _answer = statements_of(poll)  # a colleague's poll: the rows are drawn already
    print(
        f"triage  /inbox/  {fresh} new rows: {timed(poll, polls)}, "
        f"{len(statements)} SQL statements (a colleague's: {len(again)}), "
        f"{len(first.content) // 1024} KiB"
    )


def fast_path(client, path, query, headers, ticket, polls, username):
    """The same poll with Django's ticket through the WSGI application (its fast path)."""
    from django.conf import settings
    from django.test import RequestFactory

    from ontong.wsgi import application

    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    environ = RequestFactory().get(path, query, headers=headers).environ
    environ["HTTP_ONTONG_POLL_TICKET"] = ticket
    environ["HTTP_COOKIE"] = f"{settings.SESSION_COOKIE_NAME}={cookie}"
    statuses: list[str] = []

    def start_response(status, _headers):
        statuses.append(status)

    def poll():
        return application(dict(environ), start_response)

    statements, _answer = statements_of(poll)
    spread = timed(poll, polls, digits=2)
    fast = sum(s.startswith("204") for s in statuses)
    print(
        f"{username:<7} {path:<8} fast path:   {spread}, {len(statements)} SQL statements "
        f"(the cache read), {fast}/{len(statuses)} answered 204 there"
    )


def statements_of(request):
    """The SQL one request runs, and its answer."""
    from django.db import connection

    statements: list[str] = []
    with connection.execute_wrapper(
        lambda run, sql, *rest: statements.append(sql) or run(sql, *rest)
    ):
        answer = request()
    return statements, answer


def timed(request, times: int, digits: int = 1) -> str:
    took = []
    for _ in range(times):
        start = time.perf_counter()
        request()
        took.append(1000 * (time.perf_counter() - start))
    took.sort()
    return (
        f"p50 {took[len(took) // 2]:.{digits}f} ms, p95 {took[int(len(took) * 0.95)]:.{digits}f} ms"
    )


def _values(body: str, marker: str) -> list[str]:
    found = []
    at = body.find(marker)
    while at >= 0:
        start = at + len(marker)
        found.append(body[start : body.index('"', start)])
        at = body.find(marker, start)
    return found


if __name__ == "__main__":
    sys.exit(main())
