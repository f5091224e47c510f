"""How well "민원으로 보이는 댓글" finds complaints among comments: precision and recall of
ontong.publishing.comment_signal on a hand-labelled sample (bench/data/comments_labelled.tsv:
1 = a problem or request for the city, 0 = chatter).

    PYTHONPATH=. .venv/bin/python bench/comment_filter.py [--show]
"""

import argparse
import csv
from pathlib import Path

from ontong.publishing.comment_signal import looks_like_complaint

SAMPLE = Path(__file__).parent / "data" / "comments_labelled.tsv"


def measure(rows: list[tuple[int, str]]) -> dict:
    tp = sum(1 for label, text in rows if label and looks_like_complaint(text))
    fp = sum(1 for label, text in rows if not label and looks_like_complaint(text))
    fn = sum(1 for label, text in rows if label and not looks_like_complaint(text))
    return {
        "comments": len(rows),
        "complaints": tp + fn,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "false_positives": fp,
        "missed": fn,
    }


def load(path: Path = SAMPLE) -> list[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(int(r["label"]), r["comment"]) for r in csv.DictReader(handle, delimiter="\t")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="store_true", help="print the comments it got wrong")
    args = parser.parse_args()
    rows = load()
    result = measure(rows)
    print(
        f"{result['comments']} comments, {result['complaints']} complaints: "
        f"precision {result['precision']:.2f}, recall {result['recall']:.2f} "
        f"({result['false_positives']} false alarms, {result['missed']} missed)"
    )
    if args.show:
        for label, text in rows:
            if bool(label) != looks_like_complaint(text):
                print(("missed: " if label else "false alarm: ") + text)


if __name__ == "__main__":
    main()
