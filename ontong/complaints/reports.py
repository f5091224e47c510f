"""Reports per department and period: received, answered, answered on time, median and 90th
percentile time to answer, overdue now, extensions, satisfaction, 다수인관련민원 (reported
separately, [영] 제27조)."""

import datetime as dt
import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Expression, F, Q, QuerySet
from django.utils import timezone

from ontong.org.models import Department

from . import deadlines
from .aggregates import WAIT_BINS_PER_DAY, KoreanMonth, WaitTenths
from .models import CLOCK_RUNNING, Complaint, Satisfaction

COLUMNS = [
    ("department", "부서"),
    ("received", "접수"),
    ("answered", "답변(통보)"),
    ("on_time", "기한 내 답변"),
    ("on_time_rate", "기한 내 비율(%)"),
    ("median_days", "답변까지 중앙값(일)"),
    ("p90_days", "답변까지 90%(일)"),
    ("overdue_now", "지금 기한 경과"),
    ("extended", "연장한 민원"),
    ("satisfaction", "만족도 평균(1–5)"),
    ("satisfaction_n", "만족도 응답"),
    ("unresolved", "미해결 응답"),
    ("multi_party", "다수인관련민원"),
    ("first_answer_rate", "SNS 첫 답변 목표 내(%)"),
]


@dataclass
class Row:
    department: str
    received: int = 0
    answered: int = 0
    on_time: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    overdue_now: int = 0
    extended: int = 0
    satisfaction: float | None = None
    satisfaction_n: int = 0
    unresolved: int = 0
    multi_party: int = 0
    first_answer_due: int = 0
    first_answer_met: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.answered, 1) if self.answered else None

    @property
    def first_answer_rate(self) -> float | None:
        if not self.first_answer_due:
            return None
        return round(100 * self.first_answer_met / self.first_answer_due, 1)

    def values(self) -> list[Any]:
        return [getattr(self, key) for key, _ in COLUMNS]


@dataclass
class Report:
    start: dt.date
    end: dt.date
    rows: list[Row]
    total: Row
    by_month: list[tuple[str, int, int]]  # (YYYY-MM, received, answered)
    multi_party_cases: list[Complaint]


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start day's 00:00 to the end day's 24:00, Korean time."""
    return (
        deadlines.as_aware(dt.datetime.combine(start, dt.time())),
        deadlines.as_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time())),
    )


def build(
    start: dt.date, end: dt.date, complaints: QuerySet[Complaint], now: dt.datetime | None = None
) -> Report:
    """`complaints` is what the viewer may see; received counts cases received in the period,
    answered counts result notices given in the period. Everything is counted by the database
    from covering indexes (a year of a large city is hundreds of thousands of rows;
    bench/scale.py)."""
    now = now or timezone.now()
    since, until = period_bounds(start, end)
    names: dict[int | None, str] = dict(Department.objects.values_list("pk", "name"))
    rows: dict[int | None, Row] = {}
    waits: dict[int | None, Counter[int]] = defaultdict(Counter)
    by_month: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # YYYYMM → received, answered

    def row(department_id: int | None) -> Row:
        if department_id not in rows:
            rows[department_id] = Row(names.get(department_id) or "미배정")
        return rows[department_id]

    received = complaints.filter(received_at__gte=since, received_at__lt=until)
    for item in received_counts(received, now):
        r = row(item["department_id"])
        r.received += item["n"]
        r.extended += item["extended"]
        r.multi_party += item["multi"]
        r.first_answer_due += item["first_due"]
        r.first_answer_met += item["first_met"]
        by_month[item["month"]][0] += item["n"]
    answered = complaints.filter(answered_at__gte=since, answered_at__lt=until)
    for item in answered_waits(answered):
        r = row(item["department_id"])
        r.answered += item["n"]
        r.on_time += item["on_time"]
        waits[item["department_id"]][item["wait"]] += item["n"]
    for item in answered_by_month(answered):
        by_month[item["month"]][1] += item["n"]
    for department_id, histogram in waits.items():
        row(department_id).median_days, row(department_id).p90_days = percentiles(histogram)
    overdue = complaints.filter(state__in=CLOCK_RUNNING, due_at__lt=now)
    for item in overdue.values("department_id").annotate(n=Count("due_at")).order_by():
        row(item["department_id"]).overdue_now = item["n"]
    answers = Satisfaction.objects.filter(answered_at__gte=since, answered_at__lt=until)
    if complaints.query.has_filters():  # a viewer who sees every case needs no IN (all ids)
        answers = answers.filter(complaint__in=complaints)
    for item in answers.values("complaint__department_id").annotate(
        average=Avg("score"), n=Count("pk"), unresolved=Count("pk", filter=Q(unresolved=True))
    ):
        r = row(item["complaint__department_id"])
        r.satisfaction = round(item["average"], 2) if item["average"] is not None else None
        r.satisfaction_n, r.unresolved = item["n"], item["unresolved"]
    ordered = sorted(rows.values(), key=lambda r: (-r.received, r.department))
    total = total_of(ordered, answers)
    total.median_days, total.p90_days = percentiles(sum(waits.values(), Counter()))
    return Report(
        start,
        end,
        ordered,
        total,
        [
            (f"{month // 100}-{month % 100:02d}", received, answered)
            for month, (received, answered) in sorted(by_month.items())
        ],
        list(
            received.filter(multi_party_people__isnull=False)
            .select_related("department")
            .order_by("-multi_party_people")[:50]
        ),
    )


def received_counts(
    received: QuerySet[Complaint], now: dt.datetime
) -> QuerySet[Complaint, Mapping[str, Any]]:
    """Per department and month: received, extended, 다수인, and the SNS first-answer target
    (due by now or already answered; met when answered by its due time)."""
    counted = "received_at"  # not the id: the counts are then read from the index alone
    first_due = Q(first_answer_due_at__isnull=False) & (
        Q(first_answer_due_at__lt=now) | Q(first_answered_at__isnull=False)
    )
    return (
        received.values("department_id", month=stored("received_month", KoreanMonth("received_at")))
        .annotate(
            n=Count(counted),
            extended=Count(counted, filter=Q(extensions__gt=0)),
            multi=Count(counted, filter=Q(multi_party_people__isnull=False)),
            first_due=Count(counted, filter=first_due),
            first_met=Count(counted, filter=Q(first_answered_at__lte=F("first_answer_due_at"))),
        )
        .order_by()
    )


def stored(column: str, expression: Expression) -> Expression | F:
    """A stored generated column on PostgreSQL, read from the covering index. SQLite's planner
    does not count a generated column held in an index as covered and reads the table instead
    (4 times slower), so there the value is computed from the indexed columns it is made of."""
    return F(column) if connection.vendor == "postgresql" else expression


def answered_by_month(answered: QuerySet[Complaint]) -> QuerySet[Complaint, Mapping[str, Any]]:
    """Answers per month of their answer, in Korean time."""
    month = stored("answered_month", KoreanMonth("answered_at"))
    return answered.values(month=month).annotate(n=Count("answered_at")).order_by()


# Waits are counted in tenths of a day, the precision the report shows (the stored column
# wait_tenths): a year's answers are then a few thousand counts instead of hundreds of thousands
# of values to sort (the exact percentiles cost more than the rest of the page; bench/scale.py).


def answered_waits(answered: QuerySet[Complaint]) -> QuerySet[Complaint, Mapping[str, Any]]:
    """Per department and tenth-of-a-day wait: answered, answered on time."""
    on_time = Q(due_at__isnull=True) | Q(answered_at__lte=F("due_at"))
    return (
        answered.values(
            "department_id", wait=stored("wait_tenths", WaitTenths("received_at", "answered_at"))
        )
        .annotate(n=Count("answered_at"), on_time=Count("answered_at", filter=on_time))
        .order_by()
    )


def percentiles(histogram: Counter[int]) -> tuple[float | None, float | None]:
    """Median and 90th percentile, interpolated linearly between ranks as numpy does, of waits
    known to a tenth of a day."""
    if not histogram:
        return None, None
    bins = sorted(histogram)
    ends = list(accumulate(histogram[b] for b in bins))  # rank just past each bin

    def value_at(rank: int) -> float:
        return bins[bisect_right(ends, rank)] / WAIT_BINS_PER_DAY

    found = []
    for fraction in (0.5, 0.9):
        position = (ends[-1] - 1) * fraction
        low, high = math.floor(position), math.ceil(position)
        value = value_at(low) + (value_at(high) - value_at(low)) * (position - low)
        found.append(round(value, 1))
    return found[0], found[1]


def total_of(rows: list[Row], answers: QuerySet[Satisfaction]) -> Row:
    total = Row("합계")
    for r in rows:
        for key in (
            "received",
            "answered",
            "on_time",
            "overdue_now",
            "extended",
            "first_answer_due",
            "first_answer_met",
            "satisfaction_n",
            "unresolved",
            "multi_party",
        ):
            setattr(total, key, getattr(total, key) + getattr(r, key))
    average = answers.aggregate(a=Avg("score"))["a"]
    total.satisfaction = round(average, 2) if average is not None else None
    return total
