"""The similar-case index: every answered complaint and imported past case as a TF-IDF vector of
its stored content morphemes (no Kiwi at lookup or build), built by a background task into
memory-mapped files that every process on the machine shares. Cases answered or imported since
the build are read from the database beside it, so nothing new is missed.

A lookup reads only the index columns of the query's less common morphemes, takes the best
CANDIDATES, and scores those exactly; at 1,000,000 complaints it stays in tens of milliseconds
(bench/scale.py), where the old per-process index had to analyse every answered case again."""

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import scipy.sparse as sparse
from django.conf import settings
from django.db.models import Count, Max, Model, QuerySet
from django.utils import timezone
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from ontong.complaints.models import Complaint, State
from ontong.complaints.search import normalise, stored_terms

from .history import store_terms
from .models import HistoricalCase, SimilarIndex

log = logging.getLogger(__name__)

N_FEATURES = 2**20
CANDIDATES = 50
COMMON_SHARE = 0.05  # morphemes in more of the cases than this are left to the exact scoring
REBUILD_HOURS = 24
REBUILD_NEW_CASES = 2000
NEW_CASES_LIMIT = 20_000
BUILD_CHUNK = 50_000
KEEP_BUILDS = 2
ANSWERED = {State.NOTIFIED, State.CLOSED}


@dataclass
class PastCase:
    key: str
    label: str  # receipt number or import source:row
    text: str
    department: str
    answer: str
    similarity: float = 0.0


def as_is(terms: list[str]) -> list[str]:
    return terms


HASHER = HashingVectorizer(
    analyzer=as_is,
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    binary=True,
    dtype=np.float32,
)


def answered_complaints() -> QuerySet[Complaint]:
    return Complaint.objects.filter(state__in=ANSWERED).exclude(answer="")


def answered_history() -> QuerySet[HistoricalCase]:
    return HistoricalCase.objects.exclude(answer="")


def document_idf(matrix: sparse.csr_matrix) -> np.ndarray:
    """scikit-learn's smoothed idf of binary morpheme rows, so weights match a TfidfVectorizer's."""
    df = np.bincount(matrix.indices, minlength=N_FEATURES)
    return (np.log((1 + matrix.shape[0]) / (1 + df)) + 1).astype(np.float32)


def hashed(docs: list[list[str]]) -> sparse.csr_matrix:
    """Each document's distinct morphemes as columns (a 0-row matrix for no documents)."""
    if not docs:
        from scipy.sparse import csr_matrix

        return csr_matrix((0, N_FEATURES), dtype=np.float32)
    return HASHER.transform(docs)


def weighted(docs: list[list[str]], idf: np.ndarray) -> sparse.csr_matrix:
    """Rows of idf weights of each document's distinct morphemes, L2-normalised."""
    return weigh(hashed(docs), idf)


def weigh(matrix: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Binary morpheme rows → idf weights, L2-normalised."""
    matrix.data = idf[matrix.indices]
    return normalize(matrix) if matrix.shape[0] else matrix


# ---------------------------------------------------------------------------------- building


def build() -> SimilarIndex:
    """Write a new index of every answered case; the previous builds but one are removed."""
    started = time.monotonic()
    covers_until = timezone.now()
    fill_history_terms()
    chunk_key_arrays, counts = [], []
    for chunk_keys, chunk_docs in chunks_of_cases():
        chunk_key_arrays.append(np.asarray(chunk_keys, dtype=np.int64))
        counts.append(HASHER.transform(chunk_docs))
    from scipy.sparse import vstack

    matrix = vstack(counts, format="csr") if counts else hashed([])
    keys = np.concatenate(chunk_key_arrays) if chunk_key_arrays else np.zeros(0, dtype=np.int64)
    idf = document_idf(matrix)
    columns = weigh(matrix, idf).tocsc()
    folder = Path(settings.VAR_DIR) / "models" / f"similar-{int(time.time() * 1000)}"
    folder.mkdir(parents=True)
    for name, array in {
        "keys": keys,
        "idf": idf,
        "indptr": columns.indptr.astype(np.int64),
        "indices": columns.indices.astype(np.int32),
        "data": columns.data.astype(np.float32),
    }.items():
        np.save(folder / f"{name}.npy", array)
    record = SimilarIndex.objects.create(
        covers_until=covers_until,
        cases=len(keys),
        folder=str(folder),
        seconds=round(time.monotonic() - started, 1),
    )
    remove_old_builds()
    return record


def chunks_of_cases() -> Iterator[tuple[list[int], list[list[str]]]]:
    """(keys, morphemes) in chunks: a million cases' morphemes as Python strings at once would
    take gigabytes. Complaints have positive keys, imported cases negative ones."""
    for query, key_sign, read in (
        (answered_complaints().values_list("pk", "search_text"), 1, stored_terms),
        (answered_history().values_list("pk", "terms"), -1, str.split),
    ):
        keys, docs = [], []
        for pk, text in query.order_by().iterator(chunk_size=10_000):
            keys.append(key_sign * pk)
            docs.append(read(text))
            if len(keys) == BUILD_CHUNK:
                yield keys, docs
                keys, docs = [], []
        if keys:
            yield keys, docs


def fill_history_terms(batch: int = 500) -> int:
    """Past cases imported before their morphemes were stored get them now."""
    filled = 0
    while True:
        rows = list(answered_history().filter(terms="").only("pk", "text")[:batch])
        if not rows:
            return filled
        store_terms(rows)
        HistoricalCase.objects.bulk_update(rows, ["terms"])
        filled += len(rows)


def remove_old_builds() -> None:
    """Files of replaced builds go; a process still mapping one keeps reading it until it
    switches (Linux frees the file when the last mapping closes)."""
    for old in SimilarIndex.objects.order_by("-pk")[KEEP_BUILDS:]:
        shutil.rmtree(old.folder, ignore_errors=True)
        old.delete()


def rebuild_due() -> bool:
    """The newest build is a day old or many cases were answered since (or there is none and
    there is something to index)."""
    newest = SimilarIndex.objects.order_by("-pk").first()
    if newest and timezone.now() - newest.created_at < dt.timedelta(hours=REBUILD_HOURS):
        return new_cases_since(newest.covers_until)[0] >= REBUILD_NEW_CASES
    return newest is not None or answered_complaints().exists() or answered_history().exists()


def rebuild_if_due() -> bool:
    """Enqueue a build when one is due and none is waiting (once, whichever worker ticks)."""
    from .schedule import enqueue_once
    from .tasks import build_similar_index

    return enqueue_once("similar_index", build_similar_index, rebuild_due)


# ---------------------------------------------------------------------------------- lookup


@dataclass
class Built:
    pk: int
    covers_until: dt.datetime
    keys: np.ndarray
    idf: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @classmethod
    def load(cls, record: SimilarIndex) -> "Built":
        folder = Path(record.folder)

        def array(name: str) -> np.ndarray:
            return np.load(folder / f"{name}.npy", mmap_mode="r")

        return cls(
            record.pk,
            record.covers_until,
            array("keys"),
            np.asarray(array("idf")),
            array("indptr"),
            array("indices"),
            array("data"),
        )

    def scores(self, columns: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Cosine with the query over the given columns only."""
        n = len(self.keys)
        rows, values = [], []
        for column, weight in zip(columns, weights, strict=True):
            start, end = self.indptr[column], self.indptr[column + 1]
            # A column of at most CANDIDATES cases is cheap whatever its share: in a small city
            # every morpheme is in more than 5% of the cases, and skipping them all found nothing.
            if end - start > max(COMMON_SHARE * n, CANDIDATES) and len(columns) > 1:
                continue
            rows.append(self.indices[start:end])
            values.append(self.data[start:end] * weight)
        if not rows:
            return np.zeros(n)
        return np.bincount(np.concatenate(rows), np.concatenate(values), minlength=n)


@dataclass
class Recent:
    """Cases answered or imported after the build, weighted like the build; read again when the
    database's stamp of them changes."""

    stamp: tuple[object, ...]
    keys: np.ndarray
    matrix: sparse.csr_matrix  # L2-normalised rows
    idf: np.ndarray


class Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.built: Built | None = None
        self.recent: Recent | None = None

    def forget(self) -> None:
        with self.lock:
            self.built, self.recent = None, None


CACHE = Cache()
# Answers committed just before a build started may be read by neither the build nor the
# recent cases; the overlap makes both see them.
OVERLAP = dt.timedelta(minutes=10)


def current_build() -> Built | None:
    record = SimilarIndex.objects.order_by("-pk").first()
    with CACHE.lock:
        if record is None:
            CACHE.built = None
        elif CACHE.built is None or CACHE.built.pk != record.pk:
            try:
                CACHE.built = Built.load(record)
            except OSError as error:  # files not (yet) on this machine: look up recent cases only
                log.warning("similar-case index v%s unreadable: %s", record.pk, error)
                return None
        return CACHE.built


M = TypeVar("M", bound=Model)


def newer(queryset: QuerySet[M], field: str, moment: dt.datetime | None) -> QuerySet[M]:
    """Rows whose field is after the build (all when there is none), unordered."""
    if moment is not None:
        queryset = queryset.filter(**{f"{field}__gt": moment - OVERLAP})
    return queryset.order_by()


def cases_since(
    moment: dt.datetime | None,
) -> tuple[QuerySet[Complaint], QuerySet[HistoricalCase]]:
    return (
        newer(answered_complaints(), "answered_at", moment),
        newer(answered_history().exclude(terms=""), "imported_at", moment),
    )


def new_cases_since(moment: dt.datetime | None) -> tuple[int, tuple[object, ...]]:
    """How many cases were answered or imported after the build, and a stamp that changes when
    one is (read from the indexes alone: a reopened case loses its answered_at)."""
    a = newer(Complaint.objects.filter(answered_at__isnull=False), "answered_at", moment).aggregate(
        n=Count("answered_at"), last=Max("answered_at")
    )
    b = newer(HistoricalCase.objects.all(), "imported_at", moment).aggregate(
        n=Count("imported_at"), last=Max("imported_at")
    )
    return a["n"] + b["n"], (a["n"], a["last"], b["n"], b["last"])


def recent_cases(built: Built | None) -> Recent:
    moment = built.covers_until if built else None
    stamp = (built.pk if built else None, *new_cases_since(moment)[1])
    with CACHE.lock:
        if CACHE.recent is not None and CACHE.recent.stamp == stamp:
            return CACHE.recent
    complaints, history = cases_since(moment)
    keys, docs = [], []
    newest = complaints.order_by("-answered_at").values_list("pk", "search_text")
    for pk, text in newest[:NEW_CASES_LIMIT]:
        keys.append(pk)
        docs.append(stored_terms(text))
    for pk, found in history.order_by("-imported_at").values_list("pk", "terms")[:NEW_CASES_LIMIT]:
        keys.append(-pk)
        docs.append(found.split())
    if built is not None:
        idf = built.idf
    else:
        idf = document_idf(hashed(docs))
    recent = Recent(stamp, np.asarray(keys, dtype=np.int64), weighted(docs, idf), idf)
    with CACHE.lock:
        CACHE.recent = recent
    return recent


def row_scores(matrix: sparse.csr_matrix, query: sparse.csr_matrix) -> np.ndarray:
    """matrix · queryᵀ for a one-row query, without transposing a million-column vector."""
    if not matrix.nnz or not query.nnz:
        return np.zeros(matrix.shape[0])
    query.sort_indices()
    columns, weights = query.indices, query.data
    at = np.minimum(np.searchsorted(columns, matrix.indices), len(columns) - 1)
    products = np.where(columns[at] == matrix.indices, matrix.data * weights[at], 0.0)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    return np.bincount(rows, products, minlength=matrix.shape[0])


def best_of(scores: np.ndarray, keys: np.ndarray) -> set[int]:
    if not len(scores):
        return set()
    best = np.argpartition(-scores, min(CANDIDATES, len(scores) - 1))[:CANDIDATES]
    return {int(keys[i]) for i in best if scores[i] > 0}


def nearest(terms: list[str], k: int = 5, exclude: int | None = None) -> list[PastCase]:
    """The k answered cases closest to these morphemes (complaint `exclude` left out)."""
    if not terms:
        return []
    built = current_build()
    recent = recent_cases(built)
    query = weighted([terms], recent.idf)
    candidates = best_of(row_scores(recent.matrix, query), recent.keys)
    if built is not None:
        candidates |= best_of(built.scores(query.indices, query.data), built.keys)
    candidates.discard(exclude)
    return ranked(candidates, query, recent.idf, k)


def ranked(
    candidates: set[int], query: sparse.csr_matrix, idf: np.ndarray, k: int
) -> list[PastCase]:
    """Exact cosine on each candidate's current morphemes (cases reopened or emptied since the
    build drop out here); only the best k are read whole."""
    keys, docs = current_terms(candidates)
    if not keys:
        return []
    scores = row_scores(weighted(docs, idf), query)
    best = [i for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0]
    return past_cases({keys[i]: float(scores[i]) for i in best})


def current_terms(keys: set[int]) -> tuple[list[int], list[list[str]]]:
    """The candidates still answered, in key order, with their morphemes."""
    found = [
        (pk, stored_terms(text))
        for pk, text in answered_complaints()
        .filter(pk__in=[key for key in keys if key > 0])
        .values_list("pk", "search_text")
    ]
    found += [
        (-pk, text.split())
        for pk, text in answered_history()
        .filter(pk__in=[-key for key in keys if key < 0])
        .values_list("pk", "terms")
    ]
    found.sort()
    return [key for key, _ in found], [terms for _, terms in found]


def past_cases(similarity: dict[int, float]) -> list[PastCase]:
    """The cases, in the order given; one reopened since its morphemes were read is left out."""
    complaints = (
        answered_complaints()
        .select_related("department")
        .in_bulk([key for key in similarity if key > 0])
    )
    history = (
        answered_history()
        .select_related("department")
        .in_bulk([-key for key in similarity if key < 0])
    )
    cases = []
    for key, score in similarity.items():
        if key > 0 and key in complaints:
            c = complaints[key]
            department = c.department.name if c.department else ""
            cases.append(
                PastCase(f"c{c.pk}", c.receipt_no, case_text(c), department, c.answer, score)
            )
        elif key < 0 and -key in history:
            h = history[-key]
            department = h.department.name if h.department else h.department_name
            label = f"{h.source}:{h.row}"
            cases.append(PastCase(f"h{h.pk}", label, h.text, department, h.answer, score))
    return cases


def case_text(c: Complaint) -> str:
    """Title and body, or the body alone when the title is only its beginning (the default
    title): the preview would otherwise say the same sentence twice."""
    beginning = c.title.rstrip("…")
    if beginning and normalise(c.body).startswith(beginning):
        return c.body
    return f"{c.title}\n{c.body}"
