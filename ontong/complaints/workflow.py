"""The complaint state machine: the only place a complaint's state changes.

접수 → 배정 → 처리중 → 결재 대기 → 결재완료 → 통보완료 → 종결, with 보완요청, 이송, 반려, 취하.
Each action says from which states it may run, who may run it, and what it needs; an action
that is not allowed raises WorkflowError with a message for the person and changes nothing.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ontong.korean import with_josa
from ontong.org.models import Department, Role, User

from . import approval, deadlines, hooks, notices, satisfaction
from .access import consulting, department_scope, visible_complaints
from .deadlines import as_aware
from .models import FINAL_STATES, Complaint, Consultation, DueFact, Event, Kind, Message, State
from .services import (
    REROUTE_HOURS,
    TRANSFER_HOURS,
    city_holidays,
    compute_due,
    refresh_due,
    reindex,
    routing_due,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' lazy string

S = State
OPEN = frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.DRAFTED, S.APPROVED, S.NEEDS_INFO})
CENTRAL = frozenset({Role.TRIAGE, Role.ADMIN})
DEPT = frozenset({Role.OFFICER, Role.MANAGER})
MAX_TEXT = 20_000
RECEIPT_NO = re.compile(r"\d{4}-\d{6}")


class WorkflowError(Exception):
    pass


@dataclass(frozen=True)
class Action:
    name: str
    label: "str | _StrPromise"
    sources: frozenset[State]
    target: State | None  # None: the state does not change
    central_roles: frozenset[Role] = frozenset()  # may act on any case they can see
    department_roles: frozenset[Role] = frozenset()  # may act on cases of their department
    needs: tuple[str, ...] = ()


class Values(TypedDict, total=False):
    """An action's parameters once validated (`needs`, and the optional ones)."""

    department: Department
    assignee: User
    reason: str
    text: str
    answer: str
    agency: str
    kind: str
    new_due: dt.datetime
    people: int
    interest: str
    duplicate_of: Complaint
    related: Complaint
    citizen_consent: bool
    committee: str
    consult_department: Department


ACTIONS = {
    a.name: a
    for a in [
        Action(
            "assign",
            pgettext_lazy("처리", "배정"),  # the state 배정 reads "Assigned"
            frozenset({S.RECEIVED}),
            S.ASSIGNED,
            CENTRAL,
            needs=("department",),
        ),
        Action(
            "reassign",
            gettext_lazy("재배정"),
            frozenset({S.ASSIGNED, S.IN_PROGRESS, S.NEEDS_INFO}),
            S.ASSIGNED,
            CENTRAL,
            frozenset({Role.MANAGER}),
            needs=("department", "reason"),
        ),
        Action(
            "start",
            gettext_lazy("처리 시작"),
            frozenset({S.ASSIGNED}),
            S.IN_PROGRESS,
            frozenset({Role.ADMIN}),
            DEPT,
        ),
        Action(
            "record_action",
            gettext_lazy("조치 기록"),
            frozenset({S.IN_PROGRESS}),
            None,
            frozenset({Role.ADMIN}),
            DEPT,
            needs=("text",),
        ),
        Action(
            "request_info",
            gettext_lazy("보완 요청"),
            frozenset({S.ASSIGNED, S.IN_PROGRESS}),
            S.NEEDS_INFO,
            frozenset({Role.ADMIN}),
            DEPT,
            needs=("text",),
        ),
        Action(
            "resume",
            gettext_lazy("보완 완료"),
            frozenset({S.NEEDS_INFO}),
            S.IN_PROGRESS,
            frozenset({Role.ADMIN}),
            DEPT,
        ),
        Action(
            "submit",
            gettext_lazy("결과 작성·결재 요청"),
            frozenset({S.IN_PROGRESS}),
            S.DRAFTED,
            frozenset({Role.ADMIN}),
            DEPT,
            needs=("answer",),
        ),
        Action(
            "return_draft",
            gettext_lazy("결재 반려(재작성)"),
            frozenset({S.DRAFTED}),
            S.IN_PROGRESS,
            frozenset({Role.ADMIN}),
            frozenset({Role.MANAGER}),
            needs=("reason",),
        ),
        Action(
            "revise_draft",
            gettext_lazy("답변 고치기"),
            frozenset({S.DRAFTED}),
            None,
            frozenset({Role.ADMIN}),
            frozenset({Role.MANAGER}),
            needs=("answer",),
        ),
        Action(
            "approve",
            gettext_lazy("결재"),
            frozenset({S.DRAFTED}),
            S.APPROVED,
            frozenset({Role.ADMIN}),
            frozenset({Role.MANAGER}),
        ),
        Action(
            "notify",
            gettext_lazy("결과 통보"),
            frozenset({S.APPROVED}),
            S.NOTIFIED,
            frozenset({Role.ADMIN}),
            DEPT,
        ),
        Action("close", gettext_lazy("종결"), frozenset({S.NOTIFIED}), S.CLOSED, CENTRAL, DEPT),
        Action(
            "mark_duplicate",
            gettext_lazy("중복 처리"),
            frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS}),
            S.CLOSED,
            CENTRAL,
            frozenset({Role.MANAGER}),
            needs=("duplicate_of",),
        ),
        Action(
            "close_spam",
            gettext_lazy("스팸·광고로 종결"),
            frozenset({S.RECEIVED}),
            S.CLOSED,
            CENTRAL,
        ),
        Action(
            "transfer",
            gettext_lazy("이송"),
            frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS}),
            S.TRANSFERRED,
            CENTRAL,
            frozenset({Role.MANAGER}),
            needs=("agency", "reason"),
        ),
        Action(
            "reject",
            gettext_lazy("반려"),
            frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.NEEDS_INFO}),
            S.REJECTED,
            frozenset({Role.ADMIN}),
            frozenset({Role.MANAGER}),
            needs=("reason",),
        ),
        Action(
            "withdraw", gettext_lazy("취하"), OPEN, S.WITHDRAWN, CENTRAL, DEPT, needs=("reason",)
        ),
        Action(
            "reply",
            gettext_lazy("민원인에게 답장"),
            OPEN | {S.NOTIFIED},
            None,
            CENTRAL,
            DEPT,
            needs=("text",),
        ),
        Action(
            "set_kind", gettext_lazy("민원 종류 변경"), OPEN, None, CENTRAL, DEPT, needs=("kind",)
        ),
        Action(
            "extend",
            gettext_lazy("처리기간 연장"),
            frozenset({S.ASSIGNED, S.IN_PROGRESS, S.DRAFTED}),
            None,
            frozenset({Role.ADMIN}),
            DEPT,
            needs=("reason", "new_due"),
        ),
        Action(
            "reopen",
            gettext_lazy("다시 처리"),
            frozenset({S.NOTIFIED, S.CLOSED}),
            S.IN_PROGRESS,
            CENTRAL,
            frozenset({Role.MANAGER}),
            needs=("reason",),
        ),
        Action(
            "close_repeated",
            gettext_lazy("반복 민원 종결 (법 제23조)"),
            frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.NEEDS_INFO}),
            S.CLOSED,
            frozenset({Role.ADMIN}),
            frozenset({Role.MANAGER}),
            needs=("reason",),
        ),
        Action(
            "mark_multi_party",
            gettext_lazy("다수인관련민원 지정"),
            OPEN | {S.NOTIFIED},
            None,
            CENTRAL,
            DEPT,
            needs=("people", "interest"),
        ),
        Action(
            "note",
            gettext_lazy("내부 메모"),
            frozenset(State),
            None,
            CENTRAL,
            DEPT,
            needs=("text",),
        ),
        Action(
            "consult",
            gettext_lazy("협조 요청"),
            OPEN,
            None,
            frozenset({Role.ADMIN}),
            DEPT,
            needs=("consult_department", "text"),
        ),
        Action(
            "relate",
            gettext_lazy("관련 민원 연결"),
            frozenset(State),
            None,
            CENTRAL,
            DEPT,
            needs=("related",),
        ),
    ]
}


# What an officer of a department asked for its view (협조 요청) may do on that one case.
CONSULTED_ACTIONS = frozenset({"note"})


def may_act(user: User, action: Action, complaint: Complaint) -> bool:
    if user.has_role(*action.central_roles):
        return True
    if action.name in CONSULTED_ACTIONS and consulting(user, complaint) is not None:
        return True
    return bool(
        user.has_role(*action.department_roles)
        and complaint.department_id
        and complaint.department_id in department_scope(user)
    )


def available_actions(user: User, complaint: Complaint) -> list[Action]:
    return [
        a for a in ACTIONS.values() if complaint.state in a.sources and may_act(user, a, complaint)
    ]


def perform(
    complaint: Complaint, name: str, user: User, ip: str | None = None, **params: Any
) -> Complaint:
    action = ACTIONS.get(name)
    if action is None:
        raise WorkflowError(_("알 수 없는 처리입니다: %(name)s") % {"name": name})
    with transaction.atomic():
        current = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("department", "assignee", "identity", "citizen")
            .get(pk=complaint.pk)
        )
        check_allowed(current, action, user)
        values = validated(action, current, params, user)
        from_state = current.state
        note = APPLY[name](current, user, values)
        if action.target is not None:
            current.state = action.target
        if current.state in FINAL_STATES and not current.closed_at:
            current.closed_at = timezone.now()
        if current.state in FINAL_STATES:
            current.routing_due_at = None
        reindex(current)
        current.save()
        Event.objects.create(
            complaint=current,
            actor=user,
            action=name,
            from_state=from_state,
            to_state=current.state,
            note=note or "",
            ip=ip,
            data={k: str(v.pk if hasattr(v, "pk") else v) for k, v in values.items()},
        )
        hooks.case_event(current, name)
    return current


def approve_draft(
    complaint: Complaint, user: User, ip: str | None = None, answer: str | None = None
) -> Complaint:
    """The approver's one step: the answer as they leave it (an edit is recorded in the
    timeline as "결재자가 답변 수정"), 결재, and — with the city's "결재 후 바로 통보" on — the
    result sent to the citizen. All of it or nothing."""
    with transaction.atomic():
        current = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        if answer is not None and answer.strip() and answer.strip() != current.answer.strip():
            current = perform(current, "revise_draft", user, ip=ip, answer=answer)
        current = perform(current, "approve", user, ip=ip)
        if approval.notify_on_approval():
            current = perform(current, "notify", user, ip=ip)
    return current


AUTOMATIC_ACTIONS = {"assign"}  # never closing, rejecting or transferring: a person decides those


def perform_automatic(complaint: Complaint, name: str, note: str, **params: Any) -> Complaint:
    """The system acting by the city's own setting (auto-assignment above a confidence)."""
    if name not in AUTOMATIC_ACTIONS:
        raise WorkflowError(_("'%(action)s'은(는) 사람만 할 수 있습니다.") % {"action": name})
    action = ACTIONS[name]
    with transaction.atomic():
        current = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        if current.state not in action.sources:
            raise WorkflowError(_("이미 처리되었습니다."))
        values = validated(action, current, params)
        from_state = current.state
        APPLY[name](current, None, values)
        assert action.target is not None  # every automatic action changes the state
        current.state = action.target
        reindex(current)
        current.save()
        Event.objects.create(
            complaint=current,
            action=name,
            from_state=from_state,
            to_state=current.state,
            note=note,
            data={k: str(getattr(v, "pk", v)) for k, v in values.items()},
        )
        hooks.case_event(current, name)
    return current


def check_allowed(complaint: Complaint, action: Action, user: User) -> None:
    if complaint.state not in action.sources:
        raise WorkflowError(
            _("현재 상태(%(state)s)에서는 '%(action)s'을(를) 할 수 없습니다.")
            % {"state": complaint.get_state_display(), "action": action.label}
        )
    if not may_act(user, action, complaint):
        raise WorkflowError(_("'%(action)s' 권한이 없습니다.") % {"action": action.label})


CASE_REFERENCES = {"duplicate_of", "related"}  # checked against what the acting user may see


def validated(
    action: Action, complaint: Complaint, params: dict[str, Any], user: User | None = None
) -> Values:
    values: dict[str, Any] = {}
    for need in action.needs:
        if need in CASE_REFERENCES:
            values[need] = validate_case_reference(params.get(need), complaint, user)
        else:
            values[need] = VALIDATORS[need](params.get(need), complaint)
    if params.get("citizen_consent"):
        values["citizen_consent"] = True
    if params.get("committee"):
        values["committee"] = required_text(gettext_lazy("위원회 심의"), 500)(
            params["committee"], complaint
        )
    if "assignee" in params and params["assignee"]:
        values["assignee"] = validate_assignee(params["assignee"], values.get("department"))
    return cast(Values, values)


def required_text(
    label: "str | _StrPromise", max_length: int = MAX_TEXT
) -> Callable[[str | None, Complaint], str]:
    def check(value: str | None, complaint: Complaint) -> str:
        text = (value or "").strip()
        if not text:
            raise WorkflowError(_("%(label)s을(를) 입력하세요.") % {"label": label})
        if "\x00" in text:
            raise WorkflowError(_("%(label)s에 쓸 수 없는 문자가 있습니다.") % {"label": label})
        if len(text) > max_length:
            raise WorkflowError(
                _("%(label)s이(가) 너무 깁니다 (최대 %(max)s자).")
                % {"label": label, "max": f"{max_length:,}"}
            )
        return text

    return check


M = TypeVar("M", bound=models.Model)


def by_pk(model: type[M], value: object) -> M | None:
    """A model instance from a form value; junk (non-numeric, out of range) finds nothing."""
    if isinstance(value, model):
        return value
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return model._default_manager.filter(pk=pk).first() if 0 < pk < 2**63 else None


def validate_department(value: object, complaint: Complaint) -> Department:
    dept = by_pk(Department, value)
    if dept is None:
        raise WorkflowError(_("배정할 부서를 선택하세요."))
    dept = dept.current()
    if not dept.is_active:
        raise WorkflowError(_("'%(name)s'은(는) 사용하지 않는 부서입니다.") % {"name": dept.name})
    if complaint.department_id == dept.pk:
        raise WorkflowError(_("이미 '%(name)s'에 배정되어 있습니다.") % {"name": dept.name})
    return dept


def validate_assignee(value: object, department: Department | None) -> User:
    user = by_pk(User, value)
    if user is None or not user.is_active or (department and user.department_id != department.pk):
        raise WorkflowError(_("담당자는 배정 부서의 직원이어야 합니다."))
    return user


def validate_case_reference(
    value: object, complaint: Complaint, user: User | None = None
) -> Complaint:
    """Another open case the user may see. The same answer for a number that does not exist, a
    case of another department and a closed one: nothing about other cases is disclosed."""
    number = value.receipt_no if isinstance(value, Complaint) else str(value or "").strip()
    candidates = Complaint.objects.exclude(state__in=FINAL_STATES)
    if user is not None:
        candidates = candidates & visible_complaints(user)
    original = (
        candidates.filter(receipt_no=number).first() if RECEIPT_NO.fullmatch(number) else None
    )
    if original is None:
        raise WorkflowError(_("그 접수번호의 민원을 찾을 수 없습니다."))
    if original.pk == complaint.pk:
        raise WorkflowError(_("자기 자신을 지정할 수 없습니다."))
    return original


def validate_consult_department(value: object, complaint: Complaint) -> Department:
    dept = by_pk(Department, value)
    if dept is None:
        raise WorkflowError(_("협조를 요청할 부서를 선택하세요."))
    dept = dept.current()
    if not dept.is_active:
        raise WorkflowError(_("'%(name)s'은(는) 사용하지 않는 부서입니다.") % {"name": dept.name})
    if complaint.department_id == dept.pk:
        raise WorkflowError(_("담당 부서에는 협조를 요청할 수 없습니다. 다른 부서를 고르세요."))
    return dept


def validate_kind(value: object, complaint: Complaint) -> str:
    if not isinstance(value, str) or value not in Kind.values:
        raise WorkflowError(_("민원 종류를 선택하세요."))
    return value


VALIDATORS: dict[str, Callable[[Any, Complaint], object]] = {
    "department": validate_department,
    "reason": required_text(gettext_lazy("사유")),
    "text": required_text(gettext_lazy("내용")),
    "answer": required_text(gettext_lazy("처리 결과")),
    "agency": required_text(gettext_lazy("이송 기관"), max_length=100),
    "kind": validate_kind,
    "consult_department": validate_consult_department,
    "new_due": lambda value, complaint: validate_new_due(value, complaint),
    "people": lambda value, complaint: validate_people(value),
    "interest": required_text(gettext_lazy("공동의 이해"), max_length=200),
}


def validate_people(value: object) -> int:
    """[법] 제2조6호: 5명 이상이 연명으로 (5세대 이상의 공동이해)."""
    try:
        people = int(str(value or "").strip())
    except ValueError as exc:
        raise WorkflowError(_("연명한 인원을 숫자로 입력하세요.")) from exc
    if people < 5:
        raise WorkflowError(_("다수인관련민원은 5명 이상이 연명한 민원입니다."))
    if people > 1_000_000:
        raise WorkflowError(_("연명한 인원이 너무 큽니다."))
    return people


def validate_new_due(value: object, complaint: Complaint) -> dt.datetime:
    """[영] 제21조: one extension within the original period; a second only with the citizen's
    consent; never a third."""
    try:
        day = (
            value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value or "").strip())
        )
    except ValueError as exc:
        raise WorkflowError(_("새 처리기한 날짜를 YYYY-MM-DD로 입력하세요.")) from exc
    new_due = as_aware(dt.datetime.combine(day, dt.time(18)))
    if complaint.extensions >= 2:
        raise WorkflowError(_("처리기간은 두 번까지만 연장할 수 있습니다."))
    if complaint.due_at and new_due <= complaint.due_at:
        raise WorkflowError(_("새 처리기한은 지금 기한보다 뒤여야 합니다."))
    original = complaint.original_due_at or complaint.due_at
    # "그 민원의 처리기간 범위에서": at most the same period again, counted the same way.
    limit = compute_due(complaint.kind, original) if original else None
    if complaint.extensions == 0 and limit and original and new_due > max(limit, original):
        raise WorkflowError(
            _("첫 연장은 처음 처리기간만큼까지만 할 수 있습니다 (%(limit)s까지).")
            % {"limit": f"{timezone.localtime(limit):%Y-%m-%d %H:%M}"}
        )
    return new_due


def apply_assign(c: Complaint, user: User | None, v: Values) -> str:
    if c.state == S.NEEDS_INFO:  # sent elsewhere while waiting: the clock runs again
        end_pause(c)
    previous = c.department
    c.department = v["department"]
    c.assignee = v.get("assignee")
    # The department now has 3 working hours to take it up or send it on ([영] 제13조).
    c.routing_due_at = routing_due(timezone.now(), REROUTE_HOURS)
    if previous:
        return f"{previous.name} → {c.department.name}: {v.get('reason', '')}".strip(": ")
    return f"{c.department.name}에 배정"


def apply_start(c: Complaint, user: User | None, v: Values) -> str:
    if c.assignee_id is None and user is not None and user.department_id:
        c.assignee = user
    c.routing_due_at = None
    return ""


def apply_record_action(c: Complaint, user: User | None, v: Values) -> str:
    stamp = timezone.localtime().strftime("%m-%d %H:%M")
    c.action_note = f"{c.action_note}\n[{stamp}] {v['text']}".strip()
    return v["text"]


def apply_request_info(c: Complaint, user: User | None, v: Values) -> str:
    DueFact.objects.create(complaint=c, kind=DueFact.Kind.PAUSE, start=timezone.now())
    refresh_due(c)
    notices.queue_notice(
        c, Message.Purpose.INFO_REQUEST, notices.info_request_text(c, v["text"]), user
    )
    return v["text"]


def apply_submit(c: Complaint, user: User | None, v: Values) -> str:
    c.answer = v["answer"]
    c.assignee = c.assignee or user
    approval.request_approval(c, user)
    return "결재를 요청했습니다."


def apply_return_draft(c: Complaint, user: User | None, v: Values) -> str:
    approval.settle_requests(c)
    approval.notify_returned(c, user, v["reason"])
    return v["reason"]


def apply_revise_draft(c: Complaint, user: User | None, v: Values) -> str:
    """The approver edits the draft before approving; the officer's text stays in the timeline."""
    before = c.answer
    c.answer = v["answer"]
    return f"결재자가 답변을 고쳤습니다.\n고치기 전: {before}"


def apply_note(c: Complaint, user: User | None, v: Values) -> str:
    """내부 메모: staff only, never sent (no Message), not on the citizen's page. A note by a
    department asked for its view answers that request."""
    if user is not None:
        request = consulting(user, c)
        if request is not None and request.answered_at is None:
            request.answered_at = timezone.now()
            request.answered_by = user
            request.save(update_fields=["answered_at", "answered_by"])
            approval.answer_consultation(request, user)
    return v["text"]


def apply_consult(c: Complaint, user: User | None, v: Values) -> str:
    department = v["consult_department"]
    if Consultation.objects.filter(
        complaint=c, department=department, answered_at__isnull=True
    ).exists():
        raise WorkflowError(
            _("'%(name)s'에 보낸 협조 요청에 아직 답이 없습니다.") % {"name": department.name}
        )
    request = Consultation.objects.create(
        complaint=c, department=department, question=v["text"], requested_by=user
    )
    approval.request_consultation(request)
    return f"{department.name}: {v['text']}"


def apply_approve(c: Complaint, user: User | None, v: Values) -> str:
    c.approved_by = user
    approval.settle_requests(c)
    return ""


def apply_notify(c: Complaint, user: User | None, v: Values) -> str:
    c.answered_at = timezone.now()
    notices.queue_notice(c, Message.Purpose.RESULT, notices.result_text(c), user)
    notices.tell_followers(c)
    satisfaction.queue_survey(c)
    grouped = list(c.duplicates.all())
    for duplicate in grouped:
        # Everyone who reported the same problem is told the result on their own channel.
        notices.queue_notice(
            duplicate, Message.Purpose.RESULT, notices.result_text(c, for_receipt=duplicate), user
        )
        Event.objects.create(
            complaint=duplicate,
            actor=user,
            action="notify",
            note=f"함께 처리한 {c.receipt_no}의 결과를 통보",
        )
        notices.tell_followers(duplicate)
    extra = f" (같은 문제로 묶인 {len(grouped)}건에도)" if grouped else ""
    return f"처리 결과 통보를 발송 대기열에 넣었습니다{extra}."


def apply_duplicate(c: Complaint, user: User | None, v: Values) -> str:
    c.duplicate_of = v["duplicate_of"]
    c.state_reason = f"{with_josa(c.duplicate_of.receipt_no, '과')} 같은 내용"
    notices.queue_notice(c, Message.Purpose.REPLY, notices.duplicate_text(c, c.duplicate_of), user)
    return c.state_reason


def apply_transfer(c: Complaint, user: User | None, v: Values) -> str:
    """[영] 제13조③: another agency's matter goes there within 8 working hours of receipt."""
    c.transfer_agency, c.state_reason = v["agency"], v["reason"]
    notices.queue_notice(c, Message.Purpose.TRANSFER, notices.transfer_text(c), user)
    limit = routing_due(c.received_at, TRANSFER_HOURS)
    timing = "8근무시간 안" if timezone.now() <= limit else "이송 기한(8근무시간) 넘김"
    return f"{with_josa(v['agency'], '으로')} 이송 ({timing}): {v['reason']}"


def apply_reject(c: Complaint, user: User | None, v: Values) -> str:
    c.state_reason = v["reason"]
    notices.queue_notice(c, Message.Purpose.REJECT, notices.reject_text(c), user)
    return v["reason"]


def apply_withdraw(c: Complaint, user: User | None, v: Values) -> str:
    c.state_reason = v["reason"]
    return v["reason"]


def apply_reply(c: Complaint, user: User | None, v: Values) -> str:
    notices.queue_notice(c, Message.Purpose.REPLY, v["text"], user)
    return ""


def apply_set_kind(c: Complaint, user: User | None, v: Values) -> str:
    before = c.get_kind_display()
    c.kind = v["kind"]
    refresh_due(c)
    return f"{before} → {c.get_kind_display()} (처리기한 재계산)"


def apply_extend(c: Complaint, user: User | None, v: Values) -> str:
    if c.extensions == 1 and not v.get("citizen_consent"):
        raise WorkflowError(_("두 번째 연장은 민원인의 동의가 있어야 합니다."))
    c.original_due_at = c.original_due_at or c.due_at
    DueFact.objects.create(
        complaint=c, kind=DueFact.Kind.EXTENSION, start=timezone.now(), until=v["new_due"]
    )
    refresh_due(c)
    c.extensions += 1
    notices.queue_notice(c, Message.Purpose.EXTENSION, notices.extension_text(c, v["reason"]), user)
    return (
        f"{c.extensions}차 연장: {timezone.localtime(c.due_at):%Y-%m-%d %H:%M}까지 — {v['reason']}"
    )


def apply_relate(c: Complaint, user: User | None, v: Values) -> str:
    c.related.add(v["related"])
    Event.objects.create(
        complaint=v["related"],
        actor=user,
        action="relate",
        note=f"{with_josa(c.receipt_no, '과')} 관련 민원으로 연결",
    )
    return f"{with_josa(v['related'].receipt_no, '과')} 관련 민원으로 연결"


def apply_resume(c: Complaint, user: User | None, v: Values) -> str:
    """[영] 제20조 → 행정절차법 시행령 제11조: the 보완 period, from the day the request was sent
    to the day the answer arrived, both included, does not count against the city."""
    pause = end_pause(c)
    if pause is None:
        return ""
    holidays = city_holidays()
    days = deadlines.paused_days([deadlines.Pause(pause.start, pause.end)])
    workdays = sum(1 for day in days if deadlines.is_workday(day, holidays))
    return (
        f"보완 기간 {workdays}근무일(요청한 날과 보완된 날 포함)을 처리기간에서 빼 "
        f"처리기한 {timezone.localtime(c.due_at):%Y-%m-%d %H:%M}"
    )


def end_pause(c: Complaint) -> DueFact | None:
    pause = c.due_facts.filter(kind=DueFact.Kind.PAUSE, end__isnull=True).last()
    if pause is not None:
        pause.end = timezone.now()
        pause.save(update_fields=["end"])
        refresh_due(c)
    return pause


def apply_reopen(c: Complaint, user: User | None, v: Values) -> str:
    """A case the citizen says is not solved, taken up again: a new period from today."""
    c.answered_at = None
    c.closed_at = None
    DueFact.objects.create(complaint=c, kind=DueFact.Kind.RESTART, start=timezone.now())
    refresh_due(c)
    return f"다시 처리: {v['reason']} (새 처리기한 {timezone.localtime(c.due_at):%Y-%m-%d %H:%M})"


def apply_close_repeated(c: Complaint, user: User | None, v: Values) -> str:
    """[법] 제23조: only when the same content came three or more times and the result was
    notified twice or more; [영] 제26조: a 다수인관련민원 also needs 민원조정위원회's review."""
    flag = hooks.find_repeats(c)
    if flag is None:
        raise WorkflowError(_("같은 내용이 3회 이상 접수된 민원이 아닙니다 (법 제23조)."))
    if flag.answered < 2:
        raise WorkflowError(
            _(
                "앞선 같은 민원에 처리 결과를 2회 이상 통지한 뒤에만 종결할 수 있습니다 (지금 %(n)s회)."
            )
            % {"n": flag.answered}
        )
    if c.multi_party_people and not (v.get("committee") or "").strip():
        raise WorkflowError(
            _("다수인관련민원은 민원조정위원회 심의를 거쳐야 종결할 수 있습니다 (영 제26조).")
        )
    c.state_reason = v["reason"]
    earlier = ", ".join(p.receipt_no for p in flag.previous[:5])
    return f"법 제23조 반복 민원 종결 (앞선 같은 민원: {earlier}; 통지 {flag.answered}회): {v['reason']}"


def apply_mark_multi_party(c: Complaint, user: User | None, v: Values) -> str:
    c.multi_party_people = v["people"]
    c.multi_party_interest = v["interest"]
    return f"다수인관련민원: {v['people']}명 연명, {v['interest']}"


def apply_close_spam(c: Complaint, user: User | None, v: Values) -> str:
    """Advertising or abuse, not a 민원: closed before anyone handles it, and no notice is sent
    (answering spam confirms the address to the sender)."""
    c.state_reason = "스팸·광고: 민원이 아님"
    return c.state_reason


def nothing(c: Complaint, user: User | None, v: Values) -> str:
    return ""


APPLY: dict[str, Callable[[Complaint, User | None, Values], str]] = {
    "assign": apply_assign,
    "reassign": apply_assign,
    "start": apply_start,
    "record_action": apply_record_action,
    "request_info": apply_request_info,
    "resume": apply_resume,
    "submit": apply_submit,
    "return_draft": apply_return_draft,
    "revise_draft": apply_revise_draft,
    "note": apply_note,
    "consult": apply_consult,
    "approve": apply_approve,
    "notify": apply_notify,
    "reopen": apply_reopen,
    "close_repeated": apply_close_repeated,
    "mark_multi_party": apply_mark_multi_party,
    "close": nothing,
    "mark_duplicate": apply_duplicate,
    "close_spam": apply_close_spam,
    "transfer": apply_transfer,
    "reject": apply_reject,
    "withdraw": apply_withdraw,
    "reply": apply_reply,
    "set_kind": apply_set_kind,
    "relate": apply_relate,
    "extend": apply_extend,
}
