"""Similar past cases, a drafted answer from the closest answers, groups of open reports of the
same problem, and 법 제23조 repeated-complaint flags. All computed here: no text leaves the server."""

import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.db.models import Q, QuerySet
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from ontong.complaints import privacy
from ontong.complaints.models import FINAL_STATES, Complaint
from ontong.complaints.search import stored_terms, terms

from .nearest import ANSWERED, PastCase, document_idf, hashed, nearest, weigh
from .pipeline import char_text

__all__ = [
    "PastCase",
    "similar_cases",
    "drafted_answer",
    "same_problem",
    "repeated_by_same_person",
    "ThemeGroup",
    "theme_groups",
]

DRAFT_MIN_SIMILARITY = 0.35
# The lowest similarity at which at least two in three shown cases were handled by the same
# department on every department-labelled shared dataset (bench/similar_threshold.py: at 0.3
# KALIS .864, 옹진 대분류 .699, 서울 1.000; at 0.25 옹진 대분류 falls to .658; docs/routing.md).
SIMILAR_MIN_SIMILARITY = 0.3
GROUP_MIN_SIMILARITY = 0.5
GROUP_WINDOW = dt.timedelta(days=7)
REPEAT_MIN_SIMILARITY = 0.6
# A theme's members are each this similar to its centre, scored as the similar-case index scores
# (bench/themes.py: on the labelled shared datasets ≥ 0.4 keeps most members in the centre's
# department; docs/benchmarks.md).
THEME_MIN_SIMILARITY = 0.4
THEME_BLOCK = 1000  # rows scored against all others at once: 1000 × n floats
# Fewer documents than this get no idf: fitted on a handful of texts it would punish exactly the
# words they share (as in pairwise below).
THEME_IDF_MIN_DOCS = 200


def features() -> TfidfVectorizer:
    """A complaint's stored morphemes and its characters' 2- and 3-grams (spelling variants),
    without analysing its text again."""
    return TfidfVectorizer(
        analyzer=lambda c: morphemes_of(c) + list(char_grams(f"{c.title}\n{c.body}")),
        sublinear_tf=True,
        use_idf=False,
    )


def char_grams(text: str) -> Iterator[str]:
    text = char_text(text)[:2000]
    for n in (2, 3):
        for i in range(len(text) - n + 1):
            yield text[i : i + n]


def similar_cases(complaint: Complaint, k: int = 5) -> list[PastCase]:
    """The closest answered cases, only those similar enough to help."""
    found = nearest(morphemes_of(complaint), k=k, exclude=complaint.pk)
    return [case for case in found if case.similarity >= SIMILAR_MIN_SIMILARITY]


def morphemes_of(complaint: Complaint) -> list[str]:
    """Stored at intake; a case stored without them is analysed now."""
    return stored_terms(complaint.search_text) or terms(f"{complaint.title}\n{complaint.body}")


def drafted_answer(cases: list[PastCase]) -> str:
    """A starting point for the officer, from the closest past answers (masked, to be edited)."""
    close = [c for c in cases if c.similarity >= DRAFT_MIN_SIMILARITY]
    if not close:
        return ""
    best = close[0]
    return (
        f"[초안: 비슷한 민원 {best.label} ({best.department})의 답변에서 — 사실관계를 확인해 고쳐 쓰세요]\n\n"
        f"{privacy.mask_text(best.answer.strip())}"
    )


def same_problem(
    complaint: Complaint, within: QuerySet[Complaint] | None = None, k: int = 5
) -> list[tuple[Complaint, float]]:
    """Open complaints that look like the same problem: similar text, same or unknown place, close
    in time; among `within` (the cases the viewer may see) when given."""
    window = Q(
        received_at__gte=complaint.received_at - GROUP_WINDOW,
        received_at__lte=complaint.received_at + GROUP_WINDOW,
    )
    candidates = list(
        (Complaint.objects.all() if within is None else within)
        .filter(window)
        .exclude(pk=complaint.pk)
        .exclude(state__in=FINAL_STATES | ANSWERED)
        .filter(duplicate_of__isnull=True)[:500]
    )
    if complaint.area_id:
        candidates = [c for c in candidates if c.area_id in {None, complaint.area_id}]
    return pairwise(complaint, candidates, GROUP_MIN_SIMILARITY)[:k]


def pairwise(
    complaint: Complaint, others: list[Complaint], minimum: float
) -> list[tuple[Complaint, float]]:
    if not others:
        return []
    # No IDF here: fitted on a handful of texts it would punish exactly the words they share.
    matrix = normalize(features().fit_transform([complaint, *others]))
    scores = (matrix[1:] @ matrix[0].T).toarray().ravel()
    ranked = sorted(zip(others, scores, strict=True), key=lambda pair: -pair[1])
    return [(c, round(float(s), 3)) for c, s in ranked if s >= minimum]


@dataclass
class RepeatFlag:
    previous: list[Complaint]
    answered: int

    @property
    def conditions(self) -> list[tuple[str, bool]]:
        """법 제23조①: same content submitted 3+ times without good reason, 2+ results notified."""
        return [
            ("같은 내용을 3회 이상 제출 (이번 포함)", len(self.previous) + 1 >= 3),
            ("그중 2회 이상 처리 결과를 통지함", self.answered >= 2),
            ("법정민원이 아님", True),
            ("정당한 사유 없음 — 담당자가 판단", False),
        ]


def repeated_by_same_person(complaint: Complaint) -> RepeatFlag | None:
    if not complaint.citizen_id or complaint.kind == "법정":
        return None
    earlier = list(
        Complaint.objects.filter(
            citizen_id=complaint.citizen_id, received_at__lt=complaint.received_at
        ).exclude(pk=complaint.pk)[:200]
    )
    same = [c for c, _ in pairwise(complaint, earlier, REPEAT_MIN_SIMILARITY)]
    if len(same) + 1 < 3:
        return None
    return RepeatFlag(previous=same, answered=sum(1 for c in same if c.state in ANSWERED))


@dataclass
class ThemeGroup:
    centre: int  # index into the documents given
    members: list[int]  # the centre first, then by similarity to it
    similarity: list[float]  # of each member to the centre


def theme_groups(
    docs: list[list[str]], minimum: float = THEME_MIN_SIMILARITY, min_cases: int = 2
) -> list[ThemeGroup]:
    """Groups of documents (morpheme lists) about the same thing, largest first. Weighted as the
    similar-case index weighs (binary morphemes, smoothed idf over these documents, cosine); the
    document with the most unclaimed neighbours ≥ minimum leads a group of them, and so on. Every
    member is close to its centre, so groups do not chain from one topic into another."""
    counts = hashed(docs)
    if len(docs) >= THEME_IDF_MIN_DOCS:
        matrix = weigh(counts, document_idf(counts))
    else:
        matrix = normalize(counts)
    neighbours: list[dict[int, float]] = []
    for start in range(0, len(docs), THEME_BLOCK):
        block = (matrix[start : start + THEME_BLOCK] @ matrix.T).toarray()
        for offset, row in enumerate(block):
            close = np.flatnonzero(row >= minimum)
            neighbours.append({int(j): float(row[j]) for j in close if j != start + offset})
    taken: set[int] = set()
    heap = [(-len(near), i) for i, near in enumerate(neighbours) if len(near) + 1 >= min_cases]
    heapq.heapify(heap)
    groups = []
    while heap:
        size, i = heapq.heappop(heap)
        if i in taken:
            continue
        free = [j for j in neighbours[i] if j not in taken]
        if len(free) + 1 < min_cases:
            continue
        if -size != len(free):  # neighbours were claimed since: queue it at its size now
            heapq.heappush(heap, (-len(free), i))
            continue
        free.sort(key=lambda j: (-neighbours[i][j], j))
        taken.update([i, *free])
        groups.append(ThemeGroup(i, [i, *free], [1.0, *(round(neighbours[i][j], 3) for j in free)]))
    return groups
