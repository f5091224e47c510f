"""Columns the database computes for the reports (stored generated columns): the month a case
was received in Korean time and the days it waited for its answer, in tenths. Grouping by
stored integers lets a year of a million complaints be counted from an index alone
(bench/scale.py). Korea has no daylight saving time: SQLite's fixed +9 hours is Asia/Seoul."""

from typing import TYPE_CHECKING, Any

from django.db.models import Func, IntegerField

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.expressions import Combinable
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType


class KoreanMonth(Func):
    """YYYYMM of a moment in Korean time."""

    output_field = IntegerField()
    arity = 1
    template = (
        "(date_part('year', timezone('Asia/Seoul', %(expressions)s)) * 100"
        " + date_part('month', timezone('Asia/Seoul', %(expressions)s)))::integer"
    )

    def as_sqlite(
        self, compiler: "SQLCompiler", connection: "BaseDatabaseWrapper", **extra_context: Any
    ) -> "_AsSqlType":
        return self.as_sql(
            compiler,
            connection,
            # No strftime: a % in a generated column's DDL is read as a parameter marker.
            template=(
                "(CAST(substr(datetime(%(expressions)s, '+9 hours'), 1, 4) AS INTEGER) * 100"
                " + CAST(substr(datetime(%(expressions)s, '+9 hours'), 6, 2) AS INTEGER))"
            ),
            **extra_context,
        )


WAIT_BINS_PER_DAY = 10  # the report shows waits to a tenth of a day


class WaitTenths(Func):
    """Whole tenths of a day from the first moment to the second (NULL until answered). The
    epsilon keeps a wait of exactly two days, measured as 1.9999999 in floating point, at 20."""

    output_field = IntegerField()
    arity = 2
    template = (
        f"floor(date_part('epoch', %(expressions)s) * {WAIT_BINS_PER_DAY} / 86400.0 + 1e-6)"
        "::integer"
    )
    arg_joiner = " - "

    def __init__(
        self, earlier: "Combinable | str", later: "Combinable | str", **extra: Any
    ) -> None:
        super().__init__(later, earlier, **extra)

    def as_sqlite(
        self, compiler: "SQLCompiler", connection: "BaseDatabaseWrapper", **extra_context: Any
    ) -> "_AsSqlType":
        # Waits are never negative, so truncation is the floor (SQLite may lack floor()).
        return self.as_sql(
            compiler,
            connection,
            template=f"CAST((julianday(%(expressions)s)) * {WAIT_BINS_PER_DAY} + 1e-6 AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )
