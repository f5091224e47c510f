"""SQL the reports need that Django does not ship."""

from django.db.models import FloatField, Func


class DaysBetween(Func):
    """later − earlier in days (fractional)."""

    output_field = FloatField()
    arity = 2
    arg_joiner = " - "
    template = "(DATE_PART('epoch', %(expressions)s) / 86400.0)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra_context,
        )
