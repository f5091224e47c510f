"""The routing model: Korean morphemes and character n-grams of the whole text and of its first
line (the title, weighted more as the body grows longer and noisier), TF-IDF, and a linear SVM
blended with two similarity views — the class centroid and the nearest past case — so that small
departments and repeated complaints are not lost.

The same pipeline serves production suggestions, retraining and `ontong routing evaluate`.
"""

from functools import lru_cache

import numpy as np
import scipy.sparse as sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from ontong.complaints.search import kiwi, normalise

MORPHEME_TAGS = ("N", "V", "M", "X", "S")
MAX_CHARS = 5000
# Caps keep a city-scale model small (the SVM holds departments × features weights); the shared
# datasets stay well under them, so the caps only bite on large histories.
MAX_MORPHEME_FEATURES = 100_000
MAX_CHAR_FEATURES = 100_000
NEIGHBOUR_CANDIDATES = 10
# Title weight = min(MAX, MIN + body length / SCALE): a one-line gist adds little beside its
# title, a 2,000-character proposal is mostly noise beside it.
TITLE_WEIGHT_MIN, TITLE_WEIGHT_MAX, TITLE_WEIGHT_SCALE = 0.1, 0.6, 1000


@lru_cache(maxsize=100_000)
def morphemes(text: str) -> tuple[str, ...]:
    text = normalise(text)[:MAX_CHARS]
    return tuple(
        f"{t.form}/{t.tag}" for t in kiwi().tokenize(text) if t.tag.startswith(MORPHEME_TAGS)
    )


def morpheme_analyzer(text: str) -> list[str]:
    tokens = list(morphemes(text))
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def title(text: str) -> str:
    return text.split("\n", 1)[0]


def title_morphemes(text: str) -> list[str]:
    return morpheme_analyzer(title(text))


def char_text(text: str) -> str:
    return normalise(text)[:MAX_CHARS].lower()


def title_chars(text: str) -> str:
    return char_text(title(text))


def title_weight(text: str) -> float:
    body = text.split("\n", 1)[1] if "\n" in text else ""
    return min(TITLE_WEIGHT_MAX, TITLE_WEIGHT_MIN + len(body) / TITLE_WEIGHT_SCALE)


class TitleFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF of the first line, each row scaled by title_weight(text)."""

    def __init__(self, kind="morphemes"):
        self.kind = kind

    def _vectorizer(self):
        if self.kind == "morphemes":
            return TfidfVectorizer(sublinear_tf=True, analyzer=title_morphemes)
        return TfidfVectorizer(
            sublinear_tf=True,
            analyzer="char_wb",
            ngram_range=(2, 4),
            preprocessor=title_chars,
            max_features=MAX_CHAR_FEATURES // 5,
        )

    def fit(self, texts, y=None):
        self.vectorizer_ = self._vectorizer().fit(texts)
        return self

    def transform(self, texts):
        weights = sparse.diags([title_weight(t) for t in texts])
        return weights @ self.vectorizer_.transform(texts)


def features() -> FeatureUnion:
    def tfidf(**kwargs):
        return TfidfVectorizer(sublinear_tf=True, **kwargs)

    return FeatureUnion(
        [
            ("morphemes", tfidf(analyzer=morpheme_analyzer, max_features=MAX_MORPHEME_FEATURES)),
            (
                "chars",
                tfidf(
                    analyzer="char_wb",
                    ngram_range=(1, 4),
                    preprocessor=char_text,
                    max_features=MAX_CHAR_FEATURES,
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


class BlendedClassifier(ClassifierMixin, BaseEstimator):
    """z(SVM margin) + centroid_weight·z(cosine to class centroid) + neighbour_weight·z(best cosine
    to any past case of the class)."""

    def __init__(self, C=0.5, centroid_weight=0.2, neighbour_weight=0.3):
        self.C = C
        self.centroid_weight = centroid_weight
        self.neighbour_weight = neighbour_weight

    @staticmethod
    def unit(X):
        return normalize(X).astype(np.float32).tocsr()

    def fit(self, X, y):
        y = np.asarray(y)
        self.svm_ = LinearSVC(C=self.C, class_weight="balanced").fit(X, y)
        self.svm_.coef_ = self.svm_.coef_.astype(np.float32)
        self.classes_ = self.svm_.classes_
        unit = self.unit(X)
        self.label_index_ = [np.flatnonzero(y == label) for label in self.classes_]
        self.centroids_ = normalize(
            sparse.vstack(
                [sparse.csr_matrix(unit[rows].mean(axis=0)) for rows in self.label_index_]
            )
        ).tocsr()
        self.cases_by_label_ = [unit[rows] for rows in self.label_index_]
        return self

    def decision_function(self, X):
        if len(self.classes_) < 2:
            return np.ones((X.shape[0], 1))
        unit = self.unit(X)
        margin = self.margin(X)
        if margin.ndim == 1:
            margin = np.column_stack([-margin, margin])
        centroid = (unit @ self.centroids_.T).toarray()
        prior = standardise(margin) + self.centroid_weight * standardise(centroid)
        return prior + self.neighbour_weight * standardise(self.nearest_case(unit, prior))

    def margin(self, X) -> np.ndarray:
        """The SVM's decision values in float32: sklearn's own would copy the weights to float64
        on every call (departments × features), which dominated suggestion latency."""
        values = (
            np.asarray(sparse.csr_matrix(X, dtype=np.float32) @ self.svm_.coef_.T)
            + self.svm_.intercept_
        )
        return values.ravel() if values.shape[1] == 1 else values

    def nearest_case(self, view, prior: np.ndarray) -> np.ndarray:
        """Best cosine to a past case (rows of `view` are unit vectors), searched only within each
        row's most likely departments (searching every case of every department is the slow part)."""
        result = np.zeros(prior.shape, dtype=np.float32)
        candidates = np.argsort(-prior, axis=1)[:, :NEIGHBOUR_CANDIDATES]
        for row in range(view.shape[0]):
            query = view[row]
            for label in candidates[row]:
                result[row, label] = (self.cases_by_label_[label] @ query.T).max()
        return result

    def predict(self, X):
        return self.classes_[self.decision_function(X).argmax(axis=1)]


class Router(Pipeline):
    """The pipeline, telling the classifier how wide the morpheme block is once features are fit."""

    def fit(self, texts, y):
        matrix = self.named_steps["features"].fit_transform(texts)
        classifier = self.named_steps["classifier"]
        for _name, transformer in self.named_steps["features"].transformer_list:
            vectorizer = getattr(transformer, "vectorizer_", transformer)
            vectorizer.stop_words_ = None  # the terms cut by max_features: large, never used
        classifier.fit(matrix, y)
        return self


def build() -> Router:
    return Router([("features", features()), ("classifier", BlendedClassifier())])


def ranked(model: Pipeline, texts: list[str], k: int = 3) -> list[list[tuple[str, float]]]:
    """Top-k labels per text with a confidence in 0..1 (softmax over the blended scores)."""
    values = model.decision_function(texts)
    exp = np.exp(values - values.max(axis=1, keepdims=True))
    probabilities = exp / exp.sum(axis=1, keepdims=True)
    order = np.argsort(-values, axis=1)[:, :k]
    classes = model.classes_
    return [
        [(str(classes[i]), float(probabilities[row, i])) for i in order[row]]
        for row in range(len(texts))
    ]


def top_k(model: Pipeline, texts: list[str], k: int = 3) -> list[list[str]]:
    return [[label for label, _ in row] for row in ranked(model, texts, k)]
