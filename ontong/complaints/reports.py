"""Reports per department and period: received, answered, answered on time, median and 90th
percentile time to answer, overdue now, extensions, satisfaction, 다수인관련민원 (reported
separately, [영] 제27조)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from . import deadlines
from .models import CLOCK_STOPPED, Complaint, Satisfaction

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
    answer_days: list[float] = field(default_factory=list, repr=False)

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.answered, 1) if self.answered else None

    @property
    def first_answer_rate(self) -> float | None:
        if not self.first_answer_due:
            return None
        return round(100 * self.first_answer_met / self.first_answer_due, 1)

    def values(self) -> list:
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


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def build(start: dt.date, end: dt.date, complaints: QuerySet[Complaint], now=None) -> Report:
    """`complaints` is what the viewer may see; received counts cases received in the period,
    answered counts result notices given in the period."""
    now = now or timezone.now()
    since, until = period_bounds(start, end)
    rows: dict[str, Row] = defaultdict(lambda: Row(""))

    def row(name):
        name = name or "미배정"
        rows[name].department = name
        return rows[name]

    received = complaints.filter(received_at__gte=since, received_at__lt=until)
    for item in received.values("department__name").annotate(
        n=Count("pk"),
        extended=Count("pk", filter=Q(extensions__gt=0)),
        multi=Count("pk", filter=Q(multi_party_people__isnull=False)),
    ):
        r = row(item["department__name"])
        r.received, r.extended, r.multi_party = item["n"], item["extended"], item["multi"]
    answered = complaints.filter(answered_at__gte=since, answered_at__lt=until)
    for name, received_at, answered_at, due_at in answered.values_list(
        "department__name", "received_at", "answered_at", "due_at"
    ):
        r = row(name)
        r.answered += 1
        r.on_time += bool(due_at is None or answered_at <= due_at)
        r.answer_days.append((answered_at - received_at).total_seconds() / 86400)
    targets = received.filter(first_answer_due_at__isnull=False).filter(
        Q(first_answer_due_at__lt=now) | Q(first_answered_at__isnull=False)
    )
    for name, due, first in targets.values_list(
        "department__name", "first_answer_due_at", "first_answered_at"
    ):
        r = row(name)
        r.first_answer_due += 1
        r.first_answer_met += bool(first and first <= due)
    overdue = complaints.exclude(state__in=CLOCK_STOPPED).filter(due_at__lt=now)
    for item in overdue.values("department__name").annotate(n=Count("pk")):
        row(item["department__name"]).overdue_now = item["n"]
    answers = Satisfaction.objects.filter(
        complaint__in=complaints, answered_at__gte=since, answered_at__lt=until
    )
    for item in answers.values("complaint__department__name").annotate(
        average=Avg("score"), n=Count("pk"), unresolved=Count("pk", filter=Q(unresolved=True))
    ):
        r = row(item["complaint__department__name"])
        r.satisfaction = round(item["average"], 2) if item["average"] is not None else None
        r.satisfaction_n, r.unresolved = item["n"], item["unresolved"]
    ordered = sorted(rows.values(), key=lambda r: (-r.received, r.department))
    for r in ordered:
        r.median_days, r.p90_days = percentile(r.answer_days, 50), percentile(r.answer_days, 90)
    return Report(
        start,
        end,
        ordered,
        total_of(ordered, answers),
        months(received, answered),
        list(
            received.filter(multi_party_people__isnull=False)
            .select_related("department")
            .order_by("-multi_party_people")[:50]
        ),
    )


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
        ):
            setattr(total, key, getattr(total, key) + getattr(r, key))
        total.satisfaction_n += r.satisfaction_n
        total.unresolved += r.unresolved
        total.multi_party += r.multi_party
        total.answer_days.extend(r.answer_days)
    total.median_days = percentile(total.answer_days, 50)
    total.p90_days = percentile(total.answer_days, 90)
    average = answers.aggregate(a=Avg("score"))["a"]
    total.satisfaction = round(average, 2) if average is not None else None
    return total


def months(received: QuerySet, answered: QuerySet) -> list[tuple[str, int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for moment in received.values_list("received_at", flat=True):
        counts[f"{timezone.localtime(moment):%Y-%m}"][0] += 1
    for moment in answered.values_list("answered_at", flat=True):
        counts[f"{timezone.localtime(moment):%Y-%m}"][1] += 1
    return [(month, *counts[month]) for month in sorted(counts)]
