"""A case list row's HTML, drawn once per process for everything it shows.

In a burst every 접수담당 polls the same new rows (20 a second, forty people each drawing the
same sixty rows every 3 s), and drawing a row is most of what a busy poll costs. The key holds
every value `web/_row.html` shows and every choice the viewer's page makes in it, so a changed
case, another view or another language draws a new row. Time enters only as what the row shows of
it: today's date and, for each deadline, whether it is past or within a day — so a row is drawn
again the moment its label or colour would change, and never served stale.

A field added to `web/_row.html` must be added to `row_key` (test_rows checks every one).
"""

import datetime as dt
import threading
from collections import OrderedDict

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation

from ontong.web import poll
from ontong.web.inbox import DUE_SOON

ROW_TEMPLATE = "web/_row.html"
KEPT = 4000  # about a minute of a 60-a-second burst, drawn new and redrawn as each case changes

_rows: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def deadline_side(moment: dt.datetime | None, now: dt.datetime) -> tuple[bool, bool] | None:
    """What a deadline's label and colour depend on besides its date: past, or within a day."""
    if moment is None:
        return None
    return moment < now, moment - now < DUE_SOON


def row_key(case, *, new: bool, oob: bool, bulk: bool, view_key: str | None) -> tuple:
    now = timezone.now()
    return (
        translation.get_language(),
        get_script_prefix(),
        timezone.get_current_timezone_name(),
        timezone.localdate(now),
        new,
        oob,
        bulk,
        view_key,
        case.receipt_no,
        poll.row_version(case),
        case.title,
        case.state,
        case.department.name if case.department_id else None,
        case.area.name if case.area_id else None,
        case.channel,
        case.received_at,
        case.due_at,
        deadline_side(case.due_at, now),
        case.routing_due_at,
        deadline_side(case.routing_due_at, now),
    )


def case_row(case, *, new: bool = False, oob: bool = False, bulk=None, view=None) -> str:
    """The row for `case` as `web/_row.html` draws it, from this process's copy when one was
    drawn for the same values."""
    key = row_key(case, new=new, oob=oob, bulk=bool(bulk), view_key=getattr(view, "key", None))
    with _lock:
        html = _rows.get(key)
        if html is not None:
            _rows.move_to_end(key)
            return html
    html = render_to_string(
        ROW_TEMPLATE, {"c": case, "new": new, "oob": oob, "bulk": bulk, "view": view}
    )
    with _lock:
        _rows[key] = html
        while len(_rows) > KEPT:
            _rows.popitem(last=False)
    return html


def forget_all() -> None:
    """Tests: a template or its strings changed underneath."""
    with _lock:
        _rows.clear()
