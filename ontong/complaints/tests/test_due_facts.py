"""The due time follows from stored facts (receipt, kind, 보완 pauses, extensions, a new period)
through one function, so every recompute keeps all of them; 보완 days are excluded whole, the day
the request was sent and the day the answer arrived included (행정절차법 시행령 제11조)."""

import datetime as dt

import pytest
from django.utils import timezone as tz

from ontong.complaints.deadlines import (
    SEOUL,
    DueFacts,
    Extension,
    Pause,
    compute_due,
    due_at,
)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SEOUL)


MONDAY = dt.datetime(2026, 11, 23, 10, tzinfo=SEOUL)


def test_day_counted_pause_excludes_whole_days_including_send_and_answer_day():
    # 건의 14일 from 9/21 is due 10/14. 보완 sent Wed 9/23 15:00, answered Mon 9/28 10:00: of
    # 9/23–9/28 only 9/23 and 9/28 are working days (추석 9/24–26, a Sunday), so two whole days
    # more: Thu 10/15, Fri 10/16. Counting only the hours waited (4) gave 10/15 13:00.
    facts = DueFacts(
        start=at(2026, 9, 21, 10),
        period=("days", 14),
        pauses=(Pause(at(2026, 9, 23, 15), at(2026, 9, 28, 10)),),
    )
    assert compute_due(facts) == at(2026, 10, 16, 18)


def test_hour_counted_pause_across_a_holiday_excludes_its_days():
    # 기타 (3 근무시간) received Fri 5/22 16:30 is due Tue 5/26 10:30. 보완 sent Fri 17:00, answered
    # Tue 9:30 (5/25 is 부처님오신날 대체공휴일): Friday and Tuesday do not count at all, so the
    # three hours run Wed 5/27 09:00–12:00. Counting the hours waited gave Tue 12:00.
    facts = DueFacts(
        start=at(2026, 5, 22, 16, 30),
        period=("hours", 3),
        pauses=(Pause(at(2026, 5, 22, 17), at(2026, 5, 26, 9, 30)),),
    )
    assert compute_due(facts) == at(2026, 5, 27, 12)


def test_a_pause_on_a_city_holiday_weekend_costs_nothing_and_an_open_pause_its_first_day():
    received = at(2026, 11, 23, 10)  # Monday; 질의 7일 → Tue 12/1
    weekend = Pause(at(2026, 11, 28, 10), at(2026, 11, 29, 20))
    assert compute_due(DueFacts(received, ("days", 7), (weekend,))) == at(2026, 12, 1, 18)
    still_waiting = Pause(at(2026, 11, 25, 10))
    assert compute_due(DueFacts(received, ("days", 7), (still_waiting,))) == at(2026, 12, 2, 18)
    city_holiday = frozenset({dt.date(2026, 11, 26)})
    assert compute_due(DueFacts(received, ("days", 7), (still_waiting,)), city_holiday) == at(
        2026, 12, 3, 18
    )


def test_an_extension_date_stands_and_moves_only_by_pauses_after_it():
    received = at(2026, 11, 23, 10)
    told = Extension(granted=at(2026, 11, 30, 11), until=at(2026, 12, 8, 18))
    assert compute_due(DueFacts(received, ("days", 7), extensions=(told,))) == told.until
    before = Pause(at(2026, 11, 24, 10), at(2026, 11, 24, 16))  # already in the date told
    after = Pause(at(2026, 12, 2, 10), at(2026, 12, 3, 10))  # Wed–Thu: two days more
    facts = DueFacts(received, ("days", 7), (before, after), (told,))
    assert compute_due(facts) == at(2026, 12, 10, 18)


def test_due_at_for_a_plain_receipt_is_compute_due_without_facts():
    received = at(2026, 9, 21, 10)
    assert due_at("건의", received) == compute_due(DueFacts(received, ("days", 14)))


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment):
        monkeypatch.setattr(tz, "now", lambda: moment)

    return set_to


@pytest.fixture
def in_progress(staff, new_complaint, clock):
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    def make(kind="건의", received=MONDAY):
        clock(received)
        c = new_complaint(kind=kind, received_at=received)
        road = Department.objects.get(name="도로과")
        c = perform(c, "assign", staff["triage"], department=road)
        return perform(c, "start", staff["road"])

    return make


def pause(c, staff, clock, sent, answered):
    from ontong.complaints.workflow import perform

    clock(sent)
    c = perform(c, "request_info", staff["road"], text="정확한 위치를 알려 주세요")
    clock(answered)
    return perform(c, "resume", staff["road"])


@pytest.mark.django_db
def test_resume_excludes_the_days_from_request_to_answer(in_progress, staff, clock):
    c = in_progress("건의")  # Mon 11/23 10:00 → 14 working days: Thu 12/10
    assert c.due_at == at(2026, 12, 10, 18)
    c = pause(c, staff, clock, at(2026, 11, 24, 17), at(2026, 11, 25, 9, 30))
    assert c.due_at == at(2026, 12, 14, 18)  # Tue and Wed not counted: Fri 12/11, Mon 12/14
    assert "2근무일" in c.events.get(action="resume").note


@pytest.mark.django_db
def test_kind_change_after_a_pause_keeps_the_pause(in_progress, staff, clock):
    from ontong.complaints.workflow import perform

    c = pause(in_progress("건의"), staff, clock, at(2026, 11, 24, 17), at(2026, 11, 25, 9, 30))
    clock(at(2026, 11, 26, 10))
    c = perform(c, "set_kind", staff["road"], kind="질의")
    # 질의 7일 from Mon 11/23 is Tue 12/1; the two paused days make it Thu 12/3.
    assert c.due_at == at(2026, 12, 3, 18)


@pytest.mark.django_db
def test_kind_change_after_an_extension_keeps_the_date_the_citizen_was_told(
    in_progress, staff, clock
):
    from ontong.complaints.workflow import perform

    c = pause(in_progress("질의"), staff, clock, at(2026, 11, 24, 17), at(2026, 11, 25, 9, 30))
    assert c.due_at == at(2026, 12, 3, 18)
    clock(at(2026, 11, 30, 10))
    c = perform(c, "extend", staff["road"], reason="현장 조사", new_due="2026-12-09")
    c = perform(c, "set_kind", staff["road"], kind="기타")
    assert (c.due_at, c.extensions, c.original_due_at) == (
        at(2026, 12, 9, 18),
        1,
        at(2026, 12, 3, 18),
    )
    c = perform(c, "set_kind", staff["road"], kind="건의")  # 14일 with the pause: 12/14
    assert c.due_at == at(2026, 12, 14, 18)


@pytest.mark.django_db
def test_holiday_recompute_keeps_the_pause(in_progress, staff, clock):
    from ontong.complaints.models import CityHoliday, Complaint
    from ontong.complaints.services import recompute_open_due_times

    c = pause(in_progress("건의"), staff, clock, at(2026, 11, 24, 17), at(2026, 11, 25, 9, 30))
    CityHoliday.objects.create(date=dt.date(2026, 12, 4), name="임시공휴일")
    assert recompute_open_due_times() == 1
    assert Complaint.objects.get(pk=c.pk).due_at == at(2026, 12, 15, 18)  # one day more


@pytest.mark.django_db
def test_holiday_recompute_counts_a_reopened_case_from_when_it_was_taken_up(
    in_progress, staff, clock
):
    from ontong.complaints.models import CityHoliday, Complaint
    from ontong.complaints.services import recompute_open_due_times
    from ontong.complaints.workflow import perform

    c = in_progress("질의")
    for action, who in (("submit", "road"), ("approve", "road_mgr"), ("notify", "road")):
        c = perform(c, action, staff[who], answer="보수했습니다.")
    clock(at(2027, 1, 4, 10))
    c = perform(c, "reopen", staff["road_mgr"], reason="미해결 응답")
    assert c.due_at == at(2027, 1, 12, 18)  # 7 working days from Mon 1/4
    CityHoliday.objects.create(date=dt.date(2027, 1, 5), name="임시공휴일")
    recompute_open_due_times()
    assert Complaint.objects.get(pk=c.pk).due_at == at(2027, 1, 13, 18)


@pytest.mark.django_db
def test_reassigning_out_of_a_pause_ends_it(in_progress, staff, clock):
    from ontong.complaints.models import DueFact
    from ontong.complaints.workflow import perform
    from ontong.org.models import Department

    c = in_progress("건의")
    clock(at(2026, 11, 24, 17))
    c = perform(c, "request_info", staff["road"], text="사진을 보내 주세요")
    clock(at(2026, 11, 26, 10))
    traffic = Department.objects.get(name="교통과")
    c = perform(c, "reassign", staff["triage"], department=traffic, reason="교통과 소관")
    paused = DueFact.objects.get(complaint=c, kind=DueFact.Kind.PAUSE)
    assert paused.end == at(2026, 11, 26, 10)
    assert c.due_at == at(2026, 12, 15, 18)  # Tue–Thu not counted


def rows(fact_model) -> list:
    return sorted(
        (f.complaint_id, f.kind, f.start, f.end, f.until) for f in fact_model.objects.all()
    )


def migrate_to(name: str):
    """Migrate complaints to `name`; the models as they were there."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    MigrationExecutor(connection).migrate([("complaints", name)])
    return MigrationExecutor(connection).loader.project_state(("complaints", name)).apps


@pytest.fixture(autouse=True)
def latest_schema_afterwards(request):
    """Migrating complaints back also unapplies every app that depends on it (kakao, web, api…):
    the tests after these get the whole schema back, not only complaints up to the migration tried."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_derives_the_facts_from_the_timeline_and_back(in_progress, staff, clock):
    from ontong.complaints.models import DueFact
    from ontong.complaints.workflow import perform

    done = pause(in_progress("건의"), staff, clock, at(2026, 11, 24, 17), at(2026, 11, 25, 9))
    clock(at(2026, 11, 30, 10))
    perform(done, "extend", staff["road"], reason="현장 조사", new_due="2026-12-16")
    waiting = in_progress("질의", received=at(2026, 12, 1, 10))
    clock(at(2026, 12, 2, 11))
    perform(waiting, "request_info", staff["road"], text="사진을 보내 주세요")
    clock(at(2026, 12, 3, 10))
    perform(waiting, "resume", staff["road"])
    for action, who in (("submit", "road"), ("approve", "road_mgr"), ("notify", "road")):
        perform(waiting, action, staff[who], answer="보수했습니다.")
    clock(at(2027, 1, 4, 10))
    perform(waiting, "reopen", staff["road_mgr"], reason="미해결 응답")
    by_hand = in_progress("기타")
    live = rows(DueFact)
    assert sorted(kind for _, kind, *_ in live) == ["extension", "pause", "pause", "restart"]

    old = migrate_to("0012_due_facts")
    complaint_model, fact_model = (
        old.get_model("complaints", "Complaint"),
        old.get_model("complaints", "DueFact"),
    )
    assert rows(fact_model) == []
    assert not complaint_model.objects.filter(paused_at__isnull=False).exists()
    # A case put in 보완요청 without a timeline entry keeps its pause from the field.
    complaint_model.objects.filter(pk=by_hand.pk).update(paused_at=at(2026, 11, 27, 15))
    migrate_to("0014_remove_complaint_paused_at")
    assert rows(DueFact) == sorted([*live, (by_hand.pk, "pause", at(2026, 11, 27, 15), None, None)])


@pytest.mark.django_db(transaction=True)
def test_an_open_pause_goes_back_to_paused_at(in_progress, staff, clock):
    from ontong.complaints.workflow import perform

    waiting = in_progress("질의")
    clock(at(2026, 11, 24, 11))
    perform(waiting, "request_info", staff["road"], text="사진을 보내 주세요")
    old = migrate_to("0012_due_facts")
    paused = old.get_model("complaints", "Complaint").objects.get(pk=waiting.pk).paused_at
    assert paused == at(2026, 11, 24, 11)
    migrate_to("0014_remove_complaint_paused_at")


@pytest.mark.django_db
def test_recompute_leaves_a_due_time_an_officer_changed_meanwhile(in_progress, monkeypatch):
    from ontong.complaints import services
    from ontong.complaints.models import CityHoliday, Complaint

    c = in_progress("건의")
    CityHoliday.objects.create(date=dt.date(2026, 12, 4), name="임시공휴일")
    read = services.due_facts

    def read_then_extended(complaint, periods):
        facts = read(complaint, periods)
        Complaint.objects.filter(pk=c.pk).update(due_at=at(2026, 12, 18, 18))  # as if extended
        return facts

    monkeypatch.setattr(services, "due_facts", read_then_extended)
    assert services.recompute_open_due_times() == 0
    assert Complaint.objects.get(pk=c.pk).due_at == at(2026, 12, 18, 18)
