"""The story a citizen reads on the status page, in plain words: 접수 → 담당 부서 배정 → 처리 중 →
답변 완료, with dates. Internal steps (결재 대기, 결재) are not named; while the answer waits for
결재 the citizen reads that it is being reviewed ("답변 검토 중")."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from ontong.complaints.models import Complaint, Event, State

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' lazy string


# What happened, as the citizen is told it; any other event is internal and not shown.
EVENT_WORDS = {
    "received": _("접수"),
    "assign": _("담당 부서 배정"),
    "reassign": _("담당 부서 변경"),
    "start": _("처리 시작"),
    "request_info": _("추가 자료 요청"),
    "resume": _("처리 다시 시작"),
    "extend": _("처리기간 연장"),
    "notify": _("답변 완료"),
    "close": _("종결"),
    "reopen": _("다시 처리"),
    "transfer": _("다른 기관으로 이송"),
    "reject": _("처리할 수 없음 안내"),
    "withdraw": _("취하"),
    "mark_duplicate": _("같은 내용의 민원과 함께 처리"),
    "close_repeated": _("같은 내용의 반복 민원으로 종결"),
}
PUBLIC_EVENTS = set(EVENT_WORDS)

ENDINGS: dict[str, str] = {
    State.TRANSFERRED: "transfer",
    State.REJECTED: "reject",
    State.WITHDRAWN: "withdraw",
}
STEPS: list[tuple["str | _StrPromise", set[str], set[str]]] = [
    (_("접수"), {"received"}, {State.RECEIVED}),
    (_("담당 부서 배정"), {"assign", "reassign"}, {State.ASSIGNED}),
    (_("처리 중"), {"start"}, {State.IN_PROGRESS, State.DRAFTED, State.APPROVED, State.NEEDS_INFO}),
    (_("답변 완료"), {"notify"}, {State.NOTIFIED, State.CLOSED}),
]


@dataclass
class Step:
    label: str
    at: datetime | None
    status: str  # "done", "current" or "todo"


def event_words(event: Event) -> str:
    label = EVENT_WORDS.get(event.action, "")
    if event.action == "transfer" and event.complaint.transfer_agency:
        return f"{label}: {event.complaint.transfer_agency}"
    return str(label)


def steps(complaint: Complaint, events: Iterable[Event]) -> list[Step]:
    """The four steps with the date each was first reached; a case that ended another way
    (이송, 반려, 취하) ends with that instead of 답변 완료."""
    first: dict[str, datetime] = {}
    for event in events:
        first.setdefault(event.action, event.created_at)
    first.setdefault("received", complaint.received_at)
    plan = list(STEPS)
    if complaint.state in ENDINGS:
        action = ENDINGS[complaint.state]
        plan[-1] = (EVENT_WORDS[action], {action}, {complaint.state})
    reached = next(
        (i for i, (_label, _actions, states) in enumerate(plan) if complaint.state in states), 0
    )
    result = []
    for i, (label, actions, _states) in enumerate(plan):
        at = min((first[a] for a in actions if a in first), default=None)
        if i < reached:
            status = "done"
        elif i == reached:
            status = "done" if i == len(plan) - 1 else "current"
        else:
            status, at = "todo", None
        result.append(Step(str(label), at, status))
    return result


@dataclass
class Contact:
    department: str
    phone: str


def contact(complaint: Complaint) -> Contact | None:
    """Who the citizen can call about the case: the department, and its phone (or the
    officer's work phone when the department has none)."""
    department = complaint.department
    if department is None:
        return None
    phone = department.phone or (complaint.assignee.work_phone if complaint.assignee else "")
    return Contact(department.name, phone)
