"""Aggregates whose SQL is built once per shape and run again as it is.

The inbox's tab counts and change token are one aggregate query each, asked for on every poll
that finds something new (every 접수담당's poll while messages arrive). Django builds and compiles
such a query — fourteen filtered counts over an unread subquery — in several times the time the
database takes to run it (py-spy of the web workers: 42–62% of those requests). The query's
shape depends only on who asks (their id, roles, departments, the views they are offered), and
the only values that move by themselves are the moments deadlines are compared with (now, and
the 기한 임박 cut-off): so the SQL is captured the first time (not run), kept per shape, and run
again with the moments of the time it runs.
"""

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from django.db import connections, router
from django.db.models import QuerySet

from ontong.complaints.models import Complaint

KEPT = 2000  # shapes kept per process: one or two per person who polls
# The cut-offs a query is built with, found again among its parameters: moments no case is due.
STAND_INS = tuple(dt.datetime(1901, 2, 3, 4, 5, 6, 789012 + n, tzinfo=dt.UTC) for n in range(4))

_kept: OrderedDict[tuple, tuple[str, tuple, tuple[str, ...]] | None] = OrderedDict()
_lock = threading.Lock()


class _Captured(Exception):
    """Raised instead of running the statement whose SQL is being captured."""


def aggregate(
    shape: Hashable,
    build: Callable[..., tuple[QuerySet, dict[str, Any]]],
    *cut_offs: dt.datetime,
) -> dict[str, Any]:
    """build(*cut_offs) → (queryset, aggregates); their aggregate() for these cut-offs, from SQL
    kept for this shape when there is any. Counts come back as the database gives them (ints);
    other values unconverted (a datetime may be a string on SQLite)."""
    connection = connections[router.db_for_read(Complaint)]
    kept = kept_statement(
        (connection.alias, connection.vendor, shape),
        lambda: captured(*build(*STAND_INS[: len(cut_offs)])),
    )
    if kept is None:  # not one plain statement (nothing visible, a literal cut-off): as Django
        queryset, aggregates = build(*cut_offs)
        return queryset.aggregate(**aggregates)
    return run(connection, kept, cut_offs)


def kept_statement(key: tuple, capture: Callable[[], tuple | None]) -> tuple | None:
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    statement = capture()
    with _lock:
        _kept[key] = statement
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return statement


def run(connection, kept: tuple, cut_offs: tuple[dt.datetime, ...]) -> dict[str, Any]:
    """The kept statement with each stand-in replaced by its cut-off of this moment."""
    sql, params, names = kept
    field = Complaint._meta.get_field("due_at")
    moments = {
        field.get_db_prep_value(stand_in, connection): field.get_db_prep_value(moment, connection)
        for stand_in, moment in zip(STAND_INS, cut_offs, strict=False)
    }
    now_params = tuple(moments.get(p, p) if isinstance(p, str | dt.datetime) else p for p in params)
    with connection.cursor() as cursor:
        cursor.execute(sql, now_params)
        row = cursor.fetchone()
    return dict(zip(names, row, strict=True))


def captured(queryset: QuerySet, aggregates: dict[str, Any]) -> tuple | None:
    """The one statement queryset.aggregate(**aggregates) would run, not run; None when it
    would run none or several, or carries the stand-in cut-off as a literal."""
    statements: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, tuple(params or ())))
        raise _Captured

    connection = connections[queryset.db]
    with connection.execute_wrapper(capture):
        try:
            queryset.aggregate(**aggregates)
        except _Captured:
            pass
    if len(statements) != 1 or STAND_INS[0].strftime("%Y-%m-%d") in statements[0][0]:
        return None
    sql, params = statements[0]
    return sql, params, tuple(aggregates)


def forget() -> None:
    """Drop every kept statement (tests that change what a shape means, e.g. the schema)."""
    with _lock:
        _kept.clear()
