"""The 접수함/부서함 poll when nothing is new (issue 21, staff load): a few statements, no write,
no per-view unread counts — and never a 204 over a change the person may see."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ontong.complaints.models import Complaint, Message, State
from ontong.complaints.workflow import perform
from ontong.org.models import Department
from ontong.web import inbox, views
from ontong.web import poll as poll_module

pytestmark = pytest.mark.django_db

POLL = {"HX-Request": "true", "HX-Trigger": "poll"}
# session, user, roles, second-factor check, remembered view, change token, and the department
# scope: one per level below the person's department (도로과 → its 팀s → none)
BUDGET = 8
WRITES = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT")
SHOWN = re.compile(r'name="shown" value="([^"]+)"')


def poll(client, key):
    """The poll exactly as the page sends it: the view, its rows and the token it was drawn with."""
    page = client.get("/queue/", {"view": key})
    rows = SHOWN.findall(page.content.decode())
    return {"view": key, "since": page.context["token"], "shown": rows}


def dept(name):
    return Department.objects.get(name=name)


@pytest.mark.parametrize("who, key", [("triage", "unassigned"), ("road", "department")])
def test_nothing_new_costs_a_few_reads(client, staff, new_complaint, who, key):
    road = dept("도로과")
    for i in range(6):
        case = new_complaint(f"가로등 {i}번이 꺼졌어요.")
        if i % 2:
            perform(case, "assign", staff["triage"], department=road)
    client.force_login(staff[who])
    sent = poll(client, key)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/queue/", sent, headers=POLL)
    statements = [q["sql"] for q in queries.captured_queries]
    assert answer.status_code == 204 and answer.content == b""
    assert len(statements) <= BUDGET, "\n".join(statements)
    assert not [s for s in statements if s.lstrip().upper().startswith(WRITES)]
    assert not [s for s in statements if "web_caseseen" in s and "messages_message" in s]


def test_a_citizen_writing_to_a_visible_case_is_not_hidden(client, staff, new_complaint):
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    client.force_login(staff["road"])
    client.get(f"/complaints/{case.receipt_no}/")  # opened: read
    sent = poll(client, "department")
    assert client.get("/queue/", sent, headers=POLL).status_code == 204
    Message.objects.create(
        complaint=case, direction=Message.Direction.IN, channel="web", body="언제 고쳐 주나요?"
    )
    answer = client.get("/queue/", sent, headers=POLL)
    assert answer.status_code == 200
    assert 'id="tab-count-department" hx-swap-oob="innerHTML">' in answer.content.decode()
    tabs = {t.view.key: t.unread for t in inbox.summary(staff["road"]).tabs}
    assert tabs["department"] == 1


def test_opening_a_case_changes_the_unread_marks_at_the_next_poll(client, staff, new_complaint):
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    client.force_login(staff["road"])
    sent = poll(client, "department")
    client.get(f"/complaints/{case.receipt_no}/")
    assert client.get("/queue/", sent, headers=POLL).status_code == 200


def test_another_departments_change_stays_cheap_and_one_moving_in_shows(
    client, staff, new_complaint
):
    road, traffic = dept("도로과"), dept("교통과")
    theirs = perform(new_complaint("신호등"), "assign", staff["triage"], department=traffic)
    client.force_login(staff["road"])
    sent = poll(client, "department")
    perform(theirs, "start", staff["traffic"])
    new_complaint("새 민원, 아직 미배정")
    assert client.get("/queue/", sent, headers=POLL).status_code == 204
    perform(theirs, "reassign", staff["traffic_mgr"], department=road, reason="도로 소관")
    answer = client.get("/queue/", sent, headers=POLL)
    assert answer.status_code == 200 and theirs.receipt_no in answer.content.decode()


def test_a_case_leaving_the_view_is_removed(client, staff, new_complaint):
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    client.force_login(staff["road"])
    sent = poll(client, "department")
    perform(case, "reassign", staff["road_mgr"], department=dept("교통과"), reason="신호 문제")
    body = client.get("/queue/", sent, headers=POLL).content.decode()
    assert f'<tr id="row-{case.receipt_no}" hx-swap-oob="delete">' in body


def test_a_consultation_brings_the_case_in(client, staff, new_complaint):
    case = perform(new_complaint("신호등"), "assign", staff["triage"], department=dept("교통과"))
    client.force_login(staff["road"])
    sent = poll(client, "all")
    perform(case, "consult", staff["traffic"], consult_department=dept("도로과"), text="도로 확인")
    answer = client.get("/queue/", sent, headers=POLL)
    assert answer.status_code == 200 and case.receipt_no in answer.content.decode()


def test_time_bringing_a_case_into_due_soon_is_not_hidden(
    client, staff, new_complaint, monkeypatch
):
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    now = timezone.now()
    # A due time moved without a save (as the holiday recomputation does): only time changes.
    Complaint.objects.filter(pk=case.pk).update(
        due_at=now + inbox.DUE_SOON + dt.timedelta(minutes=1)
    )
    client.force_login(staff["road"])
    sent = poll(client, "department")
    assert client.get("/queue/", sent, headers=POLL).status_code == 204
    monkeypatch.setattr(inbox.timezone, "now", lambda: now + dt.timedelta(minutes=2))
    body = client.get("/queue/", sent, headers=POLL).content.decode()
    assert 'id="tab-count-due" hx-swap-oob="innerHTML">1' in body


def test_a_page_grown_past_what_the_poll_reads_back_is_the_first_page_again(
    client, staff, new_complaint, monkeypatch
):
    """A burst adds rows on top; rows pushed off the first page stay until the page would hold
    more than MAX_SHOWN (the poll reads no more, and its URL must stay short): then they go."""
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    monkeypatch.setattr(poll_module, "MAX_SHOWN", 10)
    older = [new_complaint(f"가로등 {i}번이 꺼졌어요.") for i in range(6)]
    client.force_login(staff["triage"])
    sent = poll(client, "unassigned")
    assert len(sent["shown"]) == 5  # the first page
    first = [new_complaint(f"쓰레기 {i}번 더미") for i in range(3)]
    body = client.get("/queue/", sent, headers=POLL).content.decode()
    assert 'hx-swap-oob="delete"' not in body  # 5 + 3 rows: all kept where they are
    grown = SHOWN.findall(body) + sent["shown"]  # the new rows on top
    assert len(grown) == 8
    page_one = [new_complaint(f"포트홀 {i}번") for i in range(3)] + first[::-1][:2]
    body = client.get("/queue/", {**sent, "shown": grown}, headers=POLL).content.decode()
    removed = set(re.findall(r'<tr id="row-([^"]+)" hx-swap-oob="delete">', body))
    assert removed == {c.receipt_no for c in [*older[1:], first[0]]}
    assert not removed & {c.receipt_no for c in page_one}


@pytest.mark.parametrize(
    "starts, due_in, later, before, after",
    [  # a deadline passing; coming within a day (its colour); a new day counting D-n down
        ((12, 0), dt.timedelta(minutes=1), dt.timedelta(minutes=2), "D-day", "기한 경과"),
        ((12, 0), dt.timedelta(hours=30), dt.timedelta(hours=7), '"due "', '"due due-soon"'),
        ((23, 50), dt.timedelta(days=3), dt.timedelta(minutes=20), "D-3", "D-2"),
    ],
)
def test_a_row_whose_deadline_label_time_changes_is_redrawn_by_the_poll(
    client, staff, new_complaint, monkeypatch, starts, due_in, later, before, after
):
    """Time alone changes the row, no save: its label and colour change at the next poll, not
    only after a reload (found by a walk: an overdue case still read "D-day" in amber)."""
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    hour, minute = starts
    now = timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    Complaint.objects.filter(pk=case.pk).update(due_at=now + due_in)
    client.force_login(staff["road"])
    sent = poll(client, "department")
    assert client.get("/queue/", sent, headers=POLL).status_code == 204
    monkeypatch.setattr(timezone, "now", lambda: now + later)
    answer = client.get("/queue/", sent, headers=POLL).content.decode()
    row = re.search(
        rf'<tr id="row-{case.receipt_no}" [^>]*hx-swap-oob="true">.*?</tr>', answer, re.S
    )
    assert row, answer[:300]
    assert after in row.group(0) and before not in row.group(0)


def test_a_row_whose_assignment_deadline_passes_is_redrawn_by_the_poll(
    client, staff, new_complaint, monkeypatch
):
    case = new_complaint("포트홀")
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    Complaint.objects.filter(pk=case.pk).update(
        routing_due_at=now + dt.timedelta(minutes=1), due_at=now + dt.timedelta(days=7)
    )
    client.force_login(staff["triage"])
    sent = poll(client, "unassigned")
    assert client.get("/queue/", sent, headers=POLL).status_code == 204
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(minutes=2))
    answer = client.get("/queue/", sent, headers=POLL).content.decode()
    row = re.search(
        rf'<tr id="row-{case.receipt_no}" [^>]*hx-swap-oob="true">.*?</tr>', answer, re.S
    )
    assert row and '<span class="due overdue">기한 경과' in row.group(0)


def test_a_case_moving_into_a_view_is_not_announced_as_a_new_complaint(
    client, staff, new_complaint
):
    """결재 대기, 기한 임박…: a case already received that enters the view is 'just in' there;
    only 미배정 (접수함) announces new complaints."""
    case = perform(new_complaint("포트홀"), "assign", staff["triage"], department=dept("도로과"))
    client.force_login(staff["road_mgr"])
    sent = poll(client, "approval")
    case.state = State.DRAFTED
    case.save()
    answer = client.get("/queue/", sent, headers=POLL).content.decode()
    assert "이 목록에 1건이 새로 들어왔습니다" in answer and "새 민원" not in answer
    assert '<span class="badge new" data-testid="new-mark">새로 들어옴</span>' in answer
    client.force_login(staff["triage"])
    sent = poll(client, "unassigned")
    new_complaint("가로등")
    answer = client.get("/queue/", sent, headers=POLL).content.decode()
    assert "새 민원 1건이 들어왔습니다" in answer and "새로 들어옴" not in answer
