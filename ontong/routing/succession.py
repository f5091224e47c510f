"""Reorganisations found in imported history: a department whose complaints stop when another's,
about the same things, start is proposed as renamed (or merged, or split) into it. The admin
accepts or rejects each proposal; accepting sets replaced_by, which training (suggest.py) and
`ontong routing evaluate --reorganisations` follow."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from ontong.org.models import Department

from .models import HistoricalCase, SuccessionProposal

MIN_CASES = 5
# A department counts as gone when it had no complaint in the last QUIET days of the history,
# and its successor may have started at most OVERLAP days before its last one (a handover month).
QUIET = dt.timedelta(days=90)
OVERLAP = dt.timedelta(days=31)
# Cosine of two departments' mean TF-IDF vectors (character 2–3-grams of their complaints). A
# successor must be closer to the old department than any department that is not a possible
# successor, and at least this close. Simulated renames on the shared data (each label with 10+
# rows cut into random halves) are found for 18/20 옹진, 5/7 KALIS and 1/3 서울 labels; on 서울's
# real 2010–2017 history nothing is proposed (the closest unrelated pair, 0.28, stays below;
# docs/routing.md).
MIN_SIMILARITY = 0.3


@dataclass
class Label:
    name: str
    first: dt.date
    last: dt.date
    rows: list[int]


def labels_in_history() -> tuple[dict[str, Label], list[str]]:
    labels: dict[str, Label] = {}
    texts: list[str] = []
    cases = HistoricalCase.objects.filter(received_at__isnull=False).order_by("received_at", "pk")
    for case in cases.values_list("department_name", "received_at", "text").iterator():
        name, when, text = case[0], timezone.localdate(case[1]), case[2]
        label = labels.setdefault(name, Label(name, when, when, []))
        label.last = when
        label.rows.append(len(texts))
        texts.append(text)
    return labels, texts


def centroids(labels: list[Label], texts: list[str]) -> np.ndarray:
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True)
    matrix = vectors.fit_transform(texts)
    rows = [np.asarray(matrix[label.rows].mean(axis=0)) for label in labels]
    unit_rows: np.ndarray = normalize(np.vstack(rows))  # scikit-learn ships no types
    return unit_rows


def candidates(
    min_cases: int = MIN_CASES, min_similarity: float = MIN_SIMILARITY
) -> list[SuccessionProposal]:
    """Unsaved proposals: every (gone, started) pair of labels with similar complaints."""
    labels, texts = labels_in_history()
    kept = [label for label in labels.values() if len(label.rows) >= min_cases]
    if len(kept) < 2:
        return []
    end = max(label.last for label in kept)
    vectors = centroids(kept, texts)
    similarity = vectors @ vectors.T
    found = []
    for i, old in enumerate(kept):
        if old.last > end - QUIET:
            continue
        after = [new.first > old.first and new.first >= old.last - OVERLAP for new in kept]
        others = [similarity[i, k] for k in range(len(kept)) if k != i and not after[k]]
        floor = max([min_similarity, *others])
        found += [
            proposal(old, new, float(similarity[i, j]))
            for j, new in enumerate(kept)
            if after[j] and similarity[i, j] >= floor
        ]
    return found


def proposal(old: Label, new: Label, similarity: float) -> SuccessionProposal:
    return SuccessionProposal(
        old_name=old.name,
        new_name=new.name,
        old_last_seen=old.last,
        new_first_seen=new.first,
        old_cases=len(old.rows),
        new_cases=len(new.rows),
        similarity=round(similarity, 3),
    )


def already_known(old_name: str, new_name: str, departments: dict[str, Department]) -> bool:
    """The catalogue already says the old name leads to the new department."""
    old = departments.get(old_name)
    return old is not None and old.current().name == new_name


def propose() -> list[SuccessionProposal]:
    """Save new proposals (a pair decided or proposed before is not proposed again)."""
    from .history import department_index

    departments = department_index()
    seen = set(SuccessionProposal.objects.values_list("old_name", "new_name"))
    fresh = [
        p
        for p in candidates()
        if (p.old_name, p.new_name) not in seen
        and not already_known(p.old_name, p.new_name, departments)
    ]
    return SuccessionProposal.objects.bulk_create(fresh)


class CannotAccept(Exception):
    pass


@transaction.atomic
def accept(item: SuccessionProposal) -> Department:
    """The old department is replaced by the new one; the history's cases of the old name that
    had no department now belong to the new one. Other open proposals for the same old name
    are rejected (replaced_by names one successor: for a split, accept the main one)."""
    from .history import department_index

    departments = department_index()
    new = departments.get(item.new_name)
    if new is None:
        raise CannotAccept(f"부서 목록에 '{item.new_name}'이(가) 없습니다. 먼저 부서를 만드세요.")
    new = new.current()
    old = Department.objects.filter(name=item.old_name).first()
    if old is not None and old.pk == new.pk:
        raise CannotAccept(f"'{item.old_name}'은(는) 이미 '{new.name}'의 이름입니다.")
    if old is not None:
        old.replaced_by = new
        old.save(update_fields=["replaced_by"])
    else:
        new.aliases = ", ".join([*new.alias_list(), item.old_name])
        new.save(update_fields=["aliases"])
    HistoricalCase.objects.filter(department_name=item.old_name, department__isnull=True).update(
        department=new
    )
    now = timezone.now()
    SuccessionProposal.objects.filter(
        old_name=item.old_name, status=SuccessionProposal.Status.PROPOSED
    ).exclude(pk=item.pk).update(status=SuccessionProposal.Status.REJECTED, decided_at=now)
    item.status, item.decided_at = SuccessionProposal.Status.ACCEPTED, now
    item.save(update_fields=["status", "decided_at"])
    return new


def reject(item: SuccessionProposal) -> None:
    item.status, item.decided_at = SuccessionProposal.Status.REJECTED, timezone.now()
    item.save(update_fields=["status", "decided_at"])
