"""A case list row is drawn once per process for what it shows (web/rows.py), and drawn again
whenever anything it shows would differ — never served stale."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ontong.complaints.models import Channel, Complaint, Message, State
from ontong.org.models import Area, Department
from ontong.web import inbox, poll, rows


@pytest.fixture(autouse=True)
def no_rows_kept():
    rows.forget_all()
    yield
    rows.forget_all()


@pytest.fixture
def drawn(monkeypatch):
    """How many rows were drawn with the template (not taken from the process's copy)."""
    count = []
    real = rows.render_to_string

    def draw(*args, **kwargs):
        count.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(rows, "render_to_string", draw)
    return count


def listed(case):
    """The case as a list loads it."""
    return Complaint.objects.select_related("department", "area", "assignee").get(pk=case.pk)


def drawn_now(case, *, new=False, oob=False, bulk=None, view=None):
    """The row drawn with the template itself, as it was before rows were kept."""
    return render_to_string(
        rows.ROW_TEMPLATE, {"c": case, "new": new, "oob": oob, "bulk": bulk, "view": view}
    )


@pytest.mark.django_db
def test_the_same_row_is_drawn_once_for_every_viewer(new_complaint, drawn):
    case = new_complaint("읍내동 가로등이 꺼졌어요.")
    first = rows.case_row(listed(case), new=True)
    for _viewer in range(5):
        assert rows.case_row(listed(case), new=True) == first
    assert len(drawn) == 1
    assert first == drawn_now(listed(case), new=True)
    assert case.receipt_no in first and "새 민원" in first


def other_department(case):
    case.department = Department.objects.exclude(pk=case.department_id).order_by("name").first()
    case.department_id = case.department.pk


def other_area(case):
    case.area = Area.objects.exclude(pk=case.area_id).order_by("name").first()
    case.area_id = case.area.pk


CHANGES = {
    "title": lambda c: setattr(c, "title", "동문동 쓰레기가 쌓였어요"),
    "state": lambda c: setattr(c, "state", State.ASSIGNED),
    "department": other_department,
    "area": other_area,
    "channel": lambda c: setattr(c, "channel", "kakao"),
    "received_at": lambda c: setattr(c, "received_at", c.received_at - dt.timedelta(days=3)),
    "updated_at": lambda c: setattr(c, "updated_at", c.updated_at + dt.timedelta(seconds=1)),
    "unread": lambda c: setattr(c, "unread", True),
    "due_at": lambda c: setattr(c, "due_at", c.due_at + dt.timedelta(days=2)),
    "routing_due_at": lambda c: setattr(
        c, "routing_due_at", c.routing_due_at + dt.timedelta(hours=5)
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("field", sorted(CHANGES))
def test_a_row_is_drawn_again_when_anything_it_shows_changes(field, new_complaint):
    case = listed(new_complaint("읍내동 사거리에 포트홀이 생겼어요."))
    case.routing_due_at = case.routing_due_at or timezone.now() + dt.timedelta(hours=3)
    case.due_at = case.due_at or timezone.now() + dt.timedelta(days=5)
    before = rows.case_row(case)
    CHANGES[field](case)
    after = rows.case_row(case)
    assert after != before
    assert after == drawn_now(case)


@pytest.mark.django_db
def test_the_viewers_choices_make_their_own_rows(new_complaint, staff):
    case = listed(new_complaint("읍내동 가로등이 꺼졌어요."))
    plain = rows.case_row(case)
    with_boxes = rows.case_row(case, bulk={"actions": []})
    in_view = rows.case_row(case, view=inbox.BY_KEY["all"])
    redrawn = rows.case_row(case, oob=True)
    assert 'name="selected"' in with_boxes and 'name="selected"' not in plain
    assert "?view=all" in in_view and "?view=" not in plain
    assert 'hx-swap-oob="true"' in redrawn and "hx-swap-oob" not in plain
    with translation.override("en"):
        english = rows.case_row(case)
    assert english != plain and english == translation.override("en")(drawn_now)(case)


@pytest.mark.django_db
@pytest.mark.parametrize("deadline", ["due_at", "routing_due_at"])
def test_a_kept_row_is_drawn_again_when_its_deadline_passes(deadline, new_complaint, monkeypatch):
    case = listed(new_complaint("읍내동 가로등이 꺼졌어요."))
    now = timezone.now()
    setattr(case, deadline, now + dt.timedelta(minutes=30))
    before = rows.case_row(case)
    assert "기한 경과" not in before
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(minutes=31))
    after = rows.case_row(case)
    assert "기한 경과" in after and 'class="due overdue"' in after
    assert after == drawn_now(case)


@pytest.mark.django_db
def test_a_kept_row_counts_its_days_from_today(new_complaint, monkeypatch):
    case = listed(new_complaint("읍내동 가로등이 꺼졌어요."))
    now = timezone.now()
    case.due_at, case.routing_due_at = now + dt.timedelta(days=3), None
    assert "D-3" in rows.case_row(case)
    monkeypatch.setattr(timezone, "now", lambda: now + dt.timedelta(days=1))
    tomorrow = rows.case_row(case)
    assert "D-2" in tomorrow and tomorrow == drawn_now(case)


@pytest.mark.django_db
def test_the_process_keeps_a_bounded_number_of_rows(new_complaint, monkeypatch):
    monkeypatch.setattr(rows, "KEPT", 3)
    case = listed(new_complaint("읍내동 가로등이 꺼졌어요."))
    for second in range(10):
        case.updated_at += dt.timedelta(seconds=second)
        rows.case_row(case)
    assert len(rows._rows) == 3


@pytest.mark.django_db
def test_in_english_the_row_names_the_assignment_deadline_and_the_list_counts_cases(
    client, staff, new_complaint
):
    case = listed(new_complaint("읍내동 가로등이 꺼졌어요."))
    assert case.state == State.RECEIVED and case.routing_due_at
    with translation.override("en"):
        row = rows.case_row(case)
    assert "Assign: " in row and "Assigned" not in row
    assert "배정" in rows.case_row(case)
    client.force_login(staff["triage"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/inbox/").content.decode()
    assert re.search(r'id="list-count">1 cases<', page)
    assert '<option value="assign">Assign</option>' in page  # the action, not the state
    assert 'id="bulk-count" class="muted" aria-live="polite" data-template="({n} selected)"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_row_drawn_from_what_the_poll_reads_is_the_row_of_the_loaded_case(
    staff, new_complaint, language, monkeypatch
):
    """The poll draws rows from their SHOWN values (rows.shown_row), pages from loaded cases: the
    same row, for every value the row shows — a department, an area, unread, both deadlines, a
    masked phone number in the title, a stopped clock."""
    road, area = Department.objects.get(name="도로과"), Area.objects.first()
    assigned = new_complaint("010-1234-5678로 연락 주세요. 가로등이 꺼졌어요.", channel="kakao")
    Complaint.objects.filter(pk=assigned.pk).update(
        department=road, area=area, state=State.ASSIGNED, assignee=staff["road"]
    )
    received = new_complaint("읍내동 포트홀")
    paused = new_complaint("보완이 필요한 민원")
    Complaint.objects.filter(pk=paused.pk).update(
        state=State.NEEDS_INFO, due_at=timezone.now() - dt.timedelta(days=2)
    )
    unread = inbox.unread_condition(staff["road"])
    query = Complaint.objects.filter(pk__in=[assigned.pk, received.pk, paused.pk]).annotate(
        unread=unread
    )
    values = {v[rows.NUMBER]: v for v in query.values_list(*rows.SHOWN)}
    cases = {c.receipt_no: c for c in query.select_related("department", "area", "assignee")}
    assert {v[rows.UNREAD] for v in values.values()} == {True}
    for choices in ({}, {"new": True}, {"oob": True}, {"bulk": {"actions": [("assign", "")]}}):
        for number, case in cases.items():
            with translation.override(language):
                from_case = drawn_now(case, **choices)
                rows.forget_all()
                from_values = rows.shown_row(values[number], **choices)
            assert from_values == from_case
    drawn = rows.shown_row(values[assigned.receipt_no])
    assert road.name in drawn and area.name in drawn and "010-1234-5678" not in drawn


@pytest.mark.django_db
def test_the_row_names_its_state_and_channel_in_the_viewers_language(new_complaint):
    case = listed(new_complaint("읍내동 가로등이 꺼졌어요.", channel="kakao"))
    with translation.override("ko"):
        korean = rows.case_row(case)
    with translation.override("en"):
        english = rows.case_row(case)
    assert '<span class="badge received">접수</span>' in korean and ">카카오톡<" in korean
    assert '<span class="badge received">Received</span>' in english
    assert f">{translation.override('en')(str)(Channel.KAKAO.label)}<" in english
    assert ">카카오톡<" not in english


@pytest.mark.django_db
def test_a_page_reads_its_language_and_time_once_for_all_its_rows(
    client, staff, new_complaint, monkeypatch
):
    cases = [new_complaint(f"{i}번 가로등이 꺼졌어요.") for i in range(5)]
    reads = []
    real = rows.environment
    monkeypatch.setattr(rows, "environment", lambda: reads.append(1) or real())
    client.force_login(staff["triage"])
    page = client.get("/inbox/").content.decode()
    assert all(f'id="row-{c.receipt_no}"' in page for c in cases)
    assert len(reads) == 1


@pytest.mark.django_db
def test_what_the_poll_reads_of_a_row_keys_it_as_the_loaded_case_does(staff, new_complaint):
    case = new_complaint("읍내동 사거리에 포트홀이 생겼어요.")
    Complaint.objects.filter(pk=case.pk).update(
        department=Department.objects.get(name="도로과"), area=Area.objects.order_by("name")[0]
    )
    Message.objects.create(complaint=case, direction="in", channel="web", body="언제 고치나요?")
    listed_ = inbox.cases(staff["triage"], inbox.BY_KEY["all"]).select_related("department", "area")
    loaded = listed_.get(pk=case.pk)
    (read,) = poll.listed_values(listed_.filter(pk=case.pk))
    assert read == rows.shown_of(loaded)
    assert read[2] is True and read[5] == "도로과" and read[6]
