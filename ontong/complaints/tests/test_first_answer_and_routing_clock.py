import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from ontong.complaints import reports
from ontong.complaints.deadlines import as_aware
from ontong.complaints.models import Complaint, FirstAnswerTarget
from ontong.complaints.workflow import perform
from ontong.org.models import Department

pytestmark = pytest.mark.django_db


def freeze_time(moment):
    """The clock at `moment` for the code under test (timezone.now is what it reads)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def at(*args):
    return as_aware(dt.datetime(*args))


def test_sns_cases_get_the_citys_first_answer_target(new_complaint):
    # Thursday 2026-11-26 16:00: 8 working hours = 2 today + 6 on Friday → Friday 16:00.
    sns = new_complaint("가로등 고장", channel="messenger", received_at=at(2026, 11, 26, 16))
    assert sns.first_answer_due_at == at(2026, 11, 27, 16)
    web = new_complaint("가로등 고장", channel="web", received_at=at(2026, 11, 26, 16))
    assert web.first_answer_due_at is None
    FirstAnswerTarget.objects.create(working_hours=3)
    saturday = new_complaint("쓰레기", channel="instagram", received_at=at(2026, 11, 28, 10))
    assert saturday.first_answer_due_at == at(2026, 11, 30, 12)  # from Monday 09:00
    FirstAnswerTarget.objects.update(is_active=False)
    assert new_complaint("x", channel="messenger").first_answer_due_at is None


def test_a_persons_first_answer_is_recorded_not_the_automatic_one(new_complaint, staff):
    c = new_complaint("가로등 고장", channel="messenger", email="a@b.kr", contact_consent=True)
    assert c.first_answered_at is None  # the acknowledgement is automatic
    c = perform(c, "reply", staff["triage"], text="확인 중입니다. 위치를 알려 주세요.")
    first = c.first_answered_at
    assert first is not None
    c = perform(c, "reply", staff["triage"], text="담당 부서에 전달했습니다.")
    assert Complaint.objects.get(pk=c.pk).first_answered_at == first


def test_routing_clock_assign_within_one_hour_then_three_to_take_it_up(new_complaint, staff):
    c = new_complaint("도로 파손", received_at=at(2026, 11, 26, 11, 30))
    assert c.routing_due_at == at(2026, 11, 26, 13, 30)  # lunch hour does not count
    with freeze_time(at(2026, 11, 26, 14)):
        c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
        assert c.routing_due_at == at(2026, 11, 26, 17)
        c = perform(c, "start", staff["road"])
    assert c.routing_due_at is None


def test_transfer_says_whether_it_kept_the_eight_hours(new_complaint, staff):
    early = new_complaint("국도 가로수", received_at=at(2026, 11, 26, 9))
    with freeze_time(at(2026, 11, 26, 16)):
        done = perform(early, "transfer", staff["triage"], agency="국토관리청", reason="국도 소관")
    assert "8근무시간 안" in done.events.get(action="transfer").note and done.routing_due_at is None
    late = new_complaint("국도 가로수", received_at=at(2026, 11, 24, 9))
    with freeze_time(at(2026, 11, 26, 16)):
        done = perform(late, "transfer", staff["triage"], agency="국토관리청", reason="국도 소관")
    assert "넘김" in done.events.get(action="transfer").note


def test_report_gives_the_first_answer_rate(new_complaint, staff):
    now = timezone.now()
    met = new_complaint("a", channel="messenger", received_at=now - dt.timedelta(days=5))
    missed = new_complaint("b", channel="messenger", received_at=now - dt.timedelta(days=5))
    Complaint.objects.filter(pk=met.pk).update(
        first_answered_at=met.first_answer_due_at - dt.timedelta(hours=1)
    )
    Complaint.objects.filter(pk=missed.pk).update(
        first_answered_at=missed.first_answer_due_at + dt.timedelta(hours=1)
    )
    new_complaint("c", channel="web", received_at=now - dt.timedelta(days=5))
    today = timezone.localdate()
    report = reports.build(today - dt.timedelta(days=10), today, Complaint.objects.all())
    assert report.total.first_answer_due == 2 and report.total.first_answer_rate == 50.0
