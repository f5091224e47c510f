"""Monthly open data (공공데이터포털 파일데이터): anonymised complaint statistics as CSV.

One row per (구분, 항목): the whole city, each 민원 종류, each 읍면동 and each 처리부서, with the
month's received, answered (결과 통보) and answered-on-time counts and the on-time rate — the
definitions of the staff reports (/reports/, complaints.reports): received by received_at,
answered by answered_at, on time when answered by its due time.

No personal data: counts only, no text, no receipt numbers. Small counts (1–4) are shown as "*"
(통계법 제33조의 취지, the usual threshold of 5), and so is any rate computed from one; while a
hidden count of a group (e.g. the 읍면동) could be recovered from the 전체 row by subtraction (a
single hidden count, two hidden 1s, a hidden 1 beside a hidden 5), the next smallest is hidden too.

The file follows the portal's file-data layout: the first row names the columns in Korean, one
table per file, a 데이터기준일자 column, the file named 기관명_데이터명_기준일자.csv. The portal
accepts UTF-8 and CP949 (EUC-KR); UTF-8 with a BOM is the default (Excel opens it), `cp949` is
offered for systems that still expect it.
"""

import csv
import datetime as dt
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet

from ontong.complaints.models import Complaint, Kind
from ontong.complaints.reports import period_bounds
from ontong.tabular import csv_value

THRESHOLD = 5
HIDDEN = "*"
HEADERS = [
    "기준연월",
    "구분",
    "항목",
    "접수건수",
    "처리건수",
    "기한내처리건수",
    "기한내처리율",
    "데이터기준일자",
]
COUNTS = ("received", "answered", "on_time")
GROUPS = [("민원종류", "kind"), ("읍면동", "area__name"), ("처리부서", "department__name")]


@dataclass
class Line:
    group: str
    item: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    hidden: set[str] = field(default_factory=set)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def lines(month: dt.date, complaints: QuerySet[Complaint] | None = None) -> list[Line]:
    complaints = Complaint.objects.all() if complaints is None else complaints
    start, end = month_bounds(month)
    since, until = period_bounds(start, end)
    received = complaints.filter(received_at__gte=since, received_at__lt=until)
    answered = complaints.filter(answered_at__gte=since, answered_at__lt=until)
    on_time = Q(due_at__isnull=True) | Q(answered_at__lte=F("due_at"))
    total = Line("전체", "전체")
    total.counts["received"] = received.count()
    total.counts.update(
        answered.aggregate(answered=Count("pk"), on_time=Count("pk", filter=on_time))
    )
    suppress([total])
    result = [total]
    kind_names = {k.value: str(k.label) for k in Kind}
    for group, column in GROUPS:
        found: dict[str, Line] = defaultdict(partial(Line, group, ""))
        for row in received.values(column).annotate(n=Count("pk")).order_by():
            found[row[column] or ""].counts["received"] = row["n"]
        for row in (
            answered.values(column)
            .annotate(n=Count("pk"), on_time=Count("pk", filter=on_time))
            .order_by()
        ):
            found[row[column] or ""].counts.update(answered=row["n"], on_time=row["on_time"])
        group_lines = []
        for key, line in sorted(found.items()):
            if group == "민원종류":
                line.item = kind_names.get(key, key)
            else:
                line.item = key or ("미배정" if group == "처리부서" else "미상")
            group_lines.append(line)
        suppress(group_lines, total)
        result.extend(group_lines)
    return result


def suppress(group: list[Line], total: Line | None = None) -> None:
    """Hide counts of 1–4; then, per column, more of the group's counts (the smallest first) as
    long as the hidden ones can be worked out from the 전체 row by subtraction."""
    for column in COUNTS:
        for line in group:
            if 0 < line.counts[column] < THRESHOLD:
                line.hidden.add(column)
        while len(group) > 1 and disclosed(group, column, total):
            others = [
                line for line in group if column not in line.hidden and line.counts[column] > 0
            ]
            if not others:
                break
            min(others, key=lambda line: line.counts[column]).hidden.add(column)


def disclosed(group: list[Line], column: str, total: Line | None) -> bool:
    """Whether a reader can pin a hidden count of this group to one value: the hidden counts add
    up to 전체 minus the shown ones, a small one is 1–4, one hidden beside it is 5 or more. Two
    hidden 1s beside a shown rest give themselves away (their sum is 2), and so do a 1 and a 5."""
    hidden = [line for line in group if column in line.hidden]
    if not hidden:
        return False
    shown = sum(line.counts[column] for line in group if column not in line.hidden)
    if total is None:  # the group is all there is: its sum is the 전체
        low_sum = high_sum = sum(line.counts[column] for line in hidden)
    elif column in total.hidden:
        low_sum, high_sum = 1 - shown, THRESHOLD - 1 - shown
    else:
        low_sum = high_sum = total.counts[column] - shown
    bounds = [
        (1, THRESHOLD - 1) if line.counts[column] < THRESHOLD else (THRESHOLD, math.inf)
        for line in hidden
    ]
    for i, (low, high) in enumerate(bounds):
        others_low = sum(b[0] for j, b in enumerate(bounds) if j != i)
        others_high = sum(b[1] for j, b in enumerate(bounds) if j != i)
        if max(low, low_sum - others_high) == min(high, high_sum - others_low):
            return True
    return False


def cell(line: Line, column: str) -> str | int:
    return HIDDEN if column in line.hidden else line.counts[column]


def rate(line: Line) -> str:
    if line.hidden & {"answered", "on_time"}:
        return HIDDEN
    answered = line.counts["answered"]
    return f"{100 * line.counts['on_time'] / answered:.1f}" if answered else ""


def rows(month: dt.date, as_of: dt.date) -> list[list[str | int]]:
    stamp = f"{month:%Y-%m}"
    return [
        [
            stamp,
            line.group,
            line.item,
            cell(line, "received"),
            cell(line, "answered"),
            cell(line, "on_time"),
            rate(line),
            as_of.isoformat(),
        ]
        for line in lines(month)
    ]


def csv_bytes(month: dt.date, as_of: dt.date, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows([csv_value(v) for v in row] for row in rows(month, as_of))
    return buffer.getvalue().encode(encoding, errors="replace")


def file_name(month: dt.date, as_of: dt.date) -> str:
    return f"{settings.CITY_NAME}_민원처리통계_{month:%Y%m}_{as_of:%Y%m%d}.csv"


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def parse_month(text: str) -> dt.date:
    """'2026-11' → 2026-11-01; ValueError otherwise."""
    return dt.datetime.strptime(text.strip(), "%Y-%m").date()
