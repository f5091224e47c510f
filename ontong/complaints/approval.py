"""결재 that finds the manager, and 협조 requests that find the other department.

- A 결재 요청 (workflow "submit") notifies the approvers: the 부서관리자 of the case's department,
  or of the nearest department above it that has one; 민원총괄 when no department on the way up
  has a manager, so a request is never addressed to no one. In-app, and by e-mail for those with
  an address (reminders.notify_staff).
- A draft returned for rewriting notifies the officer who wrote it.
- "결재 후 바로 통보" (ApprovalOption, default on): approving also sends the citizen the result.
- A 협조 요청 notifies the other department's officers and managers; their answer (an internal
  note) notifies the person who asked.

Notifications carry the title masked and no personal data, as the reminders do.
"""

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ontong.org.models import ROLE_GROUPS, Department, Role, User

from . import privacy
from .access import department_scope
from .models import ApprovalOption, Complaint, Consultation, Event, Notification, State
from .reminders import notify_staff, role_members


def notify_on_approval() -> bool:
    """The city's "결재 후 바로 통보" (on unless the city turned it off)."""
    option = ApprovalOption.objects.first()
    return True if option is None else option.notify_on_approval


def approvers(complaint: Complaint) -> list[User]:
    """The managers of the case's department, else of the nearest department above it with one;
    민원총괄 when there is none on the way up (or the case has no department)."""
    department: Department | None = complaint.department
    seen: set[int] = set()
    while department is not None and department.pk not in seen:
        seen.add(department.pk)
        managers = list(role_members(Role.MANAGER).filter(department=department).distinct())
        if managers:
            return managers
        department = department.parent
    return list(role_members(Role.ADMIN).distinct())


def pending_approval(user: User) -> QuerySet[Complaint]:
    """결재 대기: drafts this person may approve (민원총괄 all; a manager their departments')."""
    drafts = Complaint.objects.filter(state=State.DRAFTED)
    if user.has_role(Role.ADMIN):
        return drafts
    if user.has_role(Role.MANAGER):
        return drafts.filter(department_id__in=department_scope(user))
    return drafts.none()


def case_link(complaint: Complaint) -> str:
    return f"{settings.SITE_URL}/complaints/{complaint.receipt_no}/"


def request_approval(complaint: Complaint, officer: User | None) -> None:
    who = (officer.get_full_name() or officer.username) if officer else _("담당자")
    # A manager who writes the answer themselves is not told of their own request.
    people = [person for person in approvers(complaint) if officer is None or person != officer]
    notify_staff(
        people,
        _("[결재 요청] 민원 %(no)s") % {"no": complaint.receipt_no},
        _("%(who)s 님이 처리 결과의 결재를 요청했습니다.\n%(title)s\n%(link)s")
        % {"who": who, "title": privacy.mask_text(complaint.title), "link": case_link(complaint)},
        kind="approval",
        complaint=complaint,
    )


def settle_requests(complaint: Complaint) -> int:
    """The draft was approved or returned: the 결재 요청 notices still unread (by every approver
    who was asked) no longer ask anything of anyone."""
    return Notification.objects.filter(
        complaint=complaint, kind="approval", read_at__isnull=True
    ).update(read_at=timezone.now())


def drafter(complaint: Complaint) -> User | None:
    """Who asked for this 결재: the last "submit" on the case, else the assignee."""
    last = (
        Event.objects.filter(complaint=complaint, action="submit", actor__isnull=False)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None and last.actor is not None and last.actor.is_active:
        return last.actor
    return complaint.assignee


def notify_returned(complaint: Complaint, approver: User | None, reason: str) -> None:
    officer = drafter(complaint)
    if officer is None:
        return
    notify_staff(
        [officer],
        _("[결재 반려] 민원 %(no)s — 답변을 다시 써 주세요") % {"no": complaint.receipt_no},
        _("반려 사유: %(reason)s\n%(title)s\n%(link)s")
        % {
            "reason": privacy.mask_text(reason),
            "title": privacy.mask_text(complaint.title),
            "link": case_link(complaint),
        },
        kind="approval_returned",
        complaint=complaint,
    )


def request_consultation(consultation: Consultation) -> None:
    people = User.objects.filter(
        Q(groups__name__in=[ROLE_GROUPS[Role.OFFICER], ROLE_GROUPS[Role.MANAGER]]),
        is_active=True,
        department=consultation.department,
    ).distinct()
    complaint = consultation.complaint
    notify_staff(
        people,
        _("[협조 요청] 민원 %(no)s — %(dept)s")
        % {
            "no": complaint.receipt_no,
            "dept": complaint.department.name if complaint.department else "",
        },
        _("요청 내용: %(question)s\n%(title)s\n%(link)s")
        % {
            "question": privacy.mask_text(consultation.question),
            "title": privacy.mask_text(complaint.title),
            "link": case_link(complaint),
        },
        kind="consult",
        complaint=complaint,
    )


def answer_consultation(consultation: Consultation, user: User) -> None:
    asker = consultation.requested_by
    if asker is None or not asker.is_active:
        asker = consultation.complaint.assignee
    if asker is None:
        return
    complaint = consultation.complaint
    notify_staff(
        [asker],
        _("[협조 의견] 민원 %(no)s — %(dept)s")
        % {"no": complaint.receipt_no, "dept": consultation.department.name},
        _("%(dept)s에서 의견을 남겼습니다. 처리 경과의 내부 메모를 보세요.\n%(link)s")
        % {"dept": consultation.department.name, "link": case_link(complaint)},
        kind="consult_answer",
        complaint=complaint,
    )
