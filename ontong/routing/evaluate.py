"""`ontong routing evaluate`: how well routing would have done on a city's own history, using
exactly the production pipeline.

(a) stratified k-fold with a seed, labels with fewer than min-per-label rows dropped;
(b) with dates, chronological: each calendar month is predicted by a model trained on every
    earlier row, from the first month with at least 100 earlier rows; every row of those months
    counts, and a department never seen before is a miss.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from . import pipeline
from .tables import joined_text, read_rows, require_columns

MIN_HISTORY = 100


@dataclass
class Dataset:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    dates: list[dt.date | None] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def parse_date(value: str) -> dt.date | None:
    value = (value or "").strip()[:19]
    for pattern in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d",
        "%Y.%m.%d",
        "%Y/%m/%d",
        "%Y%m%d",
        "%Y-%m-%dT%H:%M:%S",
    ):
        try:
            return dt.datetime.strptime(
                value[: len(dt.datetime(2000, 1, 1).strftime(pattern))], pattern
            ).date()
        except ValueError:
            continue
    return None


def load(
    path: Path, text_columns: list[str], label_column: str, date_column: str | None = None
) -> Dataset:
    rows = read_rows(path)
    require_columns(rows, [*text_columns, label_column] + ([date_column] if date_column else []))
    data = Dataset()
    for row in rows:
        text, label = joined_text(row, text_columns), (row.get(label_column) or "").strip()
        if not text:
            data.skipped["빈 내용"] += 1
            continue
        if not label:
            data.skipped["부서 없음"] += 1
            continue
        date = parse_date(row.get(date_column, "")) if date_column else None
        if date_column and date is None:
            data.skipped["날짜를 읽을 수 없음"] += 1
            continue
        data.texts.append(text)
        data.labels.append(label)
        data.dates.append(date)
    return data


def summarise(gold: list[str], predictions: list[list[str]], labels: int) -> dict[str, Any]:
    n = len(gold)
    top1 = sum(p[:1] == [g] for g, p in zip(gold, predictions, strict=True))
    top3 = sum(g in p[:3] for g, p in zip(gold, predictions, strict=True))
    per_department: dict[str, dict[str, float]] = {}
    for label in sorted(set(gold) | {p[0] for p in predictions if p}):
        predicted = sum(1 for p in predictions if p and p[0] == label)
        actual = gold.count(label)
        hits = sum(
            1 for g, p in zip(gold, predictions, strict=True) if g == label and p and p[0] == label
        )
        per_department[label] = {
            "precision": round(hits / predicted, 4) if predicted else 0.0,
            "recall": round(hits / actual, 4) if actual else 0.0,
            "support": actual,
        }
    confusions = Counter(
        (g, p[0]) for g, p in zip(gold, predictions, strict=True) if p and p[0] != g
    )
    return {
        "top1": round(top1 / n, 4) if n else 0.0,
        "top3": round(top3 / n, 4) if n else 0.0,
        "n": n,
        "labels": labels,
        "per_department": per_department,
        "confused": [[g, p, c] for (g, p), c in confusions.most_common(10)],
    }


def predict(
    train_texts: list[str], train_labels: list[str], test_texts: list[str]
) -> list[list[str]]:
    if len(set(train_labels)) < 2:
        return [[train_labels[0]] for _ in test_texts]
    model = pipeline.build().fit(train_texts, train_labels)
    return pipeline.top_k(model, test_texts, 3)


def kfold(data: Dataset, folds: int = 5, min_per_label: int = 5, seed: int = 0) -> dict[str, Any]:
    counts = Counter(data.labels)
    keep = [i for i, label in enumerate(data.labels) if counts[label] >= min_per_label]
    texts = np.array([data.texts[i] for i in keep], dtype=object)
    labels = np.array([data.labels[i] for i in keep], dtype=object)
    predictions: list[list[str] | None] = [None] * len(keep)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, labels):
        for index, guess in zip(
            test, predict(list(texts[train]), list(labels[train]), list(texts[test])), strict=True
        ):
            predictions[index] = guess
    filled = [p for p in predictions if p is not None]  # every case was in one test fold
    return summarise(list(labels), filled, labels=len(set(labels)))


def chronological(data: Dataset, min_history: int = MIN_HISTORY) -> dict[str, Any]:
    dates = [date for date in data.dates if date is not None]
    if len(dates) != len(data.texts):
        raise ValueError("chronological evaluation needs a date for every case")
    order = sorted(range(len(data.texts)), key=lambda i: dates[i])
    months = sorted({(dates[i].year, dates[i].month) for i in order})
    gold: list[str] = []
    predictions: list[list[str]] = []
    for month in months:
        earlier = [i for i in order if (dates[i].year, dates[i].month) < month]
        current = [i for i in order if (dates[i].year, dates[i].month) == month]
        if len(earlier) < min_history:
            continue
        guesses = predict(
            [data.texts[i] for i in earlier],
            [data.labels[i] for i in earlier],
            [data.texts[i] for i in current],
        )
        gold.extend(data.labels[i] for i in current)
        predictions.extend(guesses)
    return summarise(gold, predictions, labels=len(set(gold)))
