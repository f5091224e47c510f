"""Importing past complaints (새올 or any system's export) for routing and similar-case search."""

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ontong.complaints.search import terms_of_many
from ontong.org.models import Department

from .evaluate import parse_date
from .models import HistoricalCase
from .tables import clean_text, joined_text, read_rows, require_columns

BATCH = 500


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    already: int = 0
    unmatched_departments: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)


def department_index() -> dict[str, Department]:
    """Department by name and by each alias (old names after reorganisations)."""
    index = {}
    for dept in Department.objects.all():
        index[dept.name] = dept
        for alias in dept.alias_list():
            index.setdefault(alias, dept)
    return index


def import_history(
    path: Path,
    text_columns: list[str],
    label_column: str,
    answer_column: str | None = None,
    date_column: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], object] | None = None,
) -> ImportReport:
    rows = read_rows(path)
    require_columns(
        rows, [*text_columns, label_column, *[c for c in (answer_column, date_column) if c]]
    )
    report, departments, source = ImportReport(rows=len(rows)), department_index(), Path(path).name
    existing = set(HistoricalCase.objects.filter(source=source).values_list("row", flat=True))
    batch = []
    for number, row in enumerate(rows, start=2):
        text, label = joined_text(row, text_columns), (row.get(label_column) or "").strip()
        if not text:
            report.skipped["빈 내용"] += 1
        elif not label:
            report.skipped["부서 없음"] += 1
        elif number in existing:
            report.already += 1
        else:
            dept = departments.get(label)
            if dept is None:
                report.unmatched_departments[label] += 1
            received = parse_date(row.get(date_column, "")) if date_column else None
            batch.append(
                HistoricalCase(
                    source=source,
                    row=number,
                    text=text,
                    department_name=label[:100],
                    department=dept,
                    answer=clean_text(row.get(answer_column, "")) if answer_column else "",
                    received_at=timezone.make_aware(dt.datetime.combine(received, dt.time()))
                    if received
                    else None,
                )
            )
        if len(batch) >= BATCH:
            report.imported += save(batch, dry_run)
            batch = []
        if progress:
            progress(number - 1, len(rows))
    report.imported += save(batch, dry_run)
    return report


def store_terms(cases: list[HistoricalCase]) -> None:
    """Each case's content morphemes, analysed together ("-" for none, so it is not analysed
    again)."""
    for case, found in zip(cases, terms_of_many([c.text for c in cases]), strict=True):
        case.terms = " ".join(found) or "-"


def save(batch: list[HistoricalCase], dry_run: bool) -> int:
    if not dry_run and batch:
        store_terms([case for case in batch if case.answer])  # for the similar-case index
        with transaction.atomic():
            HistoricalCase.objects.bulk_create(batch, ignore_conflicts=True)
    return len(batch)
