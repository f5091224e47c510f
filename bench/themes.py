"""How many of a period's complaints fall into themes a post could have answered: groups of at
least N similar cases (routing.similar.theme_groups, as the desk groups them) mostly handled by
one department and answered (web.themes.could_answer).

    PYTHONPATH=. .venv/bin/python bench/themes.py --demo [--weeks 8]    # the database's city
    PYTHONPATH=. .venv/bin/python bench/themes.py --data ../shared/data # the labelled datasets
    PYTHONPATH=. .venv/bin/python bench/themes.py --scale 5000          # grouping time, n texts
    PYTHONPATH=. .venv/bin/python bench/themes.py --data ../shared/data --purity  # the threshold

A labelled dataset has no dates: all its rows are one period, the label stands for the
department, and a row counts as answered when it has an answer column (옹진 has none: there the
share is of themes mostly in one label, answered or not). Every text is read once by Kiwi
(terms_of_many) as the worker does; the time of each step is printed.
"""

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from ontong.complaints.search import terms_of_many  # noqa: E402
from ontong.routing.similar import theme_groups  # noqa: E402
from ontong.routing.tables import joined_text, read_rows  # noqa: E402
from ontong.web import themes  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETS = [  # name, file, text columns, department label, answer column
    ("KALIS", "kalis_minwon_20240101.cp949.csv", ["제목", "문의내용"], "답변부서", "답변내용"),
    ("옹진 대분류", "ongjin_complaints_class_ex.xlsx", ["민원제목", "민원요지"], "대분류", None),
    (
        "서울 제안",
        "seoul_democracy_adopted_proposals_190715.xlsx",
        ["제안제목", "제안내용"],
        "담당부서",
        "담당부서 의견",
    ),
    ("서울 응답소", "seoul_eungdapso_gu_qa_kookmin_shinmungo.csv", ["질문"], None, "답변"),
]


def share(docs, departments, answered, min_cases):
    """(themes, complaints in themes, complaints in themes a post could answer, seconds)."""
    started = time.monotonic()
    groups = theme_groups(docs)
    seconds = time.monotonic() - started
    in_themes = postable = 0
    for group in groups:
        members = group.members
        top = Counter(departments[i] for i in members if departments[i]).most_common(1)
        if len(members) >= 2:
            in_themes += len(members)
        ok = len(members) >= min_cases and themes.could_answer(
            len(members),
            top[0][1] if top else (len(members) if departments[members[0]] is None else 0),
            any(answered[i] for i in members),
        )
        postable += len(members) if ok else 0
    return len(groups), in_themes, postable, seconds


def report(name, docs, departments, answered, analyse_seconds):
    n = len(docs)
    for min_cases in (2, 3, 5):
        saved = themes.POST_MIN_CASES
        themes.POST_MIN_CASES = min_cases
        try:
            groups, in_themes, postable, seconds = share(docs, departments, answered, min_cases)
        finally:
            themes.POST_MIN_CASES = saved
        print(
            f"{name:<14}{n:>7}{min_cases:>4}{groups:>8}{in_themes / max(n, 1):>10.1%}"
            f"{postable / max(n, 1):>10.1%}{analyse_seconds:>9.2f}{seconds:>9.2f}"
        )


def header():
    print(f"{'data':<14}{'cases':>7}{'N':>4}{'themes':>8}{'in theme':>10}{'postable':>10}"
          f"{'kiwi s':>9}{'group s':>9}")  # fmt: skip


def dataset(folder: Path, name, file, columns, label, answer):
    rows = read_rows(folder / file)
    texts = [joined_text(r, columns) for r in rows]
    keep = [i for i, t in enumerate(texts) if t]
    started = time.monotonic()
    docs = terms_of_many([texts[i] for i in keep])
    analyse = time.monotonic() - started
    departments = [((rows[i].get(label) or "").strip() or "?") if label else None for i in keep]
    answered = [bool((rows[i].get(answer) or "").strip()) if answer else True for i in keep]
    report(name, docs, departments, answered, analyse)


def purity(folder: Path):
    """For each threshold: themes (≥ 3 cases), the share of cases in them and the share of members
    with their centre's label (the department): how far a theme stays one department's matter."""
    print(f"{'data':<14}{'minimum':>8}{'themes':>8}{'in theme':>10}{'purity':>8}")
    for name, file, columns, label, _answer in SETS:
        if label is None:
            continue
        rows = read_rows(folder / file)
        pairs = [(joined_text(r, columns), (r.get(label) or "").strip()) for r in rows]
        pairs = [(t, g) for t, g in pairs if t and g]
        docs = terms_of_many([t for t, _g in pairs])
        for minimum in (0.3, 0.35, 0.4, 0.45, 0.5):
            groups = theme_groups(docs, minimum, min_cases=3)
            members = [(g.centre, i) for g in groups for i in g.members]
            same = sum(pairs[c][1] == pairs[i][1] for c, i in members)
            print(
                f"{name:<14}{minimum:>8.2f}{len(groups):>8}{len(members) / len(pairs):>10.1%}"
                f"{same / max(len(members), 1):>8.3f}"
            )


def demo(weeks: int):
    from django.utils import timezone

    from ontong.complaints.models import Complaint
    from ontong.routing.nearest import ANSWERED

    started = time.monotonic()
    rows = themes.period_complaints(weeks, timezone.now())
    analyse = time.monotonic() - started
    found = Complaint.objects.in_bulk([pk for pk, _at, _docs in rows])
    departments = [found[pk].department_id or "" for pk, _at, _d in rows]
    answered = [found[pk].state in ANSWERED and bool(found[pk].answer) for pk, _at, _d in rows]
    report(f"DB {weeks}주", [d for _pk, _at, d in rows], departments, answered, analyse)
    started = time.monotonic()
    data = themes.compute(weeks)
    print(f"web.themes.compute({weeks}): {len(data['themes'])} themes of {data['complaints']} "
          f"complaints in {time.monotonic() - started:.2f} s (morphemes remembered, grouping, "
          "answers, masking)")  # fmt: skip
    themes.ANALYSED.clear()
    for run in ("first", "second"):
        started = time.monotonic()
        themes.compute(weeks)
        print(f"compute, {run} in this process: {time.monotonic() - started:.2f} s")


def scale(folder: Path, n: int):
    """Grouping n texts: the shared datasets' texts repeated with a distinguishing word each."""
    texts = []
    for _name, file, columns, *_ in SETS:
        texts += [t for t in (joined_text(r, columns) for r in read_rows(folder / file)) if t]
    terms_of_many(texts[:1])  # the model loaded before the clock starts
    started = time.monotonic()
    docs = terms_of_many([texts[i % len(texts)] for i in range(n)])
    analyse = time.monotonic() - started
    many = [[*docs[i], f"사례{i}"] for i in range(n)]
    started = time.monotonic()
    groups = theme_groups(many)
    print(
        f"{n} texts (the shared datasets' {len(texts)} repeated): Kiwi {analyse:.1f} s, "
        f"theme_groups {time.monotonic() - started:.2f} s ({len(groups)} themes)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--scale", type=int)
    parser.add_argument("--purity", action="store_true")
    args = parser.parse_args()
    if args.purity:
        purity(args.data or ROOT.parent / "shared" / "data")
        return
    if args.scale:
        scale(args.data or ROOT.parent / "shared" / "data", args.scale)
        return
    header()
    if args.demo:
        demo(args.weeks)
    if args.data:
        for spec in SETS:
            dataset(args.data, *spec)


if __name__ == "__main__":
    main()
