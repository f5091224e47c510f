"""The inbox poll's "nothing new" before Django (decision 0004): a ticket Django gave with its own
204 lets the next poll be answered without session or SQL — and only while nothing the person's
view depends on has changed, the session is the one it was made for, and it is under a minute old.

Transactional: the change versions move after commit, as they do in production."""

import time
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ontong.complaints.models import Message
from ontong.complaints.workflow import perform
from ontong.org.models import Department
from ontong.web import fastpoll
from ontong.web.fastpoll import HEADER, FastPoll

from .test_poll_budget import POLL, poll

pytestmark = pytest.mark.django_db(transaction=True)
DJANGO = "went on to Django"


@pytest.fixture(autouse=True)
def fast_poll_on(settings):
    settings.ONTONG_FAST_POLL = True
    cache.clear()


def dept(name):
    return Department.objects.get(name=name)


def full_poll(client, sent):
    """Django's answer to the poll, and the ticket it carries (None without one)."""
    answer = client.get("/queue/", sent, headers=POLL)
    return answer.status_code, answer.headers.get(HEADER)


def fast_poll(client, sent, ticket, cookie=None, without=()):
    """The same poll through the WSGI fast path: its status, or DJANGO when it went on."""
    if cookie is None:
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/queue/",
        "QUERY_STRING": urlencode(sent, doseq=True),
        "HTTP_HX_REQUEST": "true",
        "HTTP_HX_TRIGGER": "poll",
        "HTTP_ONTONG_POLL_TICKET": ticket,
        "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={cookie}",
    }
    for name in without:
        del environ[name]
    went_on, statuses = [], []

    def django(environ, start_response):
        went_on.append(True)
        start_response("200 OK", [])
        return [b""]

    FastPoll(django)(environ, lambda status, headers: statuses.append(status))
    return DJANGO if went_on else int(statuses[0].split()[0])


def ticketed(client, who, key="department"):
    """A person with the page open and Django's ticket for its "nothing new"."""
    client.force_login(who)
    sent = poll(client, key)
    status, ticket = full_poll(client, sent)
    assert status == 204 and ticket
    return sent, ticket


def test_another_departments_change_is_answered_fast_without_sql(client, staff, new_complaint):
    road, traffic = dept("도로과"), dept("교통과")
    perform(new_complaint("포트홀"), "assign", staff["triage"], department=road)
    theirs = perform(new_complaint("신호등"), "assign", staff["triage"], department=traffic)
    sent, ticket = ticketed(client, staff["road"])
    perform(theirs, "start", staff["traffic"])
    new_complaint("새 민원, 아직 미배정")
    with CaptureQueriesContext(connection) as queries:
        assert fast_poll(client, sent, ticket) == 204
    assert queries.captured_queries == []
    # and Django agrees: nothing the 도로과 officer sees has changed
    assert full_poll(client, sent)[0] == 204


def test_a_change_in_the_viewers_department_goes_to_django(client, staff, new_complaint):
    road = dept("도로과")
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=road)
    sent, ticket = ticketed(client, staff["road"])
    perform(case, "start", staff["road"])
    assert fast_poll(client, sent, ticket) == DJANGO
    assert full_poll(client, sent)[0] == 200


def test_a_case_moving_in_from_another_department_goes_to_django(client, staff, new_complaint):
    theirs = perform(new_complaint("신호등"), "assign", staff["triage"], department=dept("교통과"))
    sent, ticket = ticketed(client, staff["road"])
    perform(theirs, "reassign", staff["traffic_mgr"], department=dept("도로과"), reason="도로 소관")
    assert fast_poll(client, sent, ticket) == DJANGO


def test_a_case_leaving_the_department_goes_to_django(client, staff, new_complaint):
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    sent, ticket = ticketed(client, staff["road"])
    perform(case, "reassign", staff["road_mgr"], department=dept("교통과"), reason="신호 문제")
    assert fast_poll(client, sent, ticket) == DJANGO


def test_a_citizen_writing_and_a_consultation_go_to_django(client, staff, new_complaint):
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    theirs = perform(new_complaint("신호등"), "assign", staff["triage"], department=dept("교통과"))
    sent, ticket = ticketed(client, staff["road"])
    Message.objects.create(
        complaint_id=case.pk, direction=Message.Direction.IN, channel="web", body="언제요?"
    )
    assert fast_poll(client, sent, ticket) == DJANGO
    sent, ticket = ticketed(client, staff["road"], "all")
    perform(theirs, "consult", staff["traffic"], consult_department=dept("도로과"), text="확인")
    assert fast_poll(client, sent, ticket) == DJANGO
    # now asked about it, the 도로과 officer's view depends on 교통과's changes to that case
    sent, ticket = ticketed(client, staff["road"], "all")
    perform(theirs, "start", staff["traffic"])
    assert fast_poll(client, sent, ticket) == DJANGO


def test_triage_sees_every_new_case(client, staff, new_complaint):
    new_complaint("포트홀")
    sent, ticket = ticketed(client, staff["triage"], "unassigned")
    assert fast_poll(client, sent, ticket) == 204
    new_complaint("가로등이 꺼졌어요")
    assert fast_poll(client, sent, ticket) == DJANGO


def test_opening_a_case_goes_to_django(client, staff, new_complaint):
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    sent, ticket = ticketed(client, staff["road"])
    client.get(f"/complaints/{case.receipt_no}/")
    assert fast_poll(client, sent, ticket) == DJANGO


def test_forged_expired_other_user_and_other_poll_tickets_go_to_django(
    client, staff, new_complaint, monkeypatch
):
    perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    sent, ticket = ticketed(client, staff["road"])
    assert fast_poll(client, sent, ticket) == 204
    *fields, mac = ticket.split("|")
    assert fast_poll(client, sent, "|".join(fields) + "|" + "0" * len(mac)) == DJANGO
    fields[0] = str(staff["road_mgr"].pk)  # another person's id under the same signature
    assert fast_poll(client, sent, "|".join([*fields, mac])) == DJANGO
    assert fast_poll(client, sent, "not a ticket") == DJANGO
    assert fast_poll(client, {**sent, "view": "all"}, ticket) == DJANGO  # another poll
    # another person's session presenting this ticket
    other = client_for(staff["road_mgr"])
    assert fast_poll(client, sent, ticket, cookie=other) == DJANGO
    later = time.time() + fastpoll.TICKET_SECONDS + 1
    monkeypatch.setattr(fastpoll.time, "time", lambda: later)
    assert fast_poll(client, sent, ticket) == DJANGO


def client_for(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other.cookies[settings.SESSION_COOKIE_NAME].value


def test_logout_and_deactivation_stop_the_fast_path(client, staff, new_complaint):
    perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    sent, ticket = ticketed(client, staff["road"])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/logout/")
    assert fast_poll(client, sent, ticket, cookie=cookie) == DJANGO
    client.force_login(staff["road"])
    sent, ticket = ticketed(client, staff["road"])
    staff["road"].is_active = False
    staff["road"].save(update_fields=["is_active"])
    assert fast_poll(client, sent, ticket) == DJANGO


def test_a_session_ended_without_a_signal_stops_within_the_tickets_life(
    client, staff, new_complaint, monkeypatch
):
    """A session removed from the database (expired, cleared) gets no more than the ticket's
    minute, and the fast path gives no new ticket to stretch it."""
    from django.contrib.sessions.models import Session

    perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    sent, ticket = ticketed(client, staff["road"])
    Session.objects.all().delete()
    assert fast_poll(client, sent, ticket) == 204  # within the minute
    later = time.time() + fastpoll.TICKET_SECONDS + 1
    monkeypatch.setattr(fastpoll.time, "time", lambda: later)
    assert fast_poll(client, sent, ticket) == DJANGO
    answer = client.get("/queue/", sent, headers=POLL)
    assert answer.status_code != 204 and HEADER not in answer.headers


def test_the_ticket_ends_with_an_idle_session(client, staff, new_complaint, monkeypatch):
    from ontong.accounts.middleware import LAST_ACTIVITY

    client.force_login(staff["road"])
    sent = poll(client, "department")  # opening the page is activity; the polls are not
    session = client.session
    session[LAST_ACTIVITY] = time.time() - settings.ONTONG_STAFF_IDLE_MINUTES * 60 + 10
    session.save()
    status, ticket = full_poll(client, sent)
    assert status == 204 and session[SESSION_KEY] == str(staff["road"].pk)
    assert int(ticket.split("|")[5]) <= time.time() + 10


def test_no_ticket_when_the_cache_is_not_shared(client, staff, settings):
    settings.ONTONG_FAST_POLL = False
    client.force_login(staff["road"])
    sent = poll(client, "department")
    assert full_poll(client, sent) == (204, None)


def test_a_poll_django_would_draw_as_a_whole_page_goes_to_django(client, staff, new_complaint):
    """Without HX-Request Django answers the full page (200), never "nothing new"."""
    perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    sent, ticket = ticketed(client, staff["road"])
    assert fast_poll(client, sent, ticket, without=["HTTP_HX_REQUEST"]) == DJANGO
    assert client.get("/queue/", sent, headers={"HX-Trigger": "poll"}).status_code == 200


def test_a_role_taken_away_or_a_role_group_renamed_stops_the_fast_path(client, staff):
    road = staff["road"]
    sent, ticket = ticketed(client, road)
    officers = road.groups.get()
    road.groups.remove(officers)
    assert fast_poll(client, sent, ticket) == DJANGO
    assert full_poll(client, sent)[0] != 204
    road.groups.add(officers)
    sent, ticket = ticketed(client, staff["road"])
    officers.name = "부서담당자(폐지)"
    officers.save()  # roles are group names: the members are no longer officers
    assert fast_poll(client, sent, ticket) == DJANGO


def test_a_deleted_role_group_or_account_stops_the_fast_path(client, staff, make_user):
    from ontong.org.models import Role

    temp = make_user("temp", Role.OFFICER, department="도로과")
    sent, ticket = ticketed(client, temp)
    temp.delete()
    assert fast_poll(client, sent, ticket) == DJANGO
    sent, ticket = ticketed(client, staff["road"])
    staff["road"].groups.get().delete()  # memberships go without m2m_changed
    assert fast_poll(client, sent, ticket) == DJANGO


def test_a_cache_outage_answers_through_django_never_500(client, staff, new_complaint, monkeypatch):
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    sent, ticket = ticketed(client, staff["road"])

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    for method in ("get_many", "get", "add", "set_many"):
        monkeypatch.setattr(cache, method, down)
    assert fast_poll(client, sent, ticket) == DJANGO
    assert full_poll(client, sent) == (204, None)  # Django's own answer, without a ticket
    perform(case, "start", staff["road"])  # the change is saved; its version write is logged
    assert full_poll(client, sent)[0] == 200


def test_no_version_is_written_while_the_fast_path_is_off(staff, new_complaint, settings):
    settings.ONTONG_FAST_POLL = False
    perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    assert cache.get_many(["inbox-version:all", "inbox-version:dept:none"]) == {}


def test_a_version_that_cannot_be_written_is_removed(client, staff, new_complaint, monkeypatch):
    """A cache that reads but refuses writes (a full Redis without eviction): the change's keys
    are deleted instead, so no ticket drawn before it is answered fast."""
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    sent, ticket = ticketed(client, staff["road"])

    def refused(*args, **kwargs):
        raise ConnectionError("OOM command not allowed when used memory > 'maxmemory'")

    monkeypatch.setattr(cache, "set_many", refused)
    perform(case, "start", staff["road"])
    assert fast_poll(client, sent, ticket) == DJANGO
