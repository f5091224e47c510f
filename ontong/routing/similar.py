"""Similar past cases, a drafted answer from the closest answers, groups of open reports of the
same problem, and 법 제23조 repeated-complaint flags. All computed here: no text leaves the server."""

import datetime as dt
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db.models import Q
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from ontong.complaints import privacy
from ontong.complaints.models import FINAL_STATES, Complaint, State

from .models import HistoricalCase
from .pipeline import char_text, morpheme_analyzer

INDEX_SECONDS = 300
ANSWERED = {State.NOTIFIED, State.CLOSED}
DRAFT_MIN_SIMILARITY = 0.35
GROUP_MIN_SIMILARITY = 0.5
GROUP_WINDOW = dt.timedelta(days=7)
REPEAT_MIN_SIMILARITY = 0.6


@dataclass
class PastCase:
    key: str
    label: str  # receipt number or import source:row
    text: str
    department: str
    answer: str
    similarity: float = 0.0


def vectorizer(use_idf: bool = True) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=lambda t: morpheme_analyzer(t) + list(char_grams(t)),
        sublinear_tf=True,
        use_idf=use_idf,
    )


def char_grams(text: str):
    text = char_text(text)[:2000]
    for n in (2, 3):
        for i in range(len(text) - n + 1):
            yield text[i : i + n]


class Index:
    """Past answered cases in a TF-IDF matrix, rebuilt every few minutes per process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.built_at = 0.0
        self.cases: list[PastCase] = []
        self.vectorizer = None
        self.matrix = None

    def refresh(self) -> None:
        with self.lock:
            if time.monotonic() - self.built_at < INDEX_SECONDS and self.vectorizer is not None:
                return
            self.cases = past_cases()
            if self.cases:
                self.vectorizer = vectorizer()
                self.matrix = normalize(self.vectorizer.fit_transform([c.text for c in self.cases]))
            self.built_at = time.monotonic()

    def nearest(self, text: str, k: int = 5, exclude: str = "") -> list[PastCase]:
        self.refresh()
        if not self.cases:
            return []
        query = normalize(self.vectorizer.transform([text]))
        scores = (self.matrix @ query.T).toarray().ravel()
        found = []
        for i in np.argsort(-scores):
            if len(found) == k or scores[i] <= 0:
                break
            if self.cases[i].key != exclude:
                case = self.cases[i]
                found.append(
                    PastCase(
                        case.key,
                        case.label,
                        case.text,
                        case.department,
                        case.answer,
                        float(scores[i]),
                    )
                )
        return found


INDEX = Index()


def past_cases() -> list[PastCase]:
    cases = [
        PastCase(
            f"c{c.pk}",
            c.receipt_no,
            f"{c.title}\n{c.body}",
            c.department.name if c.department else "",
            c.answer,
        )
        for c in Complaint.objects.filter(state__in=ANSWERED)
        .exclude(answer="")
        .select_related("department")
    ]
    cases += [
        PastCase(
            f"h{h.pk}",
            f"{h.source}:{h.row}",
            h.text,
            h.department.name if h.department else h.department_name,
            h.answer,
        )
        for h in HistoricalCase.objects.exclude(answer="").select_related("department")
    ]
    return cases


def similar_cases(complaint: Complaint, k: int = 5) -> list[PastCase]:
    return INDEX.nearest(f"{complaint.title}\n{complaint.body}", k=k, exclude=f"c{complaint.pk}")


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


def same_problem(complaint: Complaint, k: int = 5) -> list[tuple[Complaint, float]]:
    """Open complaints that look like the same problem: similar text, same or unknown place, close in time."""
    window = Q(
        received_at__gte=complaint.received_at - GROUP_WINDOW,
        received_at__lte=complaint.received_at + GROUP_WINDOW,
    )
    candidates = list(
        Complaint.objects.filter(window)
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
    texts = [f"{complaint.title}\n{complaint.body}"] + [f"{c.title}\n{c.body}" for c in others]
    # No IDF here: fitted on a handful of texts it would punish exactly the words they share.
    matrix = normalize(vectorizer(use_idf=False).fit_transform(texts))
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
