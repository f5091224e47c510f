"""One mechanism for everything the city sends out and must send once: citizen notices
(`complaints.Message`), posts to the city's accounts (`publishing.Target`), and whatever comes
next (outbound webhooks).

An item waits → one worker claims it (sending) → it is done, or waits again after a backoff
(temporary error), or failed (permanent error, or too many attempts), or unknown (the send may
have arrived: check before sending again, never resend blindly). A claim older than its lease was
cut off by a dead worker and is not trusted either.

Each model keeps its own status field and words for the states (`States`); the bookkeeping
fields and the transitions are here, so the two cannot drift apart.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from django.db import connection, models
from django.db.models import F, Q
from django.utils import timezone


@dataclass(frozen=True)
class States:
    """Which field holds an item's status and the value it takes at each step."""

    field: str
    waiting: str
    sending: str
    unknown: str
    done: str
    failed: str


@dataclass(frozen=True)
class Backoff:
    """The n-th failed attempt waits first × 2^(n-1); the max_attempts-th failure is final."""

    first: dt.timedelta
    max_attempts: int

    def delay(self, attempts: int) -> dt.timedelta:
        return self.first * 2 ** max(attempts - 1, 0)


class Outbound(models.Model):
    """The bookkeeping every outbound item keeps. A subclass names its status field and values
    in `states`; the claim token is the attempt number (see claim)."""

    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)  # when the last claim was taken

    states: ClassVar[States]

    class Meta:
        abstract = True


def write(item: Outbound, only_if: Collection[str] = (), **values: Any) -> int:
    """Update the row (only while its status is one of only_if, when given) and, if it changed,
    the instance too."""
    rows = type(item)._default_manager.filter(pk=item.pk)
    if only_if:
        rows = rows.filter(**{f"{item.states.field}__in": only_if})
    changed = rows.update(**values)
    if changed:
        for name, value in values.items():
            if not hasattr(value, "resolve_expression"):
                setattr(item, name, value)
    return changed


def due(queryset: models.QuerySet, now: dt.datetime | None = None) -> models.QuerySet:
    """Waiting items whose time has come."""
    states = queryset.model.states
    now = now or timezone.now()
    return queryset.filter(**{states.field: states.waiting}).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def claim(item: Outbound, now: dt.datetime | None = None) -> bool:
    """waiting → sending by one conditional UPDATE, so two workers never send the same item:
    PostgreSQL makes the second UPDATE wait for the first's row lock and then re-check the status
    (0 rows); SQLite runs one writer at a time. The attempt number read with the item is part of
    the condition: a stale copy (the item was sent and queued again meanwhile) claims nothing."""
    states, now = item.states, now or timezone.now()
    claimed = (
        type(item)
        ._default_manager.filter(
            pk=item.pk, attempts=item.attempts, **{states.field: states.waiting}
        )
        .update(**{states.field: states.sending}, attempts=F("attempts") + 1, attempted_at=now)
    )
    if claimed:
        setattr(item, states.field, states.sending)
        item.attempts += 1
        item.attempted_at = now
    return bool(claimed)


Item = TypeVar("Item", bound="Outbound")


def claim_many(items: list[Item], now: dt.datetime | None = None) -> list[Item]:
    """claim() for items read together: one UPDATE … RETURNING per attempt number among them
    (usually one), under the same conditions; the items this call claimed, in their order."""
    now = now or timezone.now()
    by_attempts: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_attempts[item.attempts].append(item)
    claimed: set[int] = set()
    for attempts, group in by_attempts.items():
        claimed |= claim_rows(type(group[0]), [item.pk for item in group], attempts, now)
    mine = [item for item in items if item.pk in claimed]
    for item in mine:
        setattr(item, item.states.field, item.states.sending)
        item.attempts += 1
        item.attempted_at = now
    return mine


def claim_rows(model: type[Outbound], pks: list[int], attempts: int, now: dt.datetime) -> set[int]:
    # RETURNING tells which rows this UPDATE moved (SQLite ≥ 3.35 and PostgreSQL have it; the
    # ORM's update() only counts them). Names come from the model, values are parameters.
    quote, states = connection.ops.quote_name, model.states
    status, pk = quote(column_of(model, states.field)), quote(column_of(model, "pk"))
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {status} = %s, "  # noqa: S608
        f"{quote('attempts')} = {quote('attempts')} + 1, {quote('attempted_at')} = %s "
        f"WHERE {pk} IN ({', '.join(['%s'] * len(pks))}) "
        f"AND {quote('attempts')} = %s AND {status} = %s RETURNING {pk}"
    )
    params = [states.sending, connection.ops.adapt_datetimefield_value(now), *pks]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, attempts, states.waiting])
        return {row[0] for row in cursor.fetchall()}


def column_of(model: type[models.Model], name: str) -> str:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column  # a concrete field of the table
    return field.column


def claim_due(queryset: models.QuerySet, now: dt.datetime | None = None) -> Iterator[Outbound]:
    """The due items, each claimed just before it is handed out (a worker that dies leaves at
    most the item it was sending in limbo, not the whole batch)."""
    for item in due(queryset, now):
        if claim(item, now):
            yield item


def record_success(item: Outbound, **fields: Any) -> str:
    states = item.states
    write(item, **{states.field: states.done}, last_error="", next_attempt_at=None, **fields)
    return states.done


def record_permanent_failure(item: Outbound, error: str) -> str:
    states = item.states
    write(item, **{states.field: states.failed}, last_error=error, next_attempt_at=None)
    return states.failed


def record_temporary_failure(
    item: Outbound, error: str, backoff: Backoff, retry_in: dt.timedelta | None = None
) -> str:
    """Wait and try again, or fail after backoff.max_attempts. retry_in: not a failure (the
    platform is still working on it), so it neither backs off nor counts toward giving up."""
    if retry_in is None and item.attempts >= backoff.max_attempts:
        return record_permanent_failure(item, f"{item.attempts}회 시도 후 실패: {error}")
    delay = retry_in if retry_in is not None else backoff.delay(item.attempts)
    states = item.states
    write(
        item,
        **{states.field: states.waiting},
        last_error=error,
        next_attempt_at=timezone.now() + delay,
    )
    return states.waiting


def record_unknown(item: Outbound, error: str) -> str:
    """The send may have arrived (timeout): nothing sends it again until a check says it did not."""
    states = item.states
    write(item, **{states.field: states.unknown}, last_error=error, next_attempt_at=None)
    return states.unknown


def record_check(
    item: Outbound, found: dict[str, Any] | None, not_found: str, now: dt.datetime | None = None
) -> bool:
    """The outcome of looking for an unknown item on the platform: found (with what to store,
    e.g. its id) → done; not there → waiting, sent again now. Only an item still unknown moves
    (returns whether it did), so a check racing another worker's check cannot send twice."""
    states = item.states
    if found is not None:
        values = {states.field: states.done, "last_error": "", **found}
    else:
        values = {states.field: states.waiting, "last_error": not_found}
    return bool(
        write(
            item,
            only_if=(states.unknown,),
            next_attempt_at=None if found is not None else now or timezone.now(),
            **values,
        )
    )


def requeue(item: Outbound, only_if: tuple[str, ...], **fields: Any) -> bool:
    """Back to waiting, to be sent now: only from the given states, so of two callers (a person's
    resend, a sweep) one moves it."""
    states = item.states
    values = {states.field: states.waiting, "next_attempt_at": None}
    return bool(write(item, only_if=only_if, **(values | fields)))


def cut_off(queryset: models.QuerySet, now: dt.datetime, lease: dt.timedelta) -> models.QuerySet:
    """Claims older than the lease: the worker died mid-send, so whether it arrived is unknown."""
    states = queryset.model.states
    return queryset.filter(**{states.field: states.sending}, attempted_at__lt=now - lease)


def expire_claims(
    queryset: models.QuerySet, now: dt.datetime, lease: dt.timedelta, reason: str
) -> int:
    """Cut-off claims become unknown, to be checked before anything is sent again."""
    states = queryset.model.states
    return cut_off(queryset, now, lease).update(
        **{states.field: states.unknown}, last_error=reason, next_attempt_at=None
    )
