import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from ontong.complaints import reminders
from ontong.complaints.deadlines import as_aware
from ontong.complaints.models import Complaint, Digest, Message, Notification, Reminder
from ontong.complaints.workflow import perform
from ontong.org.models import Department

pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return as_aware(dt.datetime(*args))


def assigned_case(new_complaint, staff, due, received=None, assignee="road", **intake):
    complaint = new_complaint(
        "도로 파손 신고", received_at=received or due - dt.timedelta(days=10), **intake
    )
    complaint = perform(
        complaint,
        "assign",
        staff["triage"],
        department=Department.objects.get(name="도로과"),
        assignee=staff[assignee].pk if assignee else "",
    )
    Complaint.objects.filter(pk=complaint.pk).update(due_at=due)
    complaint.refresh_from_db()
    return complaint


def subjects(user):
    return sorted(n.subject for n in Notification.objects.filter(user=user))


def test_stage_times_skip_weekends_and_holidays():
    # Due Monday 2026-10-05 (after 개천절 Sat 10-03 and 추석 in late September): the working
    # day before is Friday 10-02.
    times = reminders.stage_times(at(2026, 10, 5, 18))
    assert times["day_before"] == at(2026, 10, 2, 9)
    assert times["due_day"] == at(2026, 10, 5, 9)
    assert times["overdue"] == at(2026, 10, 5, 18)
    # Due the Thursday after 추석 (2026-09-24..26 are holidays, 09-28 Monday is a working day).
    assert reminders.stage_times(at(2026, 9, 28, 18))["day_before"] == at(2026, 9, 23, 9)


def test_officer_and_manager_are_reminded_the_day_before_and_on_the_day(new_complaint, staff):
    complaint = assigned_case(new_complaint, staff, due=at(2026, 12, 2, 18))  # a Wednesday
    assert reminders.send_due_reminders(now=at(2026, 11, 30, 17)) == 0  # Monday: too early
    assert reminders.send_due_reminders(now=at(2026, 12, 1, 9, 5)) == 1
    assert reminders.send_due_reminders(now=at(2026, 12, 1, 15)) == 0  # once
    assert subjects(staff["road"]) == [
        f"[내일 기한] 민원 {complaint.receipt_no} — 12월 2일(수) 18:00까지"
    ]
    assert len(subjects(staff["road_mgr"])) == 1
    assert subjects(staff["traffic_mgr"]) == [] and subjects(staff["admin"]) == []
    assert reminders.send_due_reminders(now=at(2026, 12, 2, 9, 1)) == 1
    assert "[오늘 기한]" in subjects(staff["road"])[1]


def test_overdue_escalates_to_the_central_admin_once_per_due_time(new_complaint, staff):
    complaint = assigned_case(new_complaint, staff, due=at(2026, 12, 2, 18))
    assert reminders.send_due_reminders(now=at(2026, 12, 3, 10)) == 1  # only the latest stage
    assert Reminder.objects.filter(complaint=complaint).get().stage == "overdue"
    for user in ("road", "road_mgr", "admin"):
        assert subjects(staff[user]) == [
            f"[기한 경과] 민원 {complaint.receipt_no} — 12월 2일(수) 18:00 지남"
        ]
    assert reminders.send_due_reminders(now=at(2026, 12, 4, 10)) == 0
    # An extension makes a new due time: a new round of reminders.
    Complaint.objects.filter(pk=complaint.pk).update(due_at=at(2026, 12, 9, 18))
    assert reminders.send_due_reminders(now=at(2026, 12, 8, 9, 30)) == 1
    assert any("[내일 기한]" in s for s in subjects(staff["road"]))


def test_a_case_due_the_day_it_arrives_gets_no_tomorrow_reminder(new_complaint, staff):
    complaint = assigned_case(
        new_complaint, staff, due=at(2026, 12, 2, 15), received=at(2026, 12, 2, 10)
    )
    assert reminders.send_due_reminders(now=at(2026, 12, 2, 10, 5)) == 1
    assert Reminder.objects.get(complaint=complaint).stage == "due_day"


def test_unassigned_person_means_the_department_officers_are_told(new_complaint, staff):
    assigned_case(new_complaint, staff, due=at(2026, 12, 2, 18), assignee=None)
    reminders.send_due_reminders(now=at(2026, 12, 2, 9, 30))
    assert len(subjects(staff["road"])) == 1 and len(subjects(staff["road_mgr"])) == 1


def test_closed_clock_cases_are_not_reminded(new_complaint, staff):
    complaint = assigned_case(new_complaint, staff, due=at(2026, 12, 2, 18))
    perform(complaint, "request_info", staff["road"], text="사진을 보내 주세요")
    assert reminders.send_due_reminders(now=at(2026, 12, 3, 10)) == 0


def test_reminder_emails_are_sent_by_the_worker_without_personal_data(
    new_complaint, staff, run_tasks
):
    staff["road"].email = "road@city.example"
    staff["road"].save()
    complaint = assigned_case(
        new_complaint, staff, due=at(2026, 12, 2, 18), phone="010-1234-5678", contact_consent=True
    )
    reminders.send_due_reminders(now=at(2026, 12, 1, 10))
    run_tasks()
    assert len(mail.outbox) == 1
    assert (
        mail.outbox[0].to == ["road@city.example"]
        and complaint.receipt_no in mail.outbox[0].subject
    )
    assert "010" not in mail.outbox[0].body
    assert Notification.objects.get(user=staff["road"]).email == "sent"
    assert Notification.objects.get(user=staff["road_mgr"]).email == ""  # no address


def test_a_failed_email_shows_and_the_in_app_notice_stays(
    new_complaint, staff, run_tasks, settings
):
    settings.EMAIL_BACKEND = "ontong.complaints.tests.test_reminders.BrokenBackend"
    staff["road"].email = "road@city.example"
    staff["road"].save()
    assigned_case(new_complaint, staff, due=at(2026, 12, 2, 18))
    reminders.send_due_reminders(now=at(2026, 12, 1, 10))
    run_tasks()
    note = Notification.objects.get(user=staff["road"])
    assert note.email == "failed" and "SMTP down" in note.email_error


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_daily_digest_once_per_department_per_working_day(new_complaint, staff):
    assigned_case(new_complaint, staff, due=at(2026, 12, 1, 18))  # overdue on 12-02
    assigned_case(new_complaint, staff, due=at(2026, 12, 2, 18))  # due today
    assert reminders.send_daily_digests(now=at(2026, 12, 2, 8)) == 0  # before 08:30
    assert reminders.send_daily_digests(now=at(2026, 12, 2, 8, 45)) == 1
    assert reminders.send_daily_digests(now=at(2026, 12, 2, 11)) == 0
    digest = Notification.objects.get(user=staff["road_mgr"], kind="digest")
    assert "열린 민원 2건" in digest.subject and "기한 경과 1건" in digest.subject
    assert "오늘 기한: 1건" in digest.body
    assert not Notification.objects.filter(user=staff["traffic"], kind="digest").exists()
    assert reminders.send_daily_digests(now=at(2026, 12, 5, 9)) == 0  # Saturday
    assert Digest.objects.count() == 1


def test_notifications_page_lists_and_marks_read(client, new_complaint, staff):
    complaint = assigned_case(new_complaint, staff, due=at(2026, 12, 2, 18))
    reminders.send_due_reminders(now=at(2026, 12, 3, 9))
    client.force_login(staff["road"])
    page = client.get("/queue/").content.decode()
    assert 'data-testid="unread-count">1<' in page
    page = client.get("/notifications/").content.decode()
    assert complaint.receipt_no in page and "[기한 경과]" in page
    client.post("/notifications/")
    assert not Notification.objects.filter(user=staff["road"], read_at__isnull=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_send_each_reminder_and_progress_notice_once(staff, worker_processes):
    """Two real `ontong worker --batch` processes sweep the same database at the same time."""
    if connection.vendor != "postgresql":
        pytest.skip("two worker processes share a database server on PostgreSQL")
    from ontong.complaints.services import Intake, receive_complaint

    road = Department.objects.get(name="도로과")
    now = timezone.now()
    for i in range(15):
        c = receive_complaint(
            Intake(channel="web", body=f"도로 파손 {i}", received_at=now - dt.timedelta(days=40))
        )
        c = perform(c, "assign", staff["triage"], department=road, assignee=staff["road"].pk)
        Complaint.objects.filter(pk=c.pk).update(due_at=now - dt.timedelta(hours=1))
    worker_processes(2)
    assert Reminder.objects.count() == 15
    assert Notification.objects.filter(user=staff["admin"], kind="overdue").count() == 15
    assert Message.objects.filter(purpose=Message.Purpose.PROGRESS).count() == 15
