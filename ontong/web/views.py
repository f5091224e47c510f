"""Staff workspace: 접수함, 부서함, search, the complaint page and its actions."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ontong import geo, images
from ontong.accounts.network import client_ip
from ontong.complaints import approval, notices, reports, saved_replies
from ontong.complaints.access import (
    consulted_cases,
    consulting,
    get_visible_complaint,
    handles_case,
    may_see_access_log,
    visible_complaints,
)
from ontong.complaints.models import (
    ACCESS_LOG_ACTIONS,
    CLOCK_STOPPED,
    FINAL_STATES,
    Attachment,
    Complaint,
    Event,
    Kind,
    Message,
    Notification,
    Satisfaction,
    State,
)
from ontong.complaints.services import recent_departments
from ontong.complaints.workflow import (
    ACTIONS,
    RECEIPT_NO,
    WorkflowError,
    approve_draft,
    available_actions,
    perform,
)
from ontong.org.models import Department, Role, User
from ontong.org.search import grouped, search_departments
from ontong.routing import similar
from ontong.routing.suggest import suggest
from ontong.tabular import to_xlsx

from . import case_map, fastpoll
from . import inbox as views_service
from .filters import (
    ListFilter,
    ReportPeriod,
    UncountedPage,
    export_csv,
    export_xlsx,
    page_number,
)
from .forms import SavedReplyForm
from .nav import may_open
from .poll import listed_values, poll_response

PAGE_SIZE = 50
REVEAL_SECONDS = 600
MAX_QUERY = 50  # characters of a department search; names are far shorter


def require_page(request, name: str) -> None:
    """The same rule as the menu's: a page not offered is not there (404)."""
    if not may_open(request.user, name):
        raise Http404


@login_required
def home(request):
    for name in ("web:inbox", "web:queue", "publishing:desk"):
        if may_open(request.user, name):
            return redirect(name)
    return render(request, "web/no_role.html", {"is_pr": False})


def list_page(
    request,
    queryset,
    *,
    title,
    template="web/list.html",
    poll=False,
    extra=None,
    query=None,
    count=None,
):
    """`count`: how many cases `queryset` holds, when the caller has counted them already (an
    inbox view's tab); used while no filter narrows the list."""
    queryset = queryset.select_related("department", "area", "assignee")
    filters = ListFilter(request.GET or None)
    if request.GET:
        queryset = filters.apply(queryset)
    refused = filters.is_bound and not filters.is_valid()
    export = request.GET.get("export")
    if export in {"csv", "xlsx"} and not refused:
        return export_response(queryset, export, title)
    searching = filters.is_bound and not refused and bool(filters.cleaned_data["q"].strip())
    narrowed = filters.is_bound and any(request.GET.get(name) for name in filters.fields)

    def page_of(rows) -> UncountedPage | Page:
        if searching:
            return UncountedPage(rows, request.GET.get("page"), PAGE_SIZE)
        paginator = Paginator(rows, PAGE_SIZE)
        if count is not None and not narrowed:
            paginator.count = count  # a cached_property: counted already
        return paginator.get_page(page_number(request.GET.get("page")))

    if poll and not refused and request.htmx and request.htmx.trigger == "poll":
        # The poll reads what the rows show; whole cases only for rows it must draw anew.
        return poll_response(request, queryset, page_of(listed_values(queryset)), extra)
    page = page_of(queryset)
    context = {
        "page": page,
        "filters": filters,
        "title": title,
        "poll": poll,
        "query": request.GET.urlencode() if query is None else query,
        **(extra or {}),
    }
    status = 400 if refused else 200
    if request.htmx and request.htmx.target == "rows":
        return render(request, "web/_rows.html", context, status=status)
    return render(request, template, context, status=status)


def export_response(queryset, export: str, title: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if export == "csv":
        response = HttpResponse(export_csv(queryset), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            export_xlsx(queryset),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="ontong-{stamp}.{export}"'
    return response


@login_required
def inbox(request):
    """접수함: the 미배정 view — new and unassigned, newest first."""
    require_page(request, "web:inbox")
    return inbox_page(request, views_service.BY_KEY["unassigned"], _("접수함"))


@login_required
def queue(request):
    """부서함: the inbox views as tabs (/queue/?view=<key>); without a view, the one this person
    chose last, else their role's default (우리 부서 for a department's staff)."""
    require_page(request, "web:queue")
    view = views_service.choose_view(request.user, request.GET.get("view"))
    if view is None:
        raise Http404
    return inbox_page(request, view, _("부서함"))


def inbox_page(request, view, title):
    """One inbox view: its tabs with counts and unread counts, its rows, the live poll and the
    bulk toolbar. The poll sends the token of what it last saw; when nothing changed anywhere in
    the person's open cases the answer is an empty 204 after one cheap query (change_token)."""
    polling = bool(request.htmx and request.htmx.trigger == "poll")
    if not (polling and fastpoll.enabled()):
        return inbox_answer(request, view, title, polling)
    # The versions are read before the cases: a change committed in between leaves the ticket
    # behind it, and the next poll comes here again (decision 0004).
    keys = fastpoll.viewer_keys(request.user)
    seen = fastpoll.versions_read(keys)
    response = inbox_answer(request, view, title, polling)
    if seen is not None:
        fastpoll.attach_ticket(request, response, keys, seen)
    return response


def inbox_answer(request, view, title, polling):
    user = request.user
    token = views_service.change_token(user)
    if polling and request.GET.get("since") == token:
        return HttpResponse(status=204)
    overview = views_service.summary(user, token)
    rest = request.GET.copy()
    for key in ("view", "page", "since", "shown", "export"):
        rest.pop(key, None)
    query = f"view={view.key}" + (f"&{rest.urlencode()}" if rest else "")
    bulk = bulk_choices(user, view)
    return list_page(
        request,
        views_service.cases(user, view),
        title=title,
        template="web/list.html",
        poll=True,
        query=query,
        count=next((tab.count for tab in overview.tabs if tab.view == view), None),
        extra={
            "view": view,
            "tabs": overview.tabs,
            "token": overview.token,
            "tab_url": reverse("web:queue"),
            "bulk": bulk,
            "shortcuts": True,
        },
    )


def bulk_choices(user, view) -> dict | None:
    """The bulk toolbar's actions this person may take at all (each case is still checked)."""
    offered = {
        name
        for name in views_service.BULK_ACTIONS
        if user.has_role(*ACTIONS[name].central_roles, *ACTIONS[name].department_roles)
    }
    if not offered:
        return None
    return {
        "actions": [
            (name, ACTIONS[name].label)
            for name in ("assign", "mark_duplicate", "close_spam")
            if name in offered
        ],
        "departments": Department.objects.filter(is_active=True).order_by("name")
        if "assign" in offered
        else [],
    }


@login_required
@require_POST
def bulk(request):
    """Several chosen cases at once: 배정 at once; 함께 처리 and 스팸 종결 only after a page that
    shows what will happen to which case. Each case goes through workflow.perform and the page
    that follows says, case by case, what was done and what was refused and why."""
    require_page(request, "web:queue")
    action = request.POST.get("action", "")
    chosen = [n for n in request.POST.getlist("selected") if RECEIPT_NO.fullmatch(n)]
    view = views_service.BY_KEY.get(request.POST.get("view", ""))
    back = reverse("web:queue") + (f"?view={view.key}" if view else "")
    came_from = request.POST.get("back", "")
    if came_from.startswith("/complaints/") and url_has_allowed_host_and_scheme(
        came_from, allowed_hosts={request.get_host()}
    ):
        back = came_from
    if action not in views_service.BULK_ACTIONS or not chosen:
        messages.error(request, _("민원을 하나 이상 고르고 처리를 고르세요."))
        return redirect(back)
    original = request.POST.get("original", "").strip()
    if action == "mark_duplicate" and RECEIPT_NO.fullmatch(original) and original not in chosen:
        chosen.insert(0, original)  # the complaint page's 중복 처리: the number typed
    cases, missing = views_service.selected_cases(request.user, chosen)
    confirm = action in {"mark_duplicate", "close_spam"} and not request.POST.get("confirmed")
    if action == "mark_duplicate" and len(cases) < 2:
        if missing:
            messages.error(request, _("그 접수번호의 민원을 찾을 수 없습니다."))
        else:
            messages.error(request, _("함께 처리하려면 민원을 두 건 이상 고르세요."))
        return redirect(back)
    if confirm:
        original = (
            request.POST.get("original")
            or min(cases, key=lambda c: (c.received_at, c.pk)).receipt_no
        )
        return render(
            request,
            "web/bulk_confirm.html",
            {
                "title": _("함께 처리 확인")
                if action == "mark_duplicate"
                else _("스팸·광고 종결 확인"),
                "action": action,
                "cases": cases,
                "missing": missing,
                "original": original,
                "view": view,
                "back": back,
            },
        )
    params = {}
    if action == "assign":
        params["department"] = request.POST.get("department", "")
    if action == "mark_duplicate":
        params["duplicate_of"] = original
    outcomes = views_service.perform_bulk(
        request.user, chosen, action, ip=client_ip(request), **params
    )
    done = sum(1 for o in outcomes if o.ok)
    return render(
        request,
        "web/bulk_result.html",
        {
            "title": _("여러 건 처리 결과"),
            "label": ACTIONS[action].label,
            "outcomes": outcomes,
            "done": done,
            "failed": len(outcomes) - done,
            "back": back,
            "original": params.get("duplicate_of"),
        },
        status=200,
    )


@login_required
def overdue(request):
    """기한 경과 현황: every case past its due time that the viewer may see, most overdue first,
    with a count per department (민원총괄 sees the whole city, officers their department)."""
    require_page(request, "web:overdue")
    queryset = (
        visible_complaints(request.user)
        .filter(due_at__lt=timezone.now())
        .exclude(state__in=CLOCK_STOPPED)
        .order_by("due_at")
    )
    counts = queryset.values("department__name").annotate(n=Count("pk")).order_by("-n")
    return list_page(
        request,
        queryset,
        title=_("기한 경과"),
        template="web/overdue.html",
        extra={"counts": counts},
    )


@login_required
def search(request):
    require_page(request, "web:search")
    return list_page(request, visible_complaints(request.user), title=_("민원 검색"))


def reveal_key(receipt_no: str) -> str:
    return f"reveal:{receipt_no}"


def personal_data_revealed(request, complaint) -> bool:
    if handles_case(request.user, complaint):
        return True
    until = request.session.get(reveal_key(complaint.receipt_no), 0)
    return until > timezone.now().timestamp()


@login_required
def detail(request, receipt_no: str):
    complaint = get_visible_complaint(request.user, receipt_no)
    reveal = personal_data_revealed(request, complaint)
    consulted = (
        None
        if handles_case(request.user, complaint) or request.user.has_role(Role.ADMIN, Role.TRIAGE)
        else consulting(request.user, complaint)
    )
    if consulted is not None:
        # Another department's officer in this one case: recorded as any look at a case's
        # personal data is (개인정보 열람 기록), whatever is masked on the page.
        Event.objects.create(
            complaint=complaint,
            actor=request.user,
            action="consult_viewed",
            ip=client_ip(request),
            note=f"협조 요청으로 열람 ({consulted.department.name})",
        )
    if reveal and complaint.citizen and (complaint.citizen.phone or complaint.citizen.email):
        Event.objects.create(
            complaint=complaint,
            actor=request.user,
            action="personal_data_viewed",
            ip=client_ip(request),
            note="연락처가 보이는 화면을 열람",
        )
    actions = available_actions(request.user, complaint)
    suggestions = []
    routes = may_route(actions)
    if routes:
        suggestions = suggest(complaint)
    similar_cases = similar.similar_cases(complaint)
    views_service.mark_seen(request.user, complaint)
    view = views_service.choose_view(request.user, request.GET.get("view"))
    return render(
        request,
        "web/detail.html",
        {
            "c": complaint,
            "reveal": reveal,
            "thread": complaint.messages.select_related("author").prefetch_related("attachments"),
            "events": complaint.events.exclude(action__in=ACCESS_LOG_ACTIONS).select_related(
                "actor"
            ),
            "access_log": may_see_access_log(request.user, complaint),
            "attachments": complaint.attachments.all(),
            "actions": {a.name: a for a in actions},
            "picker": (
                picker_context(request.user, "", preselect(complaint, suggestions))
                if routes
                else None
            ),
            "officers": User.objects.filter(department=complaint.department, is_active=True)
            if complaint.department
            else User.objects.none(),
            "kinds": Kind.choices,
            "suggestions": suggestions,
            "similar_cases": similar_cases,
            "draft": similar.drafted_answer(similar_cases),
            "same_problem": (
                similar.same_problem(complaint, within=visible_complaints(request.user))
                if complaint.is_open
                else []
            ),
            "repeat": similar.repeated_by_same_person(complaint),
            "duplicates": complaint.duplicates.all(),
            "satisfaction": Satisfaction.objects.filter(complaint=complaint).first(),
            "map": geo.map_config().as_data(),
            "around": (
                views_service.neighbours(request.user, view, complaint)
                if view and consulted is None
                else None
            ),
            "shortcuts": True,
            "notify_on_approval": approval.notify_on_approval(),
            "consulted": consulted,
            "consultations": complaint.consultations.select_related("department"),
            "consult_groups": (
                consult_groups(complaint) if any(a.name == "consult" for a in actions) else []
            ),
            "saved_replies": any(a.name in REPLY_BOXES for a in actions),
        },
    )


@login_required
def cases_map(request):
    """지도: the open cases the viewer may see, by location (pins in clusters, the photo on hover)
    or by 읍면동 (counts on the boundaries), with the lists' filters."""
    require_page(request, "web:cases_map")
    filters = ListFilter(request.GET or None)
    queryset = visible_complaints(request.user)
    if filters.is_bound:
        queryset = filters.apply(queryset)
    if not (filters.is_bound and filters.is_valid() and filters.cleaned_data["state"]):
        queryset = queryset.exclude(state__in=FINAL_STATES | {State.NOTIFIED})  # open ones
    by_area = request.GET.get("view") == "areas"
    points = case_map.points(queryset)
    context = {
        "filters": filters,
        "title": _("민원 지도"),
        "by_area": by_area,
        "points": points.cases,
        "shown": len(points.cases),
        "capped": points.capped,
        "areas": points.areas,
        "unplaced": points.unplaced,
        "query": request.GET.urlencode(),
        "map": geo.map_config().as_data(),
    }
    return render(
        request,
        "web/map.html",
        context,
        status=400 if filters.is_bound and not filters.is_valid() else 200,
    )


# The actions whose text box offers 상용구.
REPLY_BOXES = {"reply", "submit", "revise_draft", "approve", "request_info", "note"}


def may_route(actions) -> bool:
    """Whether these actions include sending the case to a department."""
    return bool({"assign", "reassign"} & {a.name for a in actions})


def preselect(complaint, suggestions) -> Department | None:
    """The top suggestion, unless it is where the complaint already is."""
    for s in suggestions:
        if s.department.pk != complaint.department_id:
            return s.department
    return None


def consult_groups(complaint: Complaint) -> list:
    """The departments a case can ask for input, grouped by 국/실 like the 배정 picker."""
    everyone = list(Department.objects.select_related("parent"))
    others = [d for d in everyone if d.is_active and d.pk != complaint.department_id]
    return grouped(others, everyone)


def picker_context(user, query: str, preselected: Department | None = None) -> dict:
    """The 배정 picker's choices: this person's recent departments, then every department
    grouped by 국/실 — only those matching query when one is typed."""
    everyone = list(Department.objects.select_related("parent"))
    found = search_departments(query, [d for d in everyone if d.is_active])
    matching = set(found)
    return {
        "query": query,
        "count": len(found),
        "recent": [d for d in recent_departments(user) if d in matching],
        "groups": grouped(found, everyone),
        "preselected": preselected,
    }


@login_required
def department_options(request, receipt_no: str):
    """The picker's options for what was typed (htmx), for those who may assign this case."""
    complaint = get_visible_complaint(request.user, receipt_no)
    if not may_route(available_actions(request.user, complaint)):
        raise Http404
    query = request.GET.get("q", "")[:MAX_QUERY]
    return render(
        request,
        "web/_department_options.html",
        {"picker": picker_context(request.user, query), "oob": True},
    )


@login_required
@require_POST
def act(request, receipt_no: str, action: str):
    complaint = get_visible_complaint(request.user, receipt_no)
    if action not in ACTIONS:
        raise Http404
    params = {
        key: request.POST.get(key, "")
        for key in (
            "department",
            "assignee",
            "reason",
            "text",
            "answer",
            "agency",
            "duplicate_of",
            "kind",
            "related",
            "new_due",
            "citizen_consent",
            "people",
            "interest",
            "committee",
            "consult_department",
        )
    }
    try:
        perform(complaint, action, request.user, ip=client_ip(request), **params)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("web:detail", receipt_no=receipt_no)
    messages.success(request, _("'%(action)s' 처리했습니다.") % {"action": ACTIONS[action].label})
    if complaint.pk and not visible_complaints(request.user).filter(pk=complaint.pk).exists():
        return redirect("web:home")
    return redirect("web:detail", receipt_no=receipt_no)


@login_required
@require_POST
def approve(request, receipt_no: str):
    """결재 (with the approver's edit, if any), and the notice when the city notifies on it."""
    complaint = get_visible_complaint(request.user, receipt_no)
    try:
        done = approve_draft(
            complaint, request.user, ip=client_ip(request), answer=request.POST.get("answer")
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("web:detail", receipt_no=receipt_no)
    if done.state == State.NOTIFIED:
        messages.success(request, _("결재하고 민원인에게 처리 결과를 통보했습니다."))
    else:
        messages.success(request, _("결재했습니다. '결과 통보'로 민원인에게 알리세요."))
    return redirect("web:detail", receipt_no=receipt_no)


@login_required
def approvals(request):
    """결재 대기: the drafts this person may approve, the most urgent first."""
    require_page(request, "web:approvals")
    queryset = approval.pending_approval(request.user).order_by("due_at", "received_at")
    # Opened from here, a case's 다음 민원 is the next draft waiting for 결재, not the next case
    # of the person's last 부서함 tab.
    case_view = views_service.BY_KEY["approval"]
    return list_page(request, queryset, title=_("결재 대기"), extra={"case_view": case_view})


@login_required
def consultations(request):
    """협조 요청: the open cases other departments asked this person's department about."""
    require_page(request, "web:consultations")
    queryset = Complaint.objects.filter(consulted_cases(request.user)).order_by("due_at")
    return list_page(request, queryset, title=_("협조 요청"))


@login_required
def saved_reply_options(request, receipt_no: str):
    """The 상용구 list of the reply box, filled in for this case (htmx)."""
    complaint = get_visible_complaint(request.user, receipt_no)
    if not REPLY_BOXES & {a.name for a in available_actions(request.user, complaint)}:
        raise Http404
    query = request.GET.get("q", "")[:MAX_QUERY]
    replies = [
        (reply, saved_replies.fill(reply.body, complaint))
        for reply in saved_replies.for_case(request.user, complaint, query)
    ]
    return render(request, "web/_saved_reply_options.html", {"replies": replies})


@login_required
def saved_replies_page(request, reply=None):
    require_page(request, "web:saved_replies")
    form = SavedReplyForm(request.POST or None, instance=reply, user=request.user)
    if request.method == "POST":
        if reply is not None and request.POST.get("delete"):
            reply.delete()
            messages.success(request, _("상용구를 지웠습니다."))
            return redirect("web:saved_replies")
        if form.is_valid():
            saved = form.save(commit=False)
            saved.updated_by = request.user
            saved.save()
            messages.success(request, _("상용구를 저장했습니다."))
            return redirect("web:saved_replies")
    return render(
        request,
        "web/saved_replies.html",
        {
            "form": form,
            "reply": reply,
            "items": saved_replies.manageable(request.user),
            "title": _("상용구"),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
def saved_reply_list(request):
    return saved_replies_page(request)


@login_required
def saved_reply_edit(request, reply_id: int):
    require_page(request, "web:saved_replies")
    reply = get_object_or_404(saved_replies.manageable(request.user), pk=reply_id)
    return saved_replies_page(request, reply)


@login_required
@require_POST
def reveal(request, receipt_no: str):
    complaint = get_visible_complaint(request.user, receipt_no)
    if not (
        handles_case(request.user, complaint) or request.user.has_role(Role.ADMIN, Role.TRIAGE)
    ):
        raise Http404  # a department asked for its view reads the case, not the citizen's contact
    request.session[reveal_key(receipt_no)] = (
        timezone.now() + dt.timedelta(seconds=REVEAL_SECONDS)
    ).timestamp()
    Event.objects.create(
        complaint=complaint,
        actor=request.user,
        action="personal_data_viewed",
        ip=client_ip(request),
        note=request.POST.get("reason", "")[:200] or "보기 요청",
    )
    return redirect("web:detail", receipt_no=receipt_no)


@login_required
def access_log(request, receipt_no: str):
    """개인정보 열람 기록: who looked at the citizen's personal data, when, from where and why."""
    complaint = get_visible_complaint(request.user, receipt_no)
    if not may_see_access_log(request.user, complaint):
        raise Http404
    return render(
        request,
        "web/access_log.html",
        {
            "c": complaint,
            "entries": complaint.events.filter(action__in=ACCESS_LOG_ACTIONS)
            .select_related("actor")
            .order_by("-created_at", "-id"),
            "title": _("개인정보 열람 기록"),
        },
    )


@login_required
@require_POST
def resend(request, receipt_no: str, message_id: int):
    complaint = get_visible_complaint(request.user, receipt_no)
    message = get_object_or_404(
        Message,
        pk=message_id,
        complaint=complaint,
        delivery__in=[Message.Delivery.FAILED, Message.Delivery.HELD],
    )
    if not (
        "reply" in {a.name for a in available_actions(request.user, complaint)}
        or request.user.has_role(Role.ADMIN)
    ):
        raise Http404
    notices.resend(message)
    Event.objects.create(
        complaint=complaint,
        actor=request.user,
        action="resend",
        ip=client_ip(request),
        note=message.get_purpose_display(),
    )
    messages.success(request, _("다시 발송하도록 대기열에 넣었습니다."))
    return redirect("web:detail", receipt_no=receipt_no)


@login_required
def attachment(request, receipt_no: str, attachment_id: int):
    complaint = get_visible_complaint(request.user, receipt_no)
    item = get_object_or_404(Attachment, pk=attachment_id, complaint=complaint)
    if not item.file:
        raise Http404("사진을 아직 받지 못했습니다.")
    response = images.serve(item.file, f"{complaint.receipt_no}-{item.pk}")
    response["Cache-Control"] = "private, no-store"  # a citizen's photo is personal data
    return response


@login_required
def notifications(request):
    """알림: reminders, escalations, digests and "not solved" answers for this person."""
    mine = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("web:notifications")
    return render(
        request,
        "web/notifications.html",
        {"items": mine.select_related("complaint")[:200], "title": _("알림")},
    )


@login_required
def report(request):
    """통계: per department for a period, with charts and an XLSX export; each viewer sees the
    departments they may see."""
    require_page(request, "web:reports")
    form = ReportPeriod(request.GET)
    start, end = form.period(timezone.localdate())
    # A case another department asked this one about is not this department's work to count.
    data = reports.build(start, end, visible_complaints(request.user, consulted=False))
    status = 200 if form.is_valid() else 400
    if request.GET.get("export") == "xlsx" and status == 200:
        rows = [r.values() for r in [*data.rows, data.total]]
        body = to_xlsx([label for _, label in reports.COLUMNS], rows, title=f"{start}~{end}")
        response = HttpResponse(
            body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="ontong-report-{start}-{end}.xlsx"'
        return response
    chart = {
        "departments": [r.department for r in data.rows[:15]],
        "received": [r.received for r in data.rows[:15]],
        "answered": [r.answered for r in data.rows[:15]],
        "on_time": [r.on_time for r in data.rows[:15]],
        "months": [m for m, _, _ in data.by_month],
        "month_received": [n for _, n, _ in data.by_month],
        "month_answered": [n for _, _, n in data.by_month],
        "labels": {"received": _("접수"), "answered": _("답변"), "on_time": _("기한 내 답변")},
    }
    return render(
        request,
        "web/report.html",
        {
            "report": data,
            "form": form,
            "columns": reports.COLUMNS,
            "chart": chart,
            "title": _("통계"),
            # 민원총괄's monthly open-data file (ontong.api.opendata, served at /opendata/).
            "open_data": request.user.has_role(Role.ADMIN),
            "open_data_month": (timezone.localdate().replace(day=1) - dt.timedelta(days=1)),
        },
        status=status,
    )
