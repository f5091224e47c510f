"""Processing periods counted as 민원처리법 제19조 says.

- 5 days or less: in working hours (8 a day: 09-12 and 13-18 on working days) from receipt.
- 6 days or more: in working days, counting the first day; due at 18:00 of the last one.
- Working days are weekdays that are not public holidays (`holidays` KR, which includes
  substitute and election days) nor in the city's extra list.
- A receipt outside working hours starts the clock at the next working 09:00 (a design choice
  the city confirms; see docs/minwon-rules in shared/ §1.2).
- The due time is derived from stored facts by `compute_due` alone (docs/deadlines.md).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext_lazy

SEOUL = ZoneInfo("Asia/Seoul")
WORK_BLOCKS = ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(18)))
DAY_END = dt.time(18)
HOURS_PER_DAY = 8

# Periods per 민원 kind: ("hours", n) or ("days", n). 기타 is "즉시" = 3 working hours.
PERIODS = {
    "질의": ("days", 7),
    "건의": ("days", 14),
    "고충": ("days", 7),
    "기타": ("hours", 3),
    "법정": ("days", 7),
}


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("KR", years=year, language="ko"))


def is_workday(day: dt.date, extra: frozenset[dt.date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year) and day not in extra


def next_workday(day: dt.date, extra: frozenset[dt.date] = frozenset()) -> dt.date:
    day += dt.timedelta(days=1)
    while not is_workday(day, extra):
        day += dt.timedelta(days=1)
    return day


def clock_start(moment: dt.datetime, extra: frozenset[dt.date] = frozenset()) -> dt.datetime:
    """The first working moment at or after `moment` (local time, naive)."""
    day, time = moment.date(), moment.time()
    if is_workday(day, extra):
        for start, end in WORK_BLOCKS:
            if time < start:
                return dt.datetime.combine(day, start)
            if time < end:
                return moment
    return dt.datetime.combine(next_workday(day, extra), WORK_BLOCKS[0][0])


def add_working_hours(
    received: dt.datetime, hours: float, extra: frozenset[dt.date] = frozenset()
) -> dt.datetime:
    local = to_local_naive(received)
    moment = clock_start(local, extra)
    remaining = dt.timedelta(hours=hours)
    while True:
        for start, end in WORK_BLOCKS:
            block_start = dt.datetime.combine(moment.date(), start)
            block_end = dt.datetime.combine(moment.date(), end)
            if moment >= block_end:
                continue
            moment = max(moment, block_start)
            available = block_end - moment
            if remaining <= available:
                return as_aware(moment + remaining)
            remaining -= available
            moment = block_end
        moment = dt.datetime.combine(next_workday(moment.date(), extra), WORK_BLOCKS[0][0])


def working_hours_between(
    start: dt.datetime, end: dt.datetime, extra: frozenset[dt.date] = frozenset()
) -> float:
    """Working hours (09-12, 13-18 on working days) between two moments."""
    moment, stop = clock_start(to_local_naive(start), extra), to_local_naive(end)
    total = dt.timedelta()
    while moment < stop:
        for block_start, block_end in WORK_BLOCKS:
            a = max(moment, dt.datetime.combine(moment.date(), block_start))
            b = min(stop, dt.datetime.combine(moment.date(), block_end))
            if b > a:
                total += b - a
        moment = dt.datetime.combine(next_workday(moment.date(), extra), WORK_BLOCKS[0][0])
    return total.total_seconds() / 3600


def add_working_days(
    received: dt.datetime, days: int, extra: frozenset[dt.date] = frozenset()
) -> dt.datetime:
    day = clock_start(to_local_naive(received), extra).date()
    for _ in range(days - 1):
        day = next_workday(day, extra)
    return as_aware(dt.datetime.combine(day, DAY_END))


@dataclass(frozen=True)
class Pause:
    """A 보완 request: sent at `start`, answered at `end` (None while the city waits)."""

    start: dt.datetime
    end: dt.datetime | None = None


@dataclass(frozen=True)
class Extension:
    """[영] 제21조: granted at `granted`, the new due time the citizen was told."""

    granted: dt.datetime
    until: dt.datetime


@dataclass(frozen=True)
class DueFacts:
    """What the due time follows from: the clock's start (receipt, or taking the case up again),
    the kind's period, the 보완 pauses and the extensions since that start."""

    start: dt.datetime
    period: tuple[str, int]  # ("hours" | "days", amount)
    pauses: tuple[Pause, ...] = ()
    extensions: tuple[Extension, ...] = ()


def paused_days(pauses: Iterable[Pause]) -> frozenset[dt.date]:
    """행정절차법 시행령 제11조 (민원처리법 시행령 제20조): the 보완 period counts the day the
    request is sent and the day the answer arrives. A pause still open counts its first day."""
    days = set()
    for pause in pauses:
        day = to_local_naive(pause.start).date()
        last = to_local_naive(pause.end or pause.start).date()
        while day <= last:
            days.add(day)
            day += dt.timedelta(days=1)
    return frozenset(days)


def period_end(
    start: dt.datetime, period: tuple[str, int], extra: frozenset[dt.date] = frozenset()
) -> dt.datetime:
    unit, amount = period
    if unit == "days" and amount <= 5:
        unit, amount = "hours", amount * HOURS_PER_DAY
    if unit == "hours":
        return add_working_hours(start, amount, extra)
    return add_working_days(start, amount, extra)


def moved_past(
    due: dt.datetime, paused: frozenset[dt.date], extra: frozenset[dt.date] = frozenset()
) -> dt.datetime:
    """A fixed due time moved on by the working days paused on or before it."""
    day = to_local_naive(due).date()
    owed = sum(1 for d in paused if d <= day and is_workday(d, extra))
    while owed:
        day = next_workday(day, extra | paused)
        owed -= 1
    return as_aware(dt.datetime.combine(day, to_local_naive(due).time()))


def compute_due(facts: DueFacts, calendar: frozenset[dt.date] = frozenset()) -> dt.datetime:
    """The due time: the period counted from the start without the paused days (in working
    hours or working days alike), or an extension's date moved on by the pauses after it."""
    due = period_end(facts.start, facts.period, calendar | paused_days(facts.pauses))
    for extension in facts.extensions:
        later = paused_days(p for p in facts.pauses if p.start >= extension.granted)
        due = max(due, moved_past(extension.until, later, calendar))
    return due


def due_at(
    kind: str,
    received: dt.datetime,
    extra: frozenset[dt.date] = frozenset(),
    periods: dict[str, tuple[str, int]] | None = None,
) -> dt.datetime:
    periods = periods or PERIODS
    period = periods.get(kind, periods.get("기타", PERIODS["기타"]))
    return compute_due(DueFacts(start=received, period=period), extra)


def to_local_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(SEOUL).replace(tzinfo=None)


def as_aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=SEOUL)


WEEKDAYS = [
    pgettext_lazy("요일", "월"),
    pgettext_lazy("요일", "화"),
    pgettext_lazy("요일", "수"),
    pgettext_lazy("요일", "목"),
    pgettext_lazy("요일", "금"),
    pgettext_lazy("요일", "토"),
    pgettext_lazy("요일", "일"),
]


def date_text(local: dt.datetime) -> str:
    """'10월 14일(수) 18:00' in the active language ('10/14 (Wed) 18:00')."""
    return gettext("%(month)s월 %(day)s일(%(weekday)s) %(time)s") % {
        "month": local.month,
        "day": local.day,
        "weekday": WEEKDAYS[local.weekday()],
        "time": f"{local:%H:%M}",
    }


def due_date_text(due: dt.datetime) -> str:
    """'10월 14일(수) 18:00': the date itself, for messages read later than they are written;
    always Korean (알림톡 templates are registered word for word)."""
    with translation.override("ko"):
        return date_text(due.astimezone(SEOUL))


def due_label(due: dt.datetime | None, now: dt.datetime) -> str:
    """'D-2, 10월 14일(수) 18:00까지', 'D-day, …', or '기한 3일 경과 (…)', in the active language
    (due_date_text stays Korean: 알림톡 templates are registered word for word)."""
    if due is None:
        return ""
    local_due, local_now = due.astimezone(SEOUL), now.astimezone(SEOUL)
    when = date_text(local_due)
    if local_due < local_now:
        late = (local_now.date() - local_due.date()).days
        if late:
            return ngettext(
                "기한 경과 %(days)s일 (%(when)s)", "기한 경과 %(days)s일 (%(when)s)", late
            ) % {"days": late, "when": when}
        return gettext("기한 경과 (%(when)s)") % {"when": when}
    left = (local_due.date() - local_now.date()).days
    if left == 0:
        return gettext("D-day, %(when)s까지") % {"when": when}
    return gettext("D-%(days)s, %(when)s까지") % {"days": left, "when": when}
