"""The inbox's tab counts and change token: SQL built once per person's shape, run again with the
cut-off of the moment (web.prepared) — the same answers as Django's own query, without building
the query again."""

import datetime as dt

import pytest
from django.db.models.sql import compiler
from django.utils import timezone

from ontong.complaints.models import Complaint, Message
from ontong.complaints.workflow import perform
from ontong.org.models import Department
from ontong.web import inbox, prepared
from ontong.web.models import CaseSeen

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nothing_kept():
    prepared.forget()
    yield
    prepared.forget()


@pytest.fixture
def cases(staff, new_complaint):
    """Cases in several views: unassigned, assigned to 도로과 (one to road), one due within the day, one the citizen wrote to again, one consulted from 교통과."""
    road = Department.objects.get(name="도로과")
    made = [new_complaint(f"가로등 {i}번이 꺼졌어요.") for i in range(8)]
    for case in made[:5]:
        perform(case, "assign", staff["triage"], department=road)
    Complaint.objects.filter(pk=made[0].pk).update(assignee=staff["road"])
    Message.objects.create(complaint=made[2], direction="in", channel="web", body="언제요?")
    traffic = perform(
        new_complaint("신호등이 고장"),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="교통과"),
    )
    perform(traffic, "consult", staff["traffic"], consult_department=road, text="도로 확인")
    Complaint.objects.update(due_at=timezone.now() + dt.timedelta(days=10))
    Complaint.objects.filter(pk=made[1].pk).update(due_at=timezone.now() + dt.timedelta(hours=3))
    return made


def counted_by_django(user):
    """Each offered view's count and unread count, one Django query each."""
    return {
        view.key: (
            inbox.cases(user, view).count(),
            inbox.cases(user, view).filter(unread=True).count(),
        )
        for view in inbox.views_for(user)
    }


def tabs(user):
    return {tab.view.key: (tab.count, tab.unread) for tab in inbox.summary(user).tabs}


@pytest.mark.parametrize("who", ["triage", "admin", "road", "road_mgr", "traffic"])
def test_the_kept_query_counts_what_django_counts(staff, cases, who):
    user = staff[who]
    first, again = tabs(user), tabs(user)
    assert first == again == counted_by_django(user)
    assert any(count for count, _unread in first.values())


def test_the_second_poll_builds_no_query(staff, cases, monkeypatch):
    user = staff["triage"]
    inbox.summary(user)
    built = []
    original = compiler.SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        built.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(compiler.SQLCompiler, "as_sql", as_sql)
    overview = inbox.summary(user)
    assert built == []
    assert dict((t.view.key, t.count) for t in overview.tabs)["all"] == len(cases) + 1


def test_a_kept_query_takes_the_cut_off_of_the_moment(staff, cases, monkeypatch):
    user = staff["road"]
    assert tabs(user)["due"][0] == 1
    later = timezone.now() + dt.timedelta(days=30)  # every open case is due by then
    monkeypatch.setattr(inbox.timezone, "now", lambda: later)
    assert tabs(user)["due"] == counted_by_django(user)["due"]
    assert tabs(user)["due"][0] == tabs(user)["department"][0] + 1  # and the consulted one


def test_what_the_person_changes_shows_through_the_kept_query(staff, cases):
    user = staff["road"]
    token, unread = inbox.change_token(user), tabs(user)["department"][1]
    assert unread == 5  # never opened
    CaseSeen.objects.create(user=user, complaint=cases[2], seen_at=timezone.now())
    assert inbox.change_token(user) != token
    assert tabs(user)["department"][1] == 4


def test_a_person_who_sees_nothing_is_counted_without_a_kept_query(make_user, cases):
    nobody = make_user("nobody")
    assert inbox.change_token(nobody)
    assert inbox.summary(nobody).tabs == []


def test_kept_queries_are_bounded(staff, cases, monkeypatch):
    monkeypatch.setattr(prepared, "KEPT", 2)
    for who in ("triage", "road", "traffic"):
        inbox.summary(staff[who])
    assert len(prepared._kept) == 2
    assert tabs(staff["triage"]) == counted_by_django(staff["triage"])  # built again
