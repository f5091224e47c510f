"""Reminders and escalation before and after a due time, staff notifications (in-app and e-mail),
and the daily digest per department.

- the working day before the due day, 09:00: the assignee (or the department's officers) and
  the department's managers;
- the due day, 09:00 (or at once, for a case due the day it arrives): the same people;
- past the due time: the same people and 민원총괄 (escalation).

Each (case, stage, due time) is recorded once under a unique constraint, so a reminder is sent
exactly once however many workers sweep at the same moment; an extension gives a new due time and
so a new round of reminders.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ontong.org.models import ROLE_GROUPS, Department, Role, User

from . import deadlines, hooks, privacy
from .models import CLOCK_STOPPED, Complaint, Digest, Notification, Reminder
from .services import city_holidays
from .tasks import email_notification

log = logging.getLogger(__name__)
Stage = Reminder.Stage
START_OF_DAY = dt.time(9)


def previous_workday(day: dt.date, extra: frozenset[dt.date] = frozenset()) -> dt.date:
    day -= dt.timedelta(days=1)
    while not deadlines.is_workday(day, extra):
        day -= dt.timedelta(days=1)
    return day


def stage_times(
    due_at: dt.datetime, extra: frozenset[dt.date] = frozenset()
) -> dict[str, dt.datetime]:
    """When each stage falls due for this due time (aware datetimes)."""
    local_due = deadlines.to_local_naive(due_at)
    due_day = local_due.date()
    return {
        Stage.DAY_BEFORE: deadlines.as_aware(
            dt.datetime.combine(previous_workday(due_day, extra), START_OF_DAY)
        ),
        Stage.DUE_DAY: deadlines.as_aware(dt.datetime.combine(due_day, START_OF_DAY)),
        Stage.OVERDUE: due_at,
    }


def stage_due(
    complaint: Complaint, now: dt.datetime, extra: frozenset[dt.date] = frozenset()
) -> Reminder.Stage | None:
    """The latest stage that has come for this case now, or None. A stage that fell before the
    case arrived is skipped (a case due today gets no "tomorrow" reminder)."""
    if complaint.due_at is None:
        return None
    times = stage_times(complaint.due_at, extra)
    if now >= times[Stage.OVERDUE]:
        return Stage.OVERDUE
    for stage in (Stage.DUE_DAY, Stage.DAY_BEFORE):
        if now >= times[stage]:
            if stage == Stage.DAY_BEFORE and times[stage] < complaint.received_at:
                return None
            return stage
    return None


def role_members(role: Role) -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=ROLE_GROUPS[role])


def department_and_parents(department: Department | None) -> list[int]:
    ids = []
    while department is not None and department.pk not in ids:
        ids.append(department.pk)
        department = department.parent
    return ids


def recipients(complaint: Complaint, stage: str) -> list[User]:
    """The assignee (or, with none yet, the department's officers), the managers of the
    department or a department above it, and 민원총괄 once the case is overdue."""
    people: dict[int, User] = {}
    if complaint.assignee is not None and complaint.assignee.is_active:
        people[complaint.assignee.pk] = complaint.assignee
    elif complaint.department_id:
        for user in role_members(Role.OFFICER).filter(department_id=complaint.department_id):
            people[user.pk] = user
    managers = role_members(Role.MANAGER).filter(
        department_id__in=department_and_parents(complaint.department)
    )
    for user in managers:
        people[user.pk] = user
    if stage == Stage.OVERDUE:
        for user in role_members(Role.ADMIN):
            people[user.pk] = user
    return list(people.values())


def reminder_subject(complaint: Complaint, stage: Reminder.Stage) -> str:
    assert complaint.due_at is not None  # only cases with a due time get reminders
    when = deadlines.due_date_text(complaint.due_at)
    return {
        Stage.DAY_BEFORE: f"[내일 기한] 민원 {complaint.receipt_no} — {when}까지",
        Stage.DUE_DAY: f"[오늘 기한] 민원 {complaint.receipt_no} — {when}까지",
        Stage.OVERDUE: f"[기한 경과] 민원 {complaint.receipt_no} — {when} 지남",
    }[stage]


def reminder_body(complaint: Complaint) -> str:
    """Title (masked), state and department only: the citizen's personal data never goes into
    a notification or an e-mail."""
    department = complaint.department.name if complaint.department else "미배정"
    assignee = complaint.assignee.get_full_name() if complaint.assignee else "담당자 미지정"
    return (
        f"{privacy.mask_text(complaint.title)}\n상태: {complaint.get_state_display()} · {department} · {assignee}\n"
        f"{settings.SITE_URL}/complaints/{complaint.receipt_no}/"
    )


def notify_staff(
    users: Iterable[User], subject: str, body: str, kind: str, complaint: Complaint | None = None
) -> list[Notification]:
    """In-app notifications, plus an e-mail for each user with an address (sent by the worker in
    the same transaction's wake, never twice)."""
    created = []
    for user in users:
        note = Notification.objects.create(
            user=user,
            complaint=complaint,
            kind=kind,
            subject=subject,
            body=body,
            email=Notification.Email.QUEUED if user.email else Notification.Email.NONE,
        )
        if user.email:
            email_notification.enqueue(note.pk)
        created.append(note)
    return created


def send_reminder(complaint: Complaint, stage: Reminder.Stage) -> bool:
    """Record the stage and notify; False when another worker already did."""
    assert complaint.due_at is not None  # only cases with a due time get reminders
    try:
        with transaction.atomic():
            Reminder.objects.create(complaint=complaint, stage=stage, due_at=complaint.due_at)
            notify_staff(
                recipients(complaint, stage),
                reminder_subject(complaint, stage),
                reminder_body(complaint),
                kind=stage,
                complaint=complaint,
            )
            if stage == Reminder.Stage.OVERDUE:
                hooks.case_event(complaint, "overdue")
    except IntegrityError:
        return False
    return True


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Sweep open cases whose due time is near or past and send each stage once. Earlier stages
    missed while no worker ran are not sent late: only the latest one that applies."""
    now = now or timezone.now()
    extra = city_holidays()
    horizon = now + dt.timedelta(days=10)  # the working day before can be days away over 설/추석
    candidates = (
        Complaint.objects.exclude(state__in=CLOCK_STOPPED)
        .filter(due_at__isnull=False, due_at__lte=horizon)
        .select_related("department__parent", "assignee")
    )
    due = [(c, stage) for c in candidates if (stage := stage_due(c, now, extra))]
    done = set(
        Reminder.objects.filter(complaint__in=[c for c, _ in due]).values_list(
            "complaint_id", "stage", "due_at"
        )
    )
    return sum(send_reminder(c, stage) for c, stage in due if (c.pk, stage, c.due_at) not in done)


def email_notification_now(notification_id: int) -> str:
    """Send one notification's e-mail. The conditional update hands it to one worker only."""
    claimed = Notification.objects.filter(
        pk=notification_id, email=Notification.Email.QUEUED
    ).update(email=Notification.Email.SENDING)
    if not claimed:
        return "not queued"
    note = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        send_mail(
            f"[{settings.CITY_NAME} 온통] {note.subject}",
            note.body,
            settings.DEFAULT_FROM_EMAIL,
            [note.user.email],
        )
    except Exception as exc:  # any mail failure: the in-app notice stays, the failure shows
        log.warning("notification e-mail %s failed: %s", notification_id, exc)
        Notification.objects.filter(pk=notification_id).update(
            email=Notification.Email.FAILED, email_error=str(exc)[:500]
        )
        return "failed"
    Notification.objects.filter(pk=notification_id).update(email=Notification.Email.SENT)
    return "sent"


def digest_lines(
    department: Department, now: dt.datetime
) -> tuple[dict[str, int], list[Complaint]]:
    local_today = deadlines.to_local_naive(now).date()
    end_of_today = deadlines.as_aware(dt.datetime.combine(local_today, dt.time(23, 59, 59)))
    open_cases = (
        Complaint.objects.exclude(state__in=CLOCK_STOPPED)
        .filter(department=department)
        .order_by("due_at")
    )
    counts = {
        "열린 민원": open_cases.count(),
        "기한 경과": open_cases.filter(due_at__lt=now).count(),
        "오늘 기한": open_cases.filter(due_at__gte=now, due_at__lte=end_of_today).count(),
        "새로 배정(24시간)": Complaint.objects.filter(
            department=department,
            events__action__in=["assign", "reassign"],
            events__created_at__gte=now - dt.timedelta(days=1),
        )
        .distinct()
        .count(),
    }
    urgent = list(open_cases.filter(due_at__lte=end_of_today + dt.timedelta(days=1))[:20])
    return counts, urgent


def digest_text(
    department: Department, counts: dict[str, int], urgent: list[Complaint], now: dt.datetime
) -> str:
    lines = [f"{department.name} 민원 현황 ({deadlines.to_local_naive(now):%Y-%m-%d})"]
    lines += [f"- {label}: {n}건" for label, n in counts.items()]
    if urgent:
        lines.append("\n기한이 가까운 민원:")
        lines += [
            f"- {c.receipt_no} {privacy.mask_text(c.title)[:40]} — {deadlines.due_label(c.due_at, now)}"
            for c in urgent
        ]
    return "\n".join(lines)


def send_daily_digests(now: dt.datetime | None = None) -> int:
    """Once per working day from 08:30: each department with open cases gets a summary, to its
    officers and managers. The (department, date) constraint makes it once a day."""
    now = now or timezone.now()
    local = deadlines.to_local_naive(now)
    if local.time() < dt.time(8, 30) or not deadlines.is_workday(local.date(), city_holidays()):
        return 0
    departments = Department.objects.filter(
        pk__in=Complaint.objects.exclude(state__in=CLOCK_STOPPED)
        .filter(department__isnull=False)
        .values("department_id")
    )
    sent = 0
    for department in departments:
        people = User.objects.filter(
            Q(groups__name=ROLE_GROUPS[Role.OFFICER]) | Q(groups__name=ROLE_GROUPS[Role.MANAGER]),
            is_active=True,
            department=department,
        ).distinct()
        if not people:
            continue
        try:
            with transaction.atomic():
                Digest.objects.create(department=department, date=local.date())
                counts, urgent = digest_lines(department, now)
                notify_staff(
                    people,
                    f"[일일 현황] {department.name}: 열린 민원 {counts['열린 민원']}건, 기한 경과 {counts['기한 경과']}건",
                    digest_text(department, counts, urgent, now),
                    kind="digest",
                )
        except IntegrityError:
            continue
        sent += 1
    return sent
