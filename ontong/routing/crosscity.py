"""Does day-one routing generalise to a city it has never seen?

(a) Cross-city: each shared dataset's labels are mapped to the shipped functions
    (data/dataset_functions.toml; ambiguous labels are left out); for each dataset in turn, the
    function model is trained on the shipped examples plus the other datasets and scored on it
    (top-1/top-3 on functions). "shipped only" trains on the shipped examples alone: what a new
    city really gets, since the shared datasets are not shipped.
(b) Typical complaints of one city (data/typical_seosan.csv, written for Ontong): department
    top-1/top-3 of the catalogue's exact duty keywords alone (what Ontong did before), and of the
    day-one suggestions with the automatically proposed or the checked function mapping.
"""

import csv
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from . import dayone
from .tables import joined_text, read_rows, require_columns

DATASETS = dayone.DATA / "dataset_functions.toml"
TYPICAL = dayone.DATA / "typical_seosan.csv"


def specs() -> dict[str, Any]:
    return tomllib.loads(DATASETS.read_text(encoding="utf-8"))


def load_mapped(folder: Path, spec: dict[str, Any]) -> tuple[list[str], list[str], Counter[str]]:
    """The dataset's rows whose label maps to a function: texts, function codes, skipped reasons."""
    rows = read_rows(Path(folder) / spec["file"])
    require_columns(rows, [*spec["text"], spec["label"]])
    texts: list[str] = []
    labels: list[str] = []
    skipped: Counter[str] = Counter()
    for row in rows:
        code = spec["functions"].get((row.get(spec["label"]) or "").strip())
        text = joined_text(row, spec["text"])
        if not text:
            skipped["빈 내용"] += 1
        elif code is None:
            skipped["기능에 연결되지 않은 라벨"] += 1
        else:
            texts.append(text)
            labels.append(code)
    return texts, labels, skipped


def scores(model: Pipeline, texts: list[str], gold: list[str]) -> dict[str, Any]:
    probability = dayone.function_probabilities(texts, model)
    order = np.argsort(-probability, axis=1)[:, :3]
    ranked = [[str(model.classes_[i]) for i in row] for row in order]
    n = len(gold)
    return {
        "n": n,
        "functions": len(set(gold)),
        "top1": round(sum(r[0] == g for r, g in zip(ranked, gold, strict=True)) / n, 4),
        "top3": round(sum(g in r for r, g in zip(ranked, gold, strict=True)) / n, 4),
    }


def cross_city(folder: Path) -> dict[str, Any]:
    data = {name: load_mapped(folder, spec) for name, spec in specs().items()}
    shipped_texts, shipped_labels = dayone.shipped_examples()
    shipped = dayone.fit(shipped_texts, shipped_labels)
    results = {}
    for held_out, (texts, labels, skipped) in data.items():
        train_texts, train_labels = list(shipped_texts), list(shipped_labels)
        for name, (other_texts, other_labels, _) in data.items():
            if name != held_out:
                train_texts += other_texts
                train_labels += other_labels
        model = dayone.fit(train_texts, train_labels)
        results[held_out] = {
            "shipped_only": scores(shipped, texts, labels),
            "shipped_and_other_cities": scores(model, texts, labels),
            "skipped": dict(skipped),
        }
    return results


def typical_rows(path: Path = TYPICAL) -> list[tuple[str, str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return [(row["text"], row["department"]) for row in csv.DictReader(lines)]


def preset_mapping(path: Path = dayone.DEMO_PRESET) -> dict[str, list[tuple[int, int, str]]]:
    from ontong.org.models import Department

    ids = dict(Department.objects.filter(is_active=True).values_list("name", "pk"))
    found: dict[str, list[tuple[int, int, str]]] = {}
    for row in csv.DictReader(
        ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")
    ):
        if row["department"] in ids:
            found.setdefault(row["function"], []).append(
                (ids[row["department"]], int(row["rank"]), row["basis"])
            )
    return found


def proposed_mapping() -> dict[str, list[tuple[int, int, str]]]:
    found: dict[str, list[tuple[int, int, str]]] = {}
    for code, dept, rank, basis in dayone.proposals():
        found.setdefault(code, []).append((dept.pk, rank, basis))
    return found


def typical(path: Path = TYPICAL) -> dict[str, Any]:
    """Department top-1/top-3 on the city's typical complaints, against the departments in this
    database (load the demo city first: `ontong load_demo`)."""
    from ontong.org.models import Department

    from .suggest import FUNCTION_WEIGHT, catalogue_scores

    rows = typical_rows(path)
    names = dict(Department.objects.values_list("pk", "name"))
    mappings = {"day_one_proposed": proposed_mapping(), "day_one_checked": preset_mapping()}
    results = {}
    for mode in ("catalogue_only", *mappings):
        hits1 = hits3 = 0
        for text, gold in rows:
            exact = catalogue_scores(text)
            total = sum(s for s, _ in exact.values()) or 1.0
            combined = Counter(
                {d: (1 - FUNCTION_WEIGHT) * s / total for d, (s, _) in exact.items()}
            )
            if mode != "catalogue_only":
                for d, (share, _) in dayone.department_scores(text, mappings[mode]).items():
                    combined[d] += FUNCTION_WEIGHT * share  # type: ignore[assignment]  # float shares: typeshed says Counter counts are int
            top = [names[d] for d, _ in combined.most_common(3)]
            hits1 += top[:1] == [gold]
            hits3 += gold in top
        results[mode] = {
            "n": len(rows),
            "top1": round(hits1 / len(rows), 4),
            "top3": round(hits3 / len(rows), 4),
        }
    return results
