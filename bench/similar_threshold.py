"""Where should the "비슷한 과거 민원" box stop showing cases? For each labelled shared dataset, every
row asks for its five most similar other rows, scored as the similar-case index scores them
(routing/nearest.py: the stored content morphemes, binary, smoothed idf over the cases, cosine).
A shown case is useful when it was handled by the same department (the dataset's label).

    .venv/bin/python bench/similar_threshold.py [--data ../shared/data]

For each threshold: precision = share of the cases shown (similarity ≥ threshold) that have the
query's label; recall = share of the same-label cases among the five nearest that are still shown;
shown = share of queries for which the box shows anything. Rows whose text repeats an earlier
row's are dropped first, so that copies (1.0, same label) do not flatter every threshold.
"""

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from ontong.complaints.search import terms_of_many  # noqa: E402
from ontong.routing.nearest import document_idf, hashed, weighted  # noqa: E402
from ontong.routing.tables import joined_text, read_rows  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETS = [
    ("KALIS 답변부서", "kalis_minwon_20240101.cp949.csv", ["제목", "문의내용"], "답변부서"),
    ("옹진 대분류", "ongjin_complaints_class_ex.xlsx", ["민원제목", "민원요지"], "대분류"),
    ("옹진 소분류", "ongjin_complaints_class_ex.xlsx", ["민원제목", "민원요지"], "소분류"),
    (
        "서울 제안 담당부서",
        "seoul_democracy_adopted_proposals_190715.xlsx",
        ["제안제목", "제안내용"],
        "담당부서",
    ),
]
THRESHOLDS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
K = 5


def labelled(path: Path, columns: list[str], label: str) -> tuple[list[str], list[str]]:
    texts, labels, seen = [], [], set()
    for row in read_rows(path):
        text, gold = joined_text(row, columns), (row.get(label) or "").strip()
        if text and gold and text not in seen:
            seen.add(text)
            texts.append(text)
            labels.append(gold)
    return texts, labels


def neighbours(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's K nearest other rows and their similarities, as the similar-case box scores."""
    docs = terms_of_many(texts)
    idf = document_idf(hashed(docs))
    matrix = weighted(docs, idf)
    scores = (matrix @ matrix.T).toarray()
    np.fill_diagonal(scores, -1.0)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :K]
    return order, np.take_along_axis(scores, order, axis=1)


def table(order: np.ndarray, similarity: np.ndarray, labels: list[str]) -> list[tuple]:
    gold = np.asarray(labels)
    same = gold[order] == gold[:, None]
    useful = same & (similarity > 0)
    rows = []
    for threshold in THRESHOLDS:
        shown = similarity >= threshold
        precision = (same & shown).sum() / max(shown.sum(), 1)
        recall = (useful & shown).sum() / max(useful.sum(), 1)
        rows.append((threshold, precision, recall, shown.any(axis=1).mean(), shown.sum()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    print(f"{'data':<18}{'threshold':>10}{'precision':>11}{'recall':>8}{'shown':>8}{'cases':>7}")
    for name, file, columns, label in SETS:
        texts, labels = labelled(args.data / file, columns, label)
        order, similarity = neighbours(texts)
        for threshold, precision, recall, any_shown, count in table(order, similarity, labels):
            print(
                f"{name:<18}{threshold:>10.2f}{precision:>11.3f}{recall:>8.3f}"
                f"{any_shown:>8.3f}{count:>7}"
            )
        print(f"{name:<18} {len(texts)} rows (repeated texts dropped), {len(set(labels))} labels")


if __name__ == "__main__":
    main()
