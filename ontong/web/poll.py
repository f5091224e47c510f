"""The 접수함/부서함 poll: the page sends the rows it shows; the answer holds only the difference."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from ontong.complaints.workflow import RECEIPT_NO

MAX_SHOWN = 100


def row_version(complaint) -> str:
    """What a list row was drawn from: it changes whenever the complaint is saved, and when the
    case becomes unread or read for the viewer (inbox views annotate `unread`)."""
    mark = "u" if getattr(complaint, "unread", False) else ""
    return f"{complaint.updated_at.timestamp():.6f}{mark}"


def shown_rows(request) -> dict[str, str]:
    """The rows the polling page shows, as receipt number → version (junk is ignored)."""
    shown = {}
    for value in request.GET.getlist("shown")[:MAX_SHOWN]:
        receipt_no, _sep, version = value.partition("@")
        if RECEIPT_NO.fullmatch(receipt_no) and len(version) <= 30:
            shown[receipt_no] = version
    return shown


def poll_response(request, queryset, page, context=None):
    """The 접수함/부서함 poll: only what differs from the rows the page shows — new rows added on
    top and marked, changed rows redrawn, rows that left the list removed; nothing else is
    touched, so focus, scroll and selection stay where the person left them."""
    shown = shown_rows(request)
    listed = list(page)
    fresh = [c for c in listed if c.receipt_no not in shown]
    on_page = {c.receipt_no for c in listed}
    elsewhere = [no for no in shown if no not in on_page]
    # Rows pushed off the first page stay where the person is looking, until the page would
    # hold more than the poll reads back (MAX_SHOWN; and its URL would outgrow what a server
    # takes): then they go, and the page is the first page again.
    overflow = len(shown) + len(fresh) > MAX_SHOWN
    still_listed = [] if overflow else list(queryset.filter(receipt_no__in=elsewhere))
    changed = [
        c
        for c in [*listed, *still_listed]
        if c.receipt_no in shown and shown[c.receipt_no] != row_version(c)
    ]
    gone = sorted(set(elsewhere) - {c.receipt_no for c in still_listed})
    context = context or {}
    # An inbox view's tabs: their counts changed even when this view's rows did not.
    since = request.GET.get("since")
    moved = bool(context.get("token")) and since is not None and since != context["token"]
    if not (fresh or changed or gone or moved):
        return HttpResponse(status=204)
    # Without the request: the page's menu and badges (context processors, SQL) are not in it.
    html = render_to_string(
        "web/_poll.html",
        {
            "fresh": fresh,
            "changed": changed,
            "gone": gone,
            "was_empty": not shown,
            "count": page.paginator.count if page.paginator else None,
            "now": timezone.localtime(),
            **{k: context[k] for k in ("tabs", "token", "view", "bulk", "tab_url") if k in context},
        },
    )
    return HttpResponse(html)
