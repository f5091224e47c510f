"""A case list row's HTML, drawn once per process for everything it shows.

In a burst every 접수담당 polls the same new rows (20 a second, forty people each drawing the
same sixty rows every 3 s), and drawing a row is most of what a busy poll costs. The key holds
every value `web/_row.html` shows and every choice the viewer's page makes in it, so a changed
case, another view or another language draws a new row. Time enters only as what the row shows of
it: today's date and, for each deadline, whether it is past or within a day — so a row is drawn
again the moment its label or colour would change, and never served stale. The poll reads only
these values (SHOWN) of its rows and draws a row it has not drawn from them (shown_row): a
case is read whole only by the pages that list cases.

A value added to `web/_row.html` must be added to SHOWN and shown_of (test_rows checks them).
"""

import datetime as dt
import threading
from collections import OrderedDict
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from ontong.web.inbox import DUE_SOON

ROW_TEMPLATE = "web/_row.html"
KEPT = 4000  # about a minute of a 60-a-second burst, drawn new and redrawn as each case changes
# What a row shows, as values() reads it from a list's query (the poll reads only these).
SHOWN = (
    "receipt_no",
    "updated_at",
    "unread",
    "title",
    "state",
    "department__name",
    "area__name",
    "channel",
    "received_at",
    "due_at",
    "routing_due_at",
)

NUMBER, UPDATED, UNREAD = 0, SHOWN.index("updated_at"), SHOWN.index("unread")
DEADLINES = SHOWN.index("due_at"), SHOWN.index("routing_due_at")

_rows: OrderedDict[tuple, SafeString] = OrderedDict()
_lock = threading.Lock()


def version(updated_at: dt.datetime, unread: bool, time_mark: str = "") -> str:
    """What the page sends back for a row (`shown`): it changes whenever the complaint is saved,
    when the case becomes unread or read for the viewer (inbox views annotate `unread`), and when
    time changes what the row shows (time_mark)."""
    return f"{updated_at.timestamp():.6f}{'u' if unread else ''}{time_mark}"


def time_mark(deadlines: tuple, now: dt.datetime) -> str:
    """What time alone changes in a row: the day its D-n labels count from and, for each deadline,
    whether it is past or within a day (the label and its colour)."""
    sides = "".join(_side_letter(deadline_side(moment, now)) for moment in deadlines)
    return f"~{timezone.localdate(now):%m%d}{sides}"


def _side_letter(side: tuple[bool, bool] | None) -> str:
    if side is None:
        return "-"
    past, soon = side
    return "p" if past else "s" if soon else "f"


def version_of(shown: tuple, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    return version(
        shown[UPDATED], shown[UNREAD], time_mark(tuple(shown[at] for at in DEADLINES), now)
    )


def shown_of(case) -> tuple:
    """A loaded case's SHOWN values, equal to what values(*SHOWN) reads for it."""
    return (
        case.receipt_no,
        case.updated_at,
        bool(getattr(case, "unread", False)),
        case.title,
        case.state,
        case.department.name if case.department_id else None,
        case.area.name if case.area_id else None,
        case.channel,
        case.received_at,
        case.due_at,
        case.routing_due_at,
    )


def deadline_side(moment: dt.datetime | None, now: dt.datetime) -> tuple[bool, bool] | None:
    """What a deadline's label and colour depend on besides its date: past, or within a day."""
    if moment is None:
        return None
    return moment < now, moment - now < DUE_SOON


def environment() -> tuple:
    """What every row of one page is drawn in: language, script prefix, time zone, now."""
    now = timezone.now()
    return (
        translation.get_language(),
        get_script_prefix(),
        timezone.get_current_timezone_name(),
        timezone.localdate(now),
        now,
    )


def row_key(shown: tuple, *, new: bool, oob: bool, bulk: bool, view_key: str | None, env) -> tuple:
    *drawn_in, now = env
    return (
        *drawn_in,
        new,
        oob,
        bulk,
        view_key,
        *shown,
        *(deadline_side(shown[at], now) for at in DEADLINES),
    )


def kept_row(key: tuple) -> SafeString | None:
    with _lock:
        html = _rows.get(key)
        if html is not None:
            _rows.move_to_end(key)
        return html


def case_row(
    case, *, new: bool = False, oob: bool = False, bulk=None, view=None, env=None
) -> SafeString:
    """The row for a loaded `case` as `web/_row.html` draws it, from this process's copy when one
    was drawn for the same values. `env`: environment(), read once for a page's rows."""
    return _row(shown_of(case), case, new=new, oob=oob, bulk=bulk, view=view, env=env)


def shown_row(
    shown: tuple, *, new: bool = False, oob: bool = False, bulk=None, view=None, env=None
) -> SafeString:
    """The same row drawn from what the poll read of it (SHOWN values), no case read whole."""
    return _row(shown, shown_case(shown), new=new, oob=oob, bulk=bulk, view=view, env=env)


def shown_case(shown: tuple) -> SimpleNamespace:
    """What `web/_row.html` reads of a case, made from its SHOWN values."""
    values = dict(zip(SHOWN, shown, strict=True))

    def named(name: str | None) -> SimpleNamespace | None:
        return None if name is None else SimpleNamespace(name=name)

    return SimpleNamespace(
        **{k: v for k, v in values.items() if "__" not in k},
        department=named(values["department__name"]),
        area=named(values["area__name"]),
    )


def _row(shown: tuple, c, *, new: bool, oob: bool, bulk, view, env) -> SafeString:
    view_key = getattr(view, "key", None)
    key = row_key(
        shown, new=new, oob=oob, bulk=bool(bulk), view_key=view_key, env=env or environment()
    )
    html = kept_row(key)
    if html is not None:
        return html
    html = render_to_string(
        ROW_TEMPLATE, {"c": c, "new": new, "oob": oob, "bulk": bulk, "view": view}
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
