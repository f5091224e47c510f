"""The staff inbox: named views of the open cases (미배정, 내 담당, 우리 부서, 결재 대기, 기한
임박/경과, 보완 대기, 모두), their counts and unread marks, the person's last choice, moving to the
next case of a view, and bulk actions.

A view is a condition on the cases the person may see that are still open; each is URL-addressable
(/queue/?view=<key>) and the last one chosen is remembered per person (InboxChoice). A case is
*unread* for a person when the citizen wrote (an inbound message) after that person last opened it,
or the person never opened it since the citizen wrote (CaseSeen). Every change of a case goes
through complaints.workflow.perform, one case at a time, so a refusal for one case leaves the
others done and is reported for that case.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ontong.complaints.access import department_scope, visible_complaints
from ontong.complaints.models import CLOCK_RUNNING, NOT_FINAL, Complaint, Message, State
from ontong.complaints.workflow import ACTIONS, WorkflowError, perform
from ontong.org.models import Role, User

from . import prepared
from .models import CaseSeen, InboxChoice

# 기한 임박: the change token, the lists' colour and when a kept row is drawn again (web.rows)
DUE_SOON = dt.timedelta(hours=24)
EVERY_CASE = 2**62  # a slice that keeps every case (summary)
NEIGHBOURS_LIMIT = 2000  # 다음 민원 looks this far into a view
CASE_ROLES = (Role.TRIAGE, Role.ADMIN, Role.OFFICER, Role.MANAGER)
BY_DUE = ("due_at", "received_at", "pk")
NEWEST = ("-received_at", "-pk")


@dataclass(frozen=True)
class InboxView:
    key: str
    label: Any  # a lazy string
    condition: Callable[[User, dt.datetime], Q]  # the person, the 기한 임박 cut-off
    allowed: Callable[[User], bool]
    order: tuple[str, ...] = BY_DUE
    help: Any = ""


def _roles(*roles: str) -> Callable[[User], bool]:
    return lambda user: user.has_role(*roles)


def due_soon_cut_off() -> dt.datetime:
    """A case due before this moment is 기한 임박 (or overdue)."""
    return timezone.now() + DUE_SOON


def _due_soon(user: User, soon: dt.datetime) -> Q:
    return Q(state__in=CLOCK_RUNNING, due_at__lt=soon)


VIEWS = [
    InboxView(
        "unassigned",
        _("미배정"),
        lambda user, soon: Q(state=State.RECEIVED),
        _roles(Role.TRIAGE, Role.ADMIN),
        NEWEST,
        _("접수되어 아직 부서가 정해지지 않은 민원, 최근 것부터"),
    ),
    InboxView(
        "mine",
        _("내 담당"),
        lambda user, soon: Q(assignee=user),
        _roles(*CASE_ROLES),
        help=_("내가 담당자인 열린 민원, 기한이 급한 것부터"),
    ),
    InboxView(
        "department",
        _("우리 부서"),
        lambda user, soon: Q(department_id__in=department_scope(user)),
        lambda user: bool(user.department_id) and user.has_role(*CASE_ROLES),
        help=_("우리 부서(하위 팀 포함)의 열린 민원"),
    ),
    InboxView(
        "approval",
        _("결재 대기"),
        lambda user, soon: Q(state=State.DRAFTED),
        _roles(Role.ADMIN, Role.OFFICER, Role.MANAGER),
        help=_("답변을 써서 결재를 기다리는 민원"),
    ),
    InboxView(
        "due",
        _("기한 임박/경과"),
        _due_soon,
        _roles(*CASE_ROLES),
        help=_("처리기한이 24시간 안에 오거나 이미 지난 민원"),
    ),
    InboxView(
        "needs_info",
        _("보완 대기"),
        lambda user, soon: Q(state=State.NEEDS_INFO),
        _roles(*CASE_ROLES),
        help=_("민원인에게 보완을 요청하고 답을 기다리는 민원"),
    ),
    InboxView(
        "all",
        _("모두"),
        lambda user, soon: Q(),
        _roles(*CASE_ROLES),
        help=_("볼 수 있는 열린 민원 모두"),
    ),
]
BY_KEY = {view.key: view for view in VIEWS}


def views_for(user: User) -> list[InboxView]:
    return [view for view in VIEWS if user.is_authenticated and view.allowed(user)]


def default_view(user: User) -> InboxView | None:
    offered = views_for(user)
    if not offered:
        return None
    for key in ("unassigned", "department", "mine"):
        if key in BY_KEY and BY_KEY[key] in offered:
            return BY_KEY[key]
    return offered[0]


def choose_view(user: User, asked: str | None) -> InboxView | None:
    """The view asked for (remembered as this person's choice), else the one they chose last,
    else their role's default. A view this person is not offered is never returned."""
    offered = views_for(user)
    choice = InboxChoice.objects.filter(user=user).values_list("view", flat=True).first()
    if asked in BY_KEY and BY_KEY[asked] in offered:
        if asked != choice:  # the poll asks for the same view every 3 s: no write for it
            InboxChoice.objects.update_or_create(user=user, defaults={"view": asked})
        return BY_KEY[asked]
    return remembered_view(user, choice) or default_view(user)


def remembered_view(user: User, choice: str | None = None) -> InboxView | None:
    if choice is None:
        choice = InboxChoice.objects.filter(user=user).values_list("view", flat=True).first()
    view = BY_KEY.get(choice or "")
    return view if view is not None and view in views_for(user) else None


def open_cases(user: User) -> QuerySet[Complaint]:
    return visible_complaints(user).filter(state__in=NOT_FINAL)


def unread_condition(user: User) -> Exists:
    """True for a case the citizen wrote to after this person last opened it."""
    seen_since = CaseSeen.objects.filter(
        user=user, complaint=OuterRef("complaint"), seen_at__gte=OuterRef("created_at")
    )
    return Exists(
        Message.objects.filter(complaint=OuterRef("pk"), direction=Message.Direction.IN).exclude(
            Exists(seen_since)
        )
    )


def cases(user: User, view: InboxView) -> QuerySet[Complaint]:
    """The view's cases in its order, each with `unread` set."""
    return (
        open_cases(user)
        .filter(view.condition(user, due_soon_cut_off()))
        .annotate(unread=unread_condition(user))
        .order_by(*view.order)
    )


@dataclass(frozen=True)
class Tab:
    view: InboxView
    count: int
    unread: int


@dataclass(frozen=True)
class Summary:
    tabs: list[Tab]
    token: str  # change_token(): changes whenever a count, an unread mark or an open case may have


def summary(user: User, token: str | None = None) -> Summary:
    """Every offered view's count and unread count — one query, built once per person's shape
    (web.prepared) — and the poll's token (given, when the caller already has it: taken before
    the counts, so a change between the two shows at the next poll rather than never)."""
    token = token or change_token(user)
    offered = views_for(user)

    def build(soon: dt.datetime) -> tuple[QuerySet[Complaint], dict[str, Any]]:
        aggregates: dict[str, Any] = {}
        for view in offered:
            condition = view.condition(user, soon)
            aggregates[view.key] = Count("pk", filter=condition)
            aggregates[f"{view.key}__unread"] = Count("pk", filter=condition & Q(unread=True))
        # Sliced, so that PostgreSQL reads `unread` once per case from a subquery it cannot
        # flatten, not once per unread count (six correlated subplans: 5.2 → 1 ms, 650 cases).
        cases = open_cases(user).annotate(unread=unread_condition(user))[:EVERY_CASE]
        return cases, aggregates

    row = prepared.aggregate(("summary", *shape(user)), build, due_soon_cut_off())
    return Summary(
        [Tab(view, row[view.key], row[f"{view.key}__unread"]) for view in offered], token
    )


def change_token(user: User) -> str:
    """What the poll compares before anything else: it changes whenever what summary() and the
    rows show may have changed — a visible open case saved (updated_at), one entering or leaving
    the set (count), a deadline (처리기한 or 배정 기한) coming within a day or passing as time
    passes, the day changing, a citizen writing to one (unread) or the person opening one — and
    costs one query without the per-view unread counts."""

    def build(soon: dt.datetime, now: dt.datetime) -> tuple[QuerySet[Complaint], dict[str, Any]]:
        last_inbound = (
            Message.objects.filter(complaint=OuterRef("pk"), direction=Message.Direction.IN)
            .order_by("-pk")
            .values("pk")[:1]
        )
        last_seen = CaseSeen.objects.filter(user=user).order_by("-seen_at").values("seen_at")[:1]
        return open_cases(user), {
            "latest": Max("updated_at"),
            "count": Count("pk"),
            "due": Count("pk", filter=_due_soon(user, soon)),
            "overdue": Count("pk", filter=_due_soon(user, now)),
            "routing_soon": Count("pk", filter=Q(state=State.RECEIVED, routing_due_at__lt=soon)),
            "routing_overdue": Count("pk", filter=Q(state=State.RECEIVED, routing_due_at__lt=now)),
            "inbound": Max(Subquery(last_inbound)),
            "seen": Max(Subquery(last_seen)),
        }

    now = timezone.now()
    scope = shape(user)
    row = prepared.aggregate(("token", *scope), build, now + DUE_SOON, now)
    # The day, too: a row's D-n label counts from it (web.rows.time_mark).
    raw = "|".join(str(value) for value in [*row.values(), timezone.localdate(now)])
    return hashlib.sha256(f"{raw}|{scope[1:]}".encode()).hexdigest()[:16]


def shape(user: User) -> tuple:
    """What the SQL of this person's counts and token depends on, besides the cut-off."""
    return (
        user.pk,
        tuple(sorted(user.roles())),
        tuple(department_scope(user)),
        tuple(v.key for v in views_for(user)),
    )


def mark_seen(user: User, complaint: Complaint) -> None:
    CaseSeen.objects.update_or_create(
        user=user, complaint=complaint, defaults={"seen_at": timezone.now()}
    )


@dataclass(frozen=True)
class Neighbours:
    view: InboxView
    previous: str | None
    next: str | None
    position: int | None  # 1-based, None when the case is no longer in the view
    total: int


def neighbours(user: User, view: InboxView, complaint: Complaint) -> Neighbours:
    """The cases before and after this one in the view. A case that has just left the view (it
    was assigned, answered…) is followed by the view's first case: working down a list, the
    next one has moved up to the top."""
    listed = list(
        open_cases(user)
        .filter(view.condition(user, due_soon_cut_off()))
        .order_by(*view.order)
        .values_list("receipt_no", flat=True)[:NEIGHBOURS_LIMIT]
    )
    if complaint.receipt_no not in listed:
        return Neighbours(view, None, listed[0] if listed else None, None, len(listed))
    at = listed.index(complaint.receipt_no)
    return Neighbours(
        view,
        listed[at - 1] if at > 0 else None,
        listed[at + 1] if at + 1 < len(listed) else None,
        at + 1,
        len(listed),
    )


# Bulk actions -------------------------------------------------------------------------------

BULK_ACTIONS = {"assign", "mark_duplicate", "close_spam"}
MAX_BULK = 100


@dataclass(frozen=True)
class Outcome:
    receipt_no: str
    ok: bool
    message: str
    title: str = ""


def selected_cases(user: User, receipt_nos: list[str]) -> tuple[list[Complaint], list[str]]:
    """The chosen cases this person may see, in the order chosen, and the numbers not found."""
    wanted = list(dict.fromkeys(receipt_nos))[:MAX_BULK]
    found = {
        c.receipt_no: c
        for c in visible_complaints(user).select_related("department").filter(receipt_no__in=wanted)
    }
    return [found[n] for n in wanted if n in found], [n for n in wanted if n not in found]


def perform_bulk(
    user: User, receipt_nos: list[str], action: str, ip: str | None = None, **params: Any
) -> list[Outcome]:
    """The action on each chosen case, each through workflow.perform in its own transaction: what
    one case refuses is reported for that case and the others stay done."""
    if action not in BULK_ACTIONS:
        raise WorkflowError(_("여러 건에 한꺼번에 할 수 없는 처리입니다."))
    found, _missing = selected_cases(user, receipt_nos)
    by_no = {c.receipt_no: c for c in found}
    label = ACTIONS[action].label
    outcomes = []
    for number in list(dict.fromkeys(receipt_nos))[:MAX_BULK]:
        complaint = by_no.get(number)
        if complaint is None:
            outcomes.append(Outcome(number, False, str(_("민원을 찾을 수 없습니다."))))
            continue
        if action == "mark_duplicate" and number == params.get("duplicate_of"):
            continue  # the case the others are merged into stays as it is
        try:
            perform(complaint, action, user, ip=ip, **params)
        except WorkflowError as error:
            outcomes.append(Outcome(number, False, str(error), complaint.title))
        else:
            outcomes.append(Outcome(number, True, str(label), complaint.title))
    return outcomes
