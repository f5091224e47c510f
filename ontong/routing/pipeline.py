"""The routing model: Korean morphemes and character n-grams of the whole text and of its first
line (the title, weighted more as the body grows longer and noisier), TF-IDF, and a linear SVM
blended with two similarity views — the class centroid and the nearest past case — so that small
departments and repeated complaints are not lost.

The same pipeline serves production suggestions, retraining and `ontong routing evaluate`.
"""

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Self

import numpy as np
import scipy.sparse as sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from ontong.complaints import analyser
from ontong.complaints.search import normalise

MORPHEME_TAGS = ("N", "V", "M", "X", "S")
# Character n-grams of the first 1,500 characters: longer texts add cost, not signal (shared
# datasets: 1,000, 1,500 and 5,000 within noise; docs/routing.md).
MAX_CHARS = 1500
# Morphemes of the first 400 characters only: Kiwi's time grows with the text (about 20 ms per
# 1,000 characters on one core) while the character n-grams already cover the whole text. On the
# shared datasets 400, 500, 700 and 1,000 scored within noise of the whole text; 300 lost KALIS
# top-3 (docs/routing.md).
MORPHEME_CHARS = 400
# Terms are hashed into fixed-width blocks instead of kept in a vocabulary: a vocabulary of a
# city's history is a Python dict of several hundred thousand strings, 70 MiB in every process
# that loads the model (bench/routing.py), where hashed columns cost nothing to load.
MORPHEME_COLUMNS = 2**20
CHAR_COLUMNS = 2**21
TITLE_COLUMNS = 2**19
# Terms kept per block, the most frequent (as max_features would): a city's history has millions
# of distinct character 4-grams and the SVM and similarity matrices grow with them; the shared
# datasets stay under the caps, so the caps only bite on large histories.
MAX_MORPHEME_TERMS = 100_000
MAX_CHAR_TERMS = 100_000
MAX_TITLE_TERMS = 20_000
NEIGHBOUR_CANDIDATES = 10
WEIGHTS_KEPT = 0.1
# Title weight = min(MAX, MIN + body length / SCALE): a one-line gist adds little beside its
# title, a 2,000-character proposal is mostly noise beside it.
TITLE_WEIGHT_MIN, TITLE_WEIGHT_MAX, TITLE_WEIGHT_SCALE = 0.1, 0.6, 1000


_analysed: dict[str, tuple[tuple[str, int], ...]] = {}
CACHE_SIZE = 100_000


def analyse_many(texts: Iterable[str]) -> dict[str, tuple[tuple[str, int], ...]]:
    """Analyse the texts not yet cached in one Kiwi batch (Kiwi spreads a batch over its worker
    threads: the machine's cores while training). Returns what it analysed."""
    missing = list(dict.fromkeys(t for t in texts if t not in _analysed))
    if not missing:
        return {}
    if len(_analysed) + len(missing) > CACHE_SIZE:
        _analysed.clear()
    prepared = [normalise(t)[:MORPHEME_CHARS] for t in missing]
    fresh = {
        text: tuple(
            (f"{form}/{tag}", start) for form, tag, start in tokens if tag.startswith(MORPHEME_TAGS)
        )
        for text, tokens in zip(missing, analyser.tokenize(prepared), strict=True)
    }
    _analysed.update(fresh)
    return fresh


def forget_analyses() -> None:
    _analysed.clear()


def analysed(text: str) -> tuple[tuple[str, int], ...]:
    """Content morphemes of the text's first MORPHEME_CHARS characters, with their offsets."""
    found = _analysed.get(text)
    if found is None:  # another thread may analyse (or clear) meanwhile
        found = analyse_many([text]).get(text)
    return found if found is not None else _analysed.get(text, ())


def with_bigrams(tokens: list[str]) -> list[str]:
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def morpheme_analyzer(text: str) -> list[str]:
    return with_bigrams([form for form, _ in analysed(text)])


def title(text: str) -> str:
    return text.split("\n", 1)[0]


def title_morphemes(text: str) -> list[str]:
    """The first line's morphemes, taken from the whole text's analysis (one Kiwi call)."""
    end = len(normalise(title(text)))
    return with_bigrams([form for form, start in analysed(text) if start < end])


def char_text(text: str) -> str:
    return normalise(text)[:MAX_CHARS].lower()


def title_chars(text: str) -> str:
    return char_text(title(text))


def title_weight(text: str) -> float:
    body = text.split("\n", 1)[1] if "\n" in text else ""
    return min(TITLE_WEIGHT_MAX, TITLE_WEIGHT_MIN + len(body) / TITLE_WEIGHT_SCALE)


class KnownTermsTfidf(TfidfTransformer):
    """Sublinear TF-IDF of hashed counts that keeps only the max_terms most frequent terms seen
    in training; the others weigh nothing, as with a vocabulary cut by max_features (otherwise a
    new word would take a share of the row's norm)."""

    idf_: np.ndarray  # TfidfTransformer's, set by fit

    def __init__(self, max_terms: int = 100_000) -> None:
        super().__init__(sublinear_tf=True)
        self.max_terms = max_terms

    def fit(self, X: sparse.csr_matrix, y: object = None) -> Self:
        super().fit(X)
        counts = np.asarray(sparse.csr_matrix(X).sum(axis=0)).ravel()
        kept = counts > 0
        if kept.sum() > self.max_terms:
            kept[np.argsort(-counts, kind="stable")[self.max_terms :]] = False
        self.idf_ = np.where(kept, self.idf_, 0.0)
        return self

    def transform(self, X: sparse.csr_matrix, copy: bool = True) -> sparse.csr_matrix:
        matrix = sparse.csr_matrix(super().transform(X, copy=copy))
        matrix.eliminate_zeros()
        return matrix


def hashed_tfidf(columns: int, max_terms: int, **analysis: Any) -> Pipeline:
    return make_pipeline(
        HashingVectorizer(n_features=columns, alternate_sign=False, norm=None, **analysis),
        KnownTermsTfidf(max_terms),
    )


class CharGrams(TransformerMixin, BaseEstimator):
    """Counts of hashed character n-grams inside words padded with a space (as char_wb), the
    n-grams of a whole text hashed at once with numpy: building and hashing each n-gram as a
    Python string was half of a suggestion's time (bench/routing.py)."""

    MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

    def __init__(
        self,
        n_features: int = 2**20,
        ngram_range: tuple[int, int] = (1, 4),
        preprocessor: Callable[[str], str] | None = None,
    ) -> None:
        self.n_features = n_features
        self.ngram_range = ngram_range
        self.preprocessor = preprocessor

    def fit(self, texts: Sequence[str], y: object = None) -> Self:
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rows = [self.columns(self.preprocessor(t) if self.preprocessor else t) for t in texts]
        indptr = np.cumsum([0] + [len(c) for c, _ in rows])
        return sparse.csr_matrix(
            (
                np.concatenate([n for _, n in rows]).astype(np.float64),
                np.concatenate([c for c, _ in rows]),
                indptr,
            ),
            shape=(len(rows), self.n_features),
        )

    def columns(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Distinct columns of the text's n-grams and how often each occurs."""
        padded = " " + "  ".join(text.split()) + " "
        if len(padded) < 3:
            return np.zeros(0, np.int32), np.zeros(0)
        codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        # Word number of each position: an n-gram counts only inside one padded word.
        word = np.cumsum((codes[:-1] == 32) & (codes[1:] == 32))
        word = np.concatenate([[0], word])
        found, hashed = [], np.zeros(0, dtype=np.uint64)
        with np.errstate(over="ignore"):  # hashing wraps around 2**64 on purpose
            low, high = self.ngram_range
            for n in range(1, high + 1):
                current = (
                    codes[n - 1 :] if n == 1 else hashed[:-1] * self.MULTIPLIER + codes[n - 1 :]
                )
                hashed = current
                if n >= low:
                    inside = word[: len(word) - n + 1] == word[n - 1 :]
                    mixed = (current[inside] + np.uint64(n)) * self.MULTIPLIER
                    found.append(mixed >> np.uint64(40))
        columns, counts = np.unique(
            np.concatenate(found) % np.uint64(self.n_features), return_counts=True
        )
        return columns.astype(np.int32), counts


def term_columns(vectorizer: Pipeline, terms: list[str]) -> np.ndarray:
    """The column each term hashes to in this block (what HashingVectorizer computes)."""
    hasher = vectorizer[0]
    return (
        FeatureHasher(n_features=hasher.n_features, input_type="string", alternate_sign=False)
        .transform([[term] for term in terms])
        .tocsr()
        .indices
    )


class TitleFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF of the first line, each row scaled by title_weight(text)."""

    def __init__(self, kind: str = "morphemes") -> None:
        self.kind = kind

    def _vectorizer(self) -> Pipeline:
        if self.kind == "morphemes":
            return hashed_tfidf(TITLE_COLUMNS, MAX_MORPHEME_TERMS, analyzer=title_morphemes)
        return make_pipeline(
            CharGrams(TITLE_COLUMNS, (2, 4), title_chars), KnownTermsTfidf(MAX_TITLE_TERMS)
        )

    def fit(self, texts: Sequence[str], y: object = None) -> Self:
        self.vectorizer_ = self._vectorizer().fit(texts)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        weights = sparse.diags([title_weight(t) for t in texts])
        return weights @ self.vectorizer_.transform(texts)


def features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "morphemes",
                hashed_tfidf(MORPHEME_COLUMNS, MAX_MORPHEME_TERMS, analyzer=morpheme_analyzer),
            ),
            (
                "chars",
                make_pipeline(
                    CharGrams(CHAR_COLUMNS, (1, 4), char_text), KnownTermsTfidf(MAX_CHAR_TERMS)
                ),
            ),
            ("title_morphemes", TitleFeatures("morphemes")),
            ("title_chars", TitleFeatures("chars")),
        ]
    )


def standardise(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=1, keepdims=True)) / (
        values.std(axis=1, keepdims=True) + 1e-9
    )


def one_vs_rest_svm(
    X: sparse.csr_matrix, y: np.ndarray, C: float
) -> tuple[np.ndarray, sparse.csr_matrix, np.ndarray]:
    """What LinearSVC(C, class_weight="balanced") does for several classes — one binary problem
    per class, its own cases weighted as liblinear weights them (the rest at C) — but with the
    problems spread over the machine's cores: liblinear releases the GIL, so threads suffice.

    Only the largest tenth of the weights is kept, as a sparse features × departments matrix:
    a tenth of the memory, and on the shared datasets no loss (docs/routing.md)."""
    classes, counts = np.unique(y, return_counts=True)
    balanced = len(y) / (len(classes) * counts)

    def fit_one(k: int) -> tuple[np.ndarray, float]:
        model = LinearSVC(C=C, class_weight={True: balanced[k], False: 1.0})
        model.fit(X, y == classes[k])
        return model.coef_[0].astype(np.float32), float(model.intercept_[0])

    with ThreadPoolExecutor(max_workers=training_threads()) as pool:
        rows = list(pool.map(fit_one, range(len(classes))))
    coef = np.vstack([row for row, _ in rows])
    magnitude = np.abs(coef).ravel()
    cut = np.partition(magnitude, int(len(magnitude) * (1 - WEIGHTS_KEPT)))[
        int(len(magnitude) * (1 - WEIGHTS_KEPT))
    ]
    weights = sparse.csr_matrix(np.where(np.abs(coef) >= cut, coef, 0).T)
    intercept = np.array([b for _, b in rows], dtype=np.float32)
    return classes, weights, intercept


def training_threads() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


class BlendedClassifier(ClassifierMixin, BaseEstimator):
    """z(SVM margin) + centroid_weight·z(cosine to class centroid) + neighbour_weight·z(best cosine
    to any past case of the class)."""

    def __init__(
        self, C: float = 0.5, centroid_weight: float = 0.2, neighbour_weight: float = 0.3
    ) -> None:
        self.C = C
        self.centroid_weight = centroid_weight
        self.neighbour_weight = neighbour_weight

    @staticmethod
    def unit(X: sparse.csr_matrix) -> sparse.csr_matrix:
        return normalize(X).astype(np.float32).tocsr()

    def fit(self, X: sparse.csr_matrix, y: Sequence[str] | Sequence[int] | np.ndarray) -> Self:
        y = np.asarray(y)
        # Hashed feature blocks are mostly empty: everything below works on the columns some
        # training case uses, as a vocabulary would, with this sorted array as the only map.
        self.columns_ = np.flatnonzero(sparse.csr_matrix(X).getnnz(axis=0)).astype(np.int32)
        X = self.compact(X)
        self.classes_, self.weights_, self.intercept_ = one_vs_rest_svm(X, y, self.C)
        unit = self.unit(X)
        self.label_index_ = [np.flatnonzero(y == label) for label in self.classes_]
        # Stored features × departments: a complaint's few features then pick short rows.
        self.centroids_t_ = (
            normalize(
                sparse.vstack(
                    [sparse.csr_matrix(unit[rows].mean(axis=0)) for rows in self.label_index_]
                )
            )
            .T.astype(np.float32)
            .tocsr()
        )
        self.cases_by_label_ = [unit[rows] for rows in self.label_index_]
        return self

    def compact(self, X: sparse.csr_matrix) -> sparse.csr_matrix:
        """X's columns renumbered to positions in columns_; columns no training case used dropped."""
        X = sparse.csr_matrix(X)
        position = np.searchsorted(self.columns_, X.indices).clip(max=len(self.columns_) - 1)
        known = self.columns_[position] == X.indices
        matrix = sparse.csr_matrix(
            (np.where(known, X.data, 0), np.where(known, position, 0), X.indptr),
            shape=(X.shape[0], len(self.columns_)),
        )
        matrix.eliminate_zeros()
        return matrix

    def decision_function(self, X: sparse.csr_matrix) -> np.ndarray:
        if len(self.classes_) < 2:
            return np.ones((X.shape[0], 1))
        X = self.compact(X)
        unit = self.unit(X)
        margin = self.margin(X)
        centroid = (unit @ self.centroids_t_).toarray()
        prior = standardise(margin) + self.centroid_weight * standardise(centroid)
        return prior + self.neighbour_weight * standardise(self.nearest_case(unit, prior))

    def margin(self, X: sparse.csr_matrix) -> np.ndarray:
        """The SVM's decision values, from the pruned sparse weights."""
        return (sparse.csr_matrix(X, dtype=np.float32) @ self.weights_).toarray() + self.intercept_

    def weights_at(self, columns: np.ndarray, index: int) -> np.ndarray:
        """One department's weights at these feature columns (zero where pruned or unseen)."""
        position = np.searchsorted(self.columns_, columns).clip(max=len(self.columns_) - 1)
        weights = self.weights_[position][:, [index]].toarray().ravel()
        return np.where(self.columns_[position] == columns, weights, 0)

    def nearest_case(self, view: sparse.csr_matrix, prior: np.ndarray) -> np.ndarray:
        """Best cosine to a past case (rows of `view` are unit vectors), searched only within each
        row's most likely departments (searching every case of every department is the slow part)."""
        result = np.zeros(prior.shape, dtype=np.float32)
        candidates = np.argsort(-prior, axis=1)[:, :NEIGHBOUR_CANDIDATES]
        for row in range(view.shape[0]):
            # Sparse cases times a dense query is a plain loop over the cases' entries; sparse
            # times sparse was five times slower.
            query = view[row].toarray().ravel()
            for label in candidates[row]:
                result[row, label] = (self.cases_by_label_[label] @ query).max()
        return result

    def predict(self, X: sparse.csr_matrix) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]


class Router(Pipeline):
    """The feature union and a classifier, analysing the texts of each call in one Kiwi batch
    (not one call per text) before the analysers read them from the cache."""

    def fit(self, texts: Sequence[str], y: Sequence[str] | Sequence[int]) -> Self:
        analyse_many(texts)
        matrix = self.named_steps["features"].fit_transform(texts)
        self.named_steps["classifier"].fit(matrix, y)
        return self

    def decision_function(self, texts: Sequence[str], **params: Any) -> np.ndarray:
        analyse_many(texts)
        return super().decision_function(texts, **params)


def build() -> Router:
    return Router([("features", features()), ("classifier", BlendedClassifier())])


def baseline() -> Router:
    """The shared data's baseline (../shared/data/README.md): Kiwi morphemes (uni+bigrams) and
    character 2–4-grams, sublinear TF-IDF with vocabularies, one LinearSVC(C=0.5, balanced).
    It reads the same text spans as Ontong and, as a Router, analyses its training texts in one
    Kiwi batch too, so the two differ only in the model (bench/routing.py, `--model baseline`)."""
    return Router(
        [
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "morphemes",
                            TfidfVectorizer(sublinear_tf=True, analyzer=morpheme_analyzer),
                        ),
                        (
                            "chars",
                            TfidfVectorizer(
                                sublinear_tf=True,
                                analyzer="char_wb",
                                ngram_range=(2, 4),
                                preprocessor=char_text,
                                max_features=MAX_CHAR_TERMS,
                            ),
                        ),
                    ]
                ),
            ),
            ("classifier", LinearSVC(C=0.5, class_weight="balanced")),
        ]
    )


def probabilities(model: Pipeline, texts: list[str]) -> np.ndarray:
    """Softmax over the blended scores, divided by the temperature fitted on held-back cases when
    the model was trained (1 for an uncalibrated model)."""
    values = model.decision_function(texts)
    if values.ndim == 1:  # a binary LinearSVC (the baseline) gives one margin, for classes_[1]
        values = np.column_stack([-values, values])
    return softmax(values / getattr(model, "temperature_", 1.0))


def softmax(values: np.ndarray) -> np.ndarray:
    exp = np.exp(values - values.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def ranked(model: Pipeline, texts: list[str], k: int = 3) -> list[list[tuple[str, float]]]:
    """Top-k labels per text with their probability."""
    probability = probabilities(model, texts)
    order = np.argsort(-probability, axis=1)[:, :k]
    classes = model.classes_
    return [
        [(str(classes[i]), float(probability[row, i])) for i in order[row]]
        for row in range(len(texts))
    ]


def negative_log_likelihood(values: np.ndarray, gold: np.ndarray) -> float:
    shifted = values - values.max(axis=1, keepdims=True)
    log_probability = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probability[np.arange(len(gold)), gold].mean())


def fit_temperature(values: np.ndarray, gold: np.ndarray) -> float:
    """Temperature scaling (Guo et al., 2017): the one divisor of the scores that makes the
    softmax's probabilities match how often held-back cases were right. `gold` holds column
    indices; it does not change which department ranks first."""
    if len(gold) == 0:
        return 1.0
    # 1 is in the grid: scores that are already honest are left as they are.
    grid = np.append(np.exp(np.linspace(np.log(0.05), np.log(20.0), 160)), 1.0)
    return float(min(grid, key=lambda t: negative_log_likelihood(values / t, gold)))


def calibration_error(probability: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top suggestion: |confidence − accuracy| averaged over
    equal-width confidence bins, weighted by their size."""
    if len(gold) == 0:
        return 0.0
    confidence = probability.max(axis=1)
    correct = probability.argmax(axis=1) == gold
    edges = np.linspace(0, 1, bins + 1)
    error = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(error)


def top_k(model: Pipeline, texts: list[str], k: int = 3) -> list[list[str]]:
    return [[label for label, _ in row] for row in ranked(model, texts, k)]
