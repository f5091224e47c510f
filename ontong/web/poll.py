"""The 접수함/부서함 poll: the page sends the rows it shows; the answer holds only the difference."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from ontong.complaints.workflow import RECEIPT_NO
from ontong.web import rows

MAX_SHOWN = 100


def row_version(complaint) -> str:
    """The version a loaded case's row carries (see rows.version)."""
    deadlines = (complaint.due_at, complaint.routing_due_at)
    return rows.version(
        complaint.updated_at,
        getattr(complaint, "unread", False),
        rows.time_mark(deadlines, timezone.now()),
    )


def shown_rows(request) -> dict[str, str]:
    """The rows the polling page shows, as receipt number → version (junk is ignored)."""
    shown = {}
    for value in request.GET.getlist("shown")[:MAX_SHOWN]:
        receipt_no, _sep, version = value.partition("@")
        if RECEIPT_NO.fullmatch(receipt_no) and len(version) <= 30:
            shown[receipt_no] = version
    return shown


def listed_values(queryset):
    """What the poll reads of a list's rows: what each shows (rows.SHOWN), no whole case."""
    return queryset.values_list(*rows.SHOWN)


def poll_response(request, queryset, page, context=None):
    """The 접수함/부서함 poll: only what differs from the rows the page shows — new rows added on
    top and marked, changed rows redrawn, rows that left the list removed; nothing else is
    touched, so focus, scroll and selection stay where the person left them.

    `page` holds the first rows as listed_values(); rows are drawn from those values (no case is
    read whole), and in a burst, when every 접수담당 polls the same new rows, once per process."""
    shown = shown_rows(request)
    listed = by_number(page)
    env = rows.environment()  # one clock for comparing and drawing the rows
    fresh = [no for no in listed if no not in shown]
    elsewhere = [no for no in shown if no not in listed]
    # Rows pushed off the first page stay where the person is looking, until the page would
    # hold more than the poll reads back (MAX_SHOWN; and its URL would outgrow what a server
    # takes): then they go, and the page is the first page again.
    overflow = len(shown) + len(fresh) > MAX_SHOWN
    still_listed = (
        {} if overflow else by_number(listed_values(queryset.filter(receipt_no__in=elsewhere)))
    )
    changed = [
        values
        for no, values in [*listed.items(), *still_listed.items()]
        if no in shown and shown[no] != rows.version_of(values, env[-1])
    ]
    gone = sorted(set(elsewhere) - set(still_listed))
    context = context or {}
    # An inbox view's tabs: their counts changed even when this view's rows did not.
    since = request.GET.get("since")
    moved = bool(context.get("token")) and since is not None and since != context["token"]
    if not (fresh or changed or gone or moved):
        return HttpResponse(status=204)
    drawn = draw_rows(
        [(listed[no], True, False) for no in fresh] + [(v, False, True) for v in changed],
        context,
        env,
    )
    # Without the request: the page's menu and badges (context processors, SQL) are not in it.
    html = render_to_string(
        "web/_poll.html",
        {
            "fresh": drawn[: len(fresh)],
            "changed": drawn[len(fresh) :],
            "gone": gone,
            "was_empty": not shown,
            "count": page.paginator.count if page.paginator else None,
            "now": timezone.localtime(),
            **{k: context[k] for k in ("tabs", "token", "view", "bulk", "tab_url") if k in context},
        },
    )
    return HttpResponse(html)


def by_number(rows_shown) -> dict[str, tuple]:
    return {values[rows.NUMBER]: values for values in rows_shown}


def draw_rows(wanted: list[tuple], context, env: tuple) -> list:
    """Each (values, new, oob) as its row, drawn from the values the poll read (rows.shown_row):
    the process's copy when it drew the same row already."""
    bulk, view = context.get("bulk"), context.get("view")
    return [
        rows.shown_row(values, new=new, oob=oob, bulk=bulk, view=view, env=env)
        for values, new, oob in wanted
    ]
