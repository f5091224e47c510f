"""How many case titles does name masking change (privacy.public_titles), and which? Reads the
titles of the shared datasets, masks them as the "이미 접수된 민원인가요?" list and the staff map
do, and prints the count per dataset and every changed title, for a person to spot-check.

    .venv/bin/python bench/title_names.py [--data ../shared/data] [--quiet]
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontong.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from ontong.complaints import privacy  # noqa: E402
from ontong.routing.tables import read_rows  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETS = [
    ("KALIS", "kalis_minwon_20240101.cp949.csv", "제목"),
    ("옹진", "ongjin_complaints_class_ex.xlsx", "민원제목"),
    ("서울 제안", "seoul_democracy_adopted_proposals_190715.xlsx", "제안제목"),
    ("국민신문고", "seoul_eungdapso_gu_qa_kookmin_shinmungo.csv", "질문"),
]


def titles(path: Path, column: str) -> list[str]:
    # 국민신문고 rows carry title, body and date in one cell: the first line is the title.
    found = ((row.get(column) or "").strip().split("\n")[0] for row in read_rows(path))
    return [title for title in found if title]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--quiet", action="store_true", help="counts only")
    args = parser.parse_args()
    total = changed_total = 0
    for name, file, column in SETS:
        found = titles(Path(args.data) / file, column)
        started = time.perf_counter()
        masked = privacy.public_titles(found)
        seconds = time.perf_counter() - started
        unmasked = [" ".join(privacy.without_personal_data(t).split()) for t in found]
        changed = [(a, b) for a, b in zip(unmasked, masked, strict=True) if a != b]
        total += len(found)
        changed_total += len(changed)
        print(f"{name}: {len(changed)} / {len(found)} titles changed ({seconds:.2f} s)")
        if not args.quiet:
            for before, after in changed:
                print(f"    {before}  →  {after}")
    print(f"all: {changed_total} / {total}")


if __name__ == "__main__":
    main()
