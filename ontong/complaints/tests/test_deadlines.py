"""Processing periods, checked against worked examples and an independent minute-by-minute count."""

import datetime as dt

import holidays
import pytest
from django.utils import translation

from ontong.complaints.deadlines import (
    SEOUL,
    add_working_hours,
    due_at,
    due_date_text,
    due_label,
)

KR = holidays.country_holidays("KR", years=range(2025, 2029))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SEOUL)


def independent_workday(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in KR


def independent_hours(start: dt.datetime, hours: int) -> dt.datetime:
    """Step minute by minute through 09-12 and 13-18 of working days: slow but obviously right."""
    moment = start.replace(second=0, microsecond=0, tzinfo=None)
    minutes = hours * 60
    while minutes:
        in_hours = (9 <= moment.hour < 12) or (13 <= moment.hour < 18)
        if independent_workday(moment.date()) and in_hours:
            minutes -= 1
        moment += dt.timedelta(minutes=1)
    return moment.replace(tzinfo=SEOUL)


def independent_days(start: dt.datetime, days: int) -> dt.datetime:
    day = start.date()
    local = start.replace(tzinfo=None)
    if not independent_workday(day) or local.time() >= dt.time(18):
        day += dt.timedelta(days=1)
    counted = 0
    while True:
        if independent_workday(day):
            counted += 1
            if counted == days:
                return dt.datetime.combine(day, dt.time(18), SEOUL)
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("kind", "received", "expected"),
    [
        ("건의", at(2026, 9, 21, 10), at(2026, 10, 14, 18)),  # 추석, 대체공휴일, 한글날 skipped
        ("기타", at(2026, 5, 22, 16, 30), at(2026, 5, 26, 10, 30)),  # 부처님오신날 대체공휴일
    ],
)
def test_worked_examples_from_minwon_rules(kind, received, expected):
    assert due_at(kind, received) == expected


def test_transfer_eight_working_hours_worked_example():
    assert add_working_hours(at(2026, 9, 23, 15), 8) == at(2026, 9, 28, 15)


RECEIPTS = [
    at(2026, 4, 30, 11, 59),  # before 노동절 (public from 2026)
    at(2026, 4, 30, 17, 59),
    at(2026, 7, 16, 17, 59),  # before 제헌절 (reinstated 2026)
    at(2026, 6, 2, 16, 0),  # before 지방선거일 6/3
    at(2026, 2, 13, 17, 0),  # Friday before 설 2/16-18
    at(2026, 2, 14, 10, 0),  # Saturday
    at(2026, 2, 15, 23, 0),  # Sunday night
    at(2026, 12, 31, 17, 30),  # across New Year
    at(2026, 9, 23, 12, 30),  # lunch hour before 추석
    at(2026, 10, 2, 18, 30),  # after hours before 개천절 대체공휴일
    at(2026, 8, 14, 9, 0),  # before 광복절 대체공휴일 8/17
    at(2027, 2, 5, 15, 0),  # before 설 2027 (2/6-2/9 with substitute)
    at(2026, 3, 1, 12, 0),  # 삼일절 Sunday, 대체 3/2
    at(2026, 12, 24, 8, 0),  # before 성탄절
]


@pytest.mark.parametrize("received", RECEIPTS, ids=lambda r: r.strftime("%Y-%m-%d_%H%M"))
@pytest.mark.parametrize("hours", [1, 3, 8, 24, 40])
def test_hour_periods_match_an_independent_count(received, hours):
    assert add_working_hours(received, hours) == independent_hours(received, hours)


@pytest.mark.parametrize("received", RECEIPTS, ids=lambda r: r.strftime("%Y-%m-%d_%H%M"))
@pytest.mark.parametrize(("kind", "days"), [("질의", 7), ("건의", 14), ("고충", 7)])
def test_day_periods_count_the_first_day_like_an_independent_count(received, kind, days):
    assert due_at(kind, received) == independent_days(received, days)


def test_new_2026_holidays_are_not_working_days():
    # 노동절 2026-05-01 and 제헌절 2026-07-17 (holidays >= 0.109).
    assert add_working_hours(at(2026, 4, 30, 17), 3) == at(2026, 5, 4, 11)
    assert add_working_hours(at(2026, 7, 16, 17), 3) == at(2026, 7, 20, 11)


def test_receipt_on_a_weekend_starts_at_the_next_working_nine():
    assert due_at("기타", at(2026, 11, 28, 14)) == at(2026, 11, 30, 12)


def test_due_label_is_korean_with_d_day():
    now = at(2026, 10, 12, 9)
    assert due_label(at(2026, 10, 14, 18), now) == "D-2, 10월 14일(수) 18:00까지"
    assert due_label(at(2026, 10, 12, 18), now) == "D-day, 10월 12일(월) 18:00까지"
    assert due_label(at(2026, 10, 9, 18), now) == "기한 경과 3일 (10월 9일(금) 18:00)"
    assert due_label(at(2026, 10, 12, 8), now) == "기한 경과 (10월 12일(월) 08:00)"


def test_due_label_speaks_the_staff_members_language():
    now = at(2026, 10, 12, 9)
    with translation.override("en"):
        assert due_label(at(2026, 10, 14, 18), now) == "D-2, by 10/14 (Wed) 18:00"
        assert due_label(at(2026, 10, 12, 18), now) == "D-day, by 10/12 (Mon) 18:00"
        assert due_label(at(2026, 10, 9, 18), now) == "3 days overdue (10/9 (Fri) 18:00)"
        assert due_label(at(2026, 10, 12, 8), now) == "Overdue (10/12 (Mon) 08:00)"
        assert due_label(at(2026, 10, 11, 18), now) == "1 day overdue (10/11 (Sun) 18:00)"
        assert due_date_text(at(2026, 10, 14, 18)) == "10월 14일(수) 18:00"  # 알림톡: Korean


@pytest.mark.django_db
def test_city_holidays_and_periods_move_due_times(new_complaint, run_tasks):
    from ontong.complaints.models import CityHoliday, Complaint, KindPeriod
    from ontong.complaints.services import compute_due, recompute_open_due_times

    received = at(2026, 11, 24, 10)  # Tuesday
    assert compute_due("기타", received) == at(2026, 11, 24, 14)  # 10-12 and 13-14
    CityHoliday.objects.create(date=dt.date(2026, 11, 24), name="시 개청 기념일(예)")
    assert compute_due("기타", received) == at(2026, 11, 25, 12)  # starts at the next working 09:00
    KindPeriod.objects.create(kind="건의", unit="days", amount=10)
    assert compute_due("건의", at(2026, 9, 21, 10)) == independent_days(at(2026, 9, 21, 10), 10)

    complaint = new_complaint(received_at=received)
    Complaint.objects.filter(pk=complaint.pk).update(due_at=at(2026, 1, 1, 0))
    assert recompute_open_due_times() >= 1
    complaint.refresh_from_db()
    assert complaint.due_at == at(2026, 11, 25, 12)


@pytest.mark.django_db
def test_admin_edit_of_the_calendar_recomputes_open_cases(
    client, new_complaint, run_tasks, django_user_model
):
    from ontong.complaints.models import Complaint

    complaint = new_complaint(received_at=at(2026, 11, 24, 10))
    before = complaint.due_at
    client.force_login(
        django_user_model.objects.create_superuser("root", password="pw-for-tests-1")
    )
    client.post("/admin/complaints/cityholiday/add/", {"date": "2026-11-24", "name": "임시공휴일"})
    run_tasks()
    assert Complaint.objects.get(pk=complaint.pk).due_at > before


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(2026, 11, 23, 10), at(2026, 11, 23, 15), 4),  # lunch not counted
        (at(2026, 11, 27, 17), at(2026, 11, 30, 10), 2),  # over a weekend
        (at(2026, 9, 23, 15), at(2026, 9, 28, 15), 8),  # over 추석
        (at(2026, 11, 23, 19), at(2026, 11, 23, 22), 0),  # evening only
    ],
)
def test_working_hours_between(start, end, hours):
    from ontong.complaints.deadlines import working_hours_between

    assert working_hours_between(start, end) == hours


@pytest.mark.django_db
def test_waiting_for_the_citizen_does_not_count(staff, new_complaint, monkeypatch):
    """[영] 제20조 → 행정절차법 시행령 제11조: the 보완 days, the request's and the answer's
    included, do not count (they used to be only the working hours waited: 8 here)."""
    from django.utils import timezone as tz

    from ontong.complaints.models import Complaint
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    received = at(2026, 11, 20, 10)  # Friday; 건의 14일 → Wed 12/9
    monkeypatch.setattr(tz, "now", lambda: received)
    c = perform(
        new_complaint(kind="건의", received_at=received),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="도로과"),
    )
    c = perform(c, "start", staff["road"])
    due = c.due_at
    monkeypatch.setattr(tz, "now", lambda: at(2026, 11, 23, 10))
    c = perform(c, "request_info", staff["road"], text="정확한 위치를 알려 주세요")
    monkeypatch.setattr(tz, "now", lambda: at(2026, 11, 24, 10))  # 8 working hours later
    c = perform(c, "resume", staff["road"])
    assert due == at(2026, 12, 9, 18) and c.due_at == at(2026, 12, 11, 18)  # two days more
    assert not c.due_facts.filter(end__isnull=True).exists()
    assert "2근무일" in Complaint.objects.get(pk=c.pk).events.get(action="resume").note
