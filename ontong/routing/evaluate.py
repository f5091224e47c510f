"""`ontong routing evaluate`: how well routing would have done on a city's own history, using
exactly the production pipeline (or, with model="baseline", the shared data's baseline).

(a) grouped stratified k-fold, repeated over seeds: rows with the same normalised text stay in
    one fold (a repeated complaint is not a test of generalisation), labels with fewer than
    min-per-label rows dropped; the spread over folds and seeds is reported. With `dev`, a
    grouped share of the rows is held out first, settings are chosen on it alone, and the
    folds are made of the other rows;
(b) with dates, chronological: each calendar month is predicted by a model trained on every
    earlier row, from the first month with at least 100 earlier rows; every row of those months
    counts, and a department never seen before is a miss.

Both follow reorganisations: a label with a successor (`successors`, from the catalogue's
replaced_by and aliases) is trained and scored as its successor.
"""

import datetime as dt
import itertools
import statistics
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from ontong.complaints.search import normalise

from . import pipeline
from .tables import joined_text, read_rows, require_columns

MIN_HISTORY = 100
DEV_FOLDS = 3
# What --dev chooses between: the blend's SVM C and the weight of the nearest-past-case view
# (the baseline: its C). The defaults are in each grid.
GRIDS = {
    "ontong": {"classifier__C": [0.25, 0.5, 1.0], "classifier__neighbour_weight": [0.0, 0.3, 0.6]},
    "baseline": {"classifier__C": [0.25, 0.5, 1.0]},
}


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


def build(model: str = "ontong", settings: dict[str, Any] | None = None) -> pipeline.Router:
    built = pipeline.baseline() if model == "baseline" else pipeline.build()
    built.set_params(**(settings or {}))  # returns the same estimator
    return built


def predict(
    train_texts: list[str],
    train_labels: list[str],
    test_texts: list[str],
    model: str = "ontong",
    settings: dict[str, Any] | None = None,
) -> list[list[str]]:
    if len(set(train_labels)) < 2:
        return [[train_labels[0]] for _ in test_texts]
    fitted = build(model, settings).fit(train_texts, train_labels)
    return pipeline.top_k(fitted, test_texts, 3)


def successor(label: str, successors: dict[str, str]) -> str:
    """Today's name of a department: replaced_by followed to the end (cycles are stopped)."""
    seen = set()
    while label in successors and label not in seen:
        seen.add(label)
        label = successors[label]
    return label


def successors_from_catalogue() -> dict[str, str]:
    """Old name → successor, from the org catalogue: retired departments (replaced_by) and the
    old names kept as aliases of a department."""
    from ontong.org.models import Department

    found: dict[str, str] = {}
    for dept in Department.objects.select_related("replaced_by"):
        today = dept.current()
        for name in [dept.name, *dept.alias_list()]:
            if name != today.name:
                found.setdefault(name, today.name)
    return found


def group_keys(texts: Iterable[str]) -> np.ndarray:
    """One group per distinct text, compared after Unicode and whitespace normalisation."""
    ids: dict[str, int] = {}
    return np.array([ids.setdefault(normalise(t).lower(), len(ids)) for t in texts])


def grouped_folds(
    labels: np.ndarray, groups: np.ndarray, folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds in which rows with the same text are never split."""
    # A label with fewer rows than folds: sklearn warns, and still splits as well as it can.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(labels)), labels, groups))


def spread(values: list[float]) -> dict[str, float]:
    return {
        "mean": round(statistics.fmean(values), 4),
        "sd": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


def dev_split(
    labels: np.ndarray, groups: np.ndarray, share: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(dev rows, the other rows): a grouped, stratified share of about `share`."""
    rest, dev = grouped_folds(labels, groups, max(2, round(1 / share)), seed)[0]
    return dev, rest


def choose_settings(
    texts: np.ndarray, labels: np.ndarray, groups: np.ndarray, model: str, seed: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The grid's setting with the best top-1 (then top-3) in grouped folds of the dev rows."""
    grid = GRIDS[model]
    tried = []
    for values in itertools.product(*grid.values()):
        settings = dict(zip(grid, values, strict=True))
        gold: list[str] = []
        guesses: list[list[str]] = []
        for train, test in grouped_folds(labels, groups, DEV_FOLDS, seed):
            gold.extend(labels[test])
            guesses.extend(
                predict(list(texts[train]), list(labels[train]), list(texts[test]), model, settings)
            )
        scores = summarise(gold, guesses, len(set(labels)))
        tried.append({"settings": settings, "top1": scores["top1"], "top3": scores["top3"]})
    best = max(tried, key=lambda t: (t["top1"], t["top3"]))
    return best["settings"], tried


def one_seed(
    texts: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    folds: int,
    seed: int,
    model: str,
    settings: dict[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One grouped k-fold run: the summary over all rows and each fold's top-1/top-3."""
    predictions: dict[int, list[str]] = {}
    fold_scores = []
    for number, (train, test) in enumerate(grouped_folds(labels, groups, folds, seed)):
        guesses = predict(
            list(texts[train]), list(labels[train]), list(texts[test]), model, settings
        )
        predictions.update(zip(test.tolist(), guesses, strict=True))
        scores = summarise(list(labels[test]), guesses, len(set(labels)))
        fold_scores.append(
            {
                "seed": seed,
                "fold": number,
                "n": len(test),
                "top1": scores["top1"],
                "top3": scores["top3"],
            }
        )
    order = sorted(predictions)
    summary = summarise(
        [labels[i] for i in order], [predictions[i] for i in order], len(set(labels))
    )
    return summary, fold_scores


def kfold(
    data: Dataset,
    folds: int = 5,
    min_per_label: int = 5,
    seed: int = 0,
    *,
    seeds: list[int] | None = None,
    model: str = "ontong",
    dev: float = 0.0,
    successors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Grouped stratified k-fold for each seed. top1/top3 are over every reported row, averaged
    over seeds; `spread` is over the folds of all seeds; per-department figures are the first
    seed's."""
    seeds = seeds or [seed]
    all_labels = [successor(label, successors or {}) for label in data.labels]
    counts = Counter(all_labels)
    keep = [i for i, label in enumerate(all_labels) if counts[label] >= min_per_label]
    texts = np.array([data.texts[i] for i in keep], dtype=object)
    labels = np.array([all_labels[i] for i in keep], dtype=object)
    groups = group_keys(texts)
    result: dict[str, Any] = {"model": model, "seeds": seeds, "folds": folds}
    rows = np.arange(len(keep))
    settings: dict[str, Any] = {}
    if dev:
        dev_rows, rows = dev_split(labels, groups, dev, seeds[0])
        settings, tried = choose_settings(
            texts[dev_rows], labels[dev_rows], groups[dev_rows], model, seeds[0]
        )
        result["dev"] = {"n": len(dev_rows), "chosen": settings, "tried": tried}
    runs, fold_scores = [], []
    for current in seeds:
        summary, scores = one_seed(
            texts[rows], labels[rows], groups[rows], folds, current, model, settings
        )
        runs.append(summary)
        fold_scores += scores
    result |= runs[0] | {
        "top1": round(statistics.fmean(r["top1"] for r in runs), 4),
        "top3": round(statistics.fmean(r["top3"] for r in runs), 4),
        "by_seed": [
            {"seed": s, "top1": r["top1"], "top3": r["top3"]}
            for s, r in zip(seeds, runs, strict=True)
        ],
        "by_fold": fold_scores,
        "spread": {k: spread([f[k] for f in fold_scores]) for k in ("top1", "top3")},
        "texts": len(set(groups[rows].tolist())),
    }
    return result


def chronological(
    data: Dataset,
    min_history: int = MIN_HISTORY,
    model: str = "ontong",
    successors: dict[str, str] | None = None,
) -> dict[str, Any]:
    labels = [successor(label, successors or {}) for label in data.labels]
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
            [labels[i] for i in earlier],
            [data.texts[i] for i in current],
            model,
        )
        gold.extend(labels[i] for i in current)
        predictions.extend(guesses)
    return summarise(gold, predictions, labels=len(set(gold)))
