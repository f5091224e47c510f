"""Day-one routing: a city that has answered nothing yet still gets a sensible top 3.

Ontong ships a small taxonomy of local-government functions (data/functions.toml: 도로 보수,
가로등·보안등, 상수도, …), each with a description and example complaints written for Ontong. A
function model is trained from them at first use (a second or two, in memory: nothing pickled that
could break across library upgrades), and each city maps functions to its departments
(FunctionDepartment, editable in the admin). The mapping is proposed automatically by running the
function model over the departments' duties (사무분장), so a duty such as "상수도 누수·단수" says
which department does 상수도; a person checks it (docs/decisions/0003-day-one-routing.md).
"""

import csv
import logging
import threading
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from ontong.org.models import Department

from . import pipeline
from .models import FunctionDepartment

log = logging.getLogger(__name__)
DATA = Path(__file__).parent / "data"
# The five most likely functions are spread over departments (so that three departments are
# shown, the weaker ones with their low confidence); below 1% they are noise.
MIN_PROBABILITY = 0.01
FUNCTIONS_USED = 5
# A duty phrase proposes its department for its most likely function when that function has at
# least this probability and PROPOSE_MARGIN times the next one's: short phrases spread their
# probability over 47 functions, so clear winners ("제설·염수분사": 0.23 against 0.02) count and
# ambiguous ones ("악취": 축산 0.11 against 대기 0.10) are left to a person.
PROPOSE_MIN_PROBABILITY = 0.08
PROPOSE_MARGIN = 2.0
PROPOSED_PER_FUNCTION = 2
# A second department for a function (rank 2) counts for this share of the first.
LOWER_RANK_SHARE = 0.5
SKIPPED_KINDS = ("국", "읍면동")


@dataclass(frozen=True)
class Function:
    code: str
    name: str
    description: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]


@cache
def taxonomy() -> dict[str, Function]:
    data = tomllib.loads((DATA / "functions.toml").read_text(encoding="utf-8"))
    return {
        item["code"]: Function(
            item["code"],
            item["name"],
            item["description"],
            tuple(item.get("keywords", ())),
            tuple(item.get("examples", ())),
        )
        for item in data["function"]
    }


def function_choices() -> list[tuple[str, str]]:
    return [(f.code, f.name) for f in taxonomy().values()]


def function_name(code: str) -> str:
    found = taxonomy().get(code)
    return found.name if found else code


def shipped_examples() -> tuple[list[str], list[str]]:
    """Every example, the description and the keywords of each function, as training texts."""
    texts, labels = [], []
    for f in taxonomy().values():
        for text in (*f.examples, f"{f.name}\n{f.description}", " ".join(f.keywords)):
            texts.append(text)
            labels.append(f.code)
    return texts, labels


def build() -> Pipeline:
    """Morphemes (uni+bigrams) and character 1–3-grams inside words, TF-IDF, multinomial logistic
    regression: probabilities that add up across functions, which the mapping then spreads over
    departments. Small (a vocabulary of a few thousand terms), so it is kept in memory."""
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "morphemes",
                            TfidfVectorizer(analyzer=pipeline.morpheme_analyzer, sublinear_tf=True),
                        ),
                        (
                            "chars",
                            TfidfVectorizer(
                                analyzer="char_wb",
                                ngram_range=(1, 3),
                                preprocessor=pipeline.char_text,
                                sublinear_tf=True,
                            ),
                        ),
                    ]
                ),
            ),
            ("classifier", LogisticRegression(C=20, max_iter=2000, class_weight="balanced")),
        ]
    )


def fit(texts: list[str], labels: list[str]) -> Pipeline:
    pipeline.analyse_many(texts)  # one Kiwi batch instead of one call per text
    return build().fit(texts, labels)


_model: dict[str, Pipeline] = {}
_model_lock = threading.Lock()


def function_model() -> Pipeline:
    """The model trained from the shipped examples, once per process."""
    if "model" not in _model:
        with _model_lock:
            if "model" not in _model:
                _model["model"] = fit(*shipped_examples())
    return _model["model"]


def function_probabilities(texts: list[str], model: Pipeline | None = None) -> np.ndarray:
    model = model or function_model()
    return model.predict_proba(texts)


def ranked_functions(text: str, k: int = 5) -> list[tuple[str, float]]:
    model = function_model()
    probability = function_probabilities([text], model)[0]
    order = np.argsort(-probability)[:k]
    return [(str(model.classes_[i]), float(probability[i])) for i in order]


# ------------------------------------------------------------------------- per-city mapping


def duty_phrases(dept: Department) -> list[str]:
    """The department's duties as short phrases: its keywords, else its duty text split at commas."""
    phrases = dept.keyword_list() or [p.strip() for p in dept.duty.split(",") if p.strip()]
    return [p for p in phrases if len(p) >= 2]


def departments_with_duties() -> list[Department]:
    return [
        d
        for d in Department.objects.filter(is_active=True).exclude(kind__in=SKIPPED_KINDS)
        if duty_phrases(d)
    ]


def proposals() -> list[tuple[str, Department, int, str]]:
    """(function, department, rank, basis) proposed from the departments' duties: each duty phrase
    goes to the function the model finds most likely; per function the departments whose phrases
    score highest come first."""
    pairs = [(d, phrase) for d in departments_with_duties() for phrase in duty_phrases(d)]
    if not pairs:
        return []
    model = function_model()
    probability = function_probabilities([phrase for _, phrase in pairs], model)
    best: dict[tuple[str, int], tuple[float, Department, str]] = {}
    for (dept, phrase), row in zip(pairs, probability, strict=True):
        second, column = np.argsort(row)[-2:]
        if row[column] < max(PROPOSE_MIN_PROBABILITY, PROPOSE_MARGIN * row[second]):
            continue
        key = (str(model.classes_[column]), dept.pk)
        if key not in best or row[column] > best[key][0]:
            best[key] = (float(row[column]), dept, phrase)
    found = []
    for code in taxonomy():
        candidates = sorted((v for (c, _), v in best.items() if c == code), key=lambda v: -v[0])[
            :PROPOSED_PER_FUNCTION
        ]
        # A second department only when its duty fits nearly as well ("보도자료" is not 보도블록).
        candidates = [v for v in candidates if v[0] >= LOWER_RANK_SHARE * candidates[0][0]]
        for rank, (_p, dept, phrase) in enumerate(candidates, start=1):
            found.append((code, dept, rank, f"사무분장: {phrase}"))
    return found


@transaction.atomic
def propose_mapping() -> int:
    """Replace the automatic rows with fresh proposals; functions a person has set are kept."""
    checked = set(
        FunctionDepartment.objects.filter(automatic=False).values_list("function", flat=True)
    )
    FunctionDepartment.objects.filter(automatic=True).delete()
    rows = [
        FunctionDepartment(function=code, department=dept, rank=rank, basis=basis, automatic=True)
        for code, dept, rank, basis in proposals()
        if code not in checked
    ]
    FunctionDepartment.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def load_preset(path: Path) -> int:
    """A checked mapping for a city (CSV: function, department, rank, basis), by department name.
    Rows naming a department the city does not have are skipped."""
    departments = {d.name: d for d in Department.objects.filter(is_active=True)}
    created = 0
    with transaction.atomic():
        for row in csv.DictReader(
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")
        ):
            dept = departments.get(row["department"].strip())
            if dept is None or row["function"] not in taxonomy():
                continue
            FunctionDepartment.objects.update_or_create(
                function=row["function"],
                department=dept,
                defaults={
                    "rank": int(row["rank"]),
                    "basis": row["basis"].strip(),
                    "automatic": False,
                },
            )
            created += 1
    return created


def mapping() -> dict[str, list[tuple[int, int, str]]]:
    """function → [(department id, rank, basis)]; proposed from the duties the first time."""
    rows = list(FunctionDepartment.objects.values_list("function", "department", "rank", "basis"))
    if not rows and departments_with_duties():
        propose_mapping()
        rows = list(
            FunctionDepartment.objects.values_list("function", "department", "rank", "basis")
        )
    found: dict[str, list[tuple[int, int, str]]] = {}
    for code, dept_id, rank, basis in rows:
        found.setdefault(code, []).append((dept_id, rank, basis))
    return found


def department_shares(
    text: str, by_function: dict[str, list[tuple[int, int, str]]]
) -> dict[int, tuple[float, str, str]]:
    """Department → (share of the function probabilities it handles, the function and the basis
    of its largest share), without touching the database."""
    scores: dict[int, list[Any]] = {}  # [score, function, basis, best share]
    for code, p in ranked_functions(text, FUNCTIONS_USED):
        if p < MIN_PROBABILITY:
            continue
        for dept_id, rank, basis in by_function.get(code, []):
            share = p * (1.0 if rank <= 1 else LOWER_RANK_SHARE)
            entry = scores.setdefault(dept_id, [0.0, "", "", 0.0])
            entry[0] += share
            if share > entry[3]:
                entry[1:] = [code, basis, share]
    return {dept_id: (score, code, basis) for dept_id, (score, code, basis, _) in scores.items()}


def department_scores(
    text: str, by_function: dict[str, list[tuple[int, int, str]]] | None = None
) -> dict[int, tuple[float, str]]:
    """Department → (share of the function probabilities it handles, the evidence for it):
    "상수도 업무 — 맑은물관리과 사무분장: 상수도 누수·단수". The city's stored mapping unless given."""
    by_function = mapping() if by_function is None else by_function
    if not by_function:
        return {}
    shares = department_shares(text, by_function)
    names = dict(Department.objects.filter(pk__in=shares).values_list("pk", "name"))
    return {
        dept_id: (score, evidence(code, names.get(dept_id, ""), basis))
        for dept_id, (score, code, basis) in shares.items()
    }


def evidence(code: str, department: str, basis: str) -> str:
    """ "상수도 업무 — 맑은물관리과 사무분장: 상수도 누수·단수", "가로등·보안등 업무 — 건설과 (시가 정한 연결)"."""
    basis = basis or "시가 정한 연결"
    shown = basis if basis.startswith("사무분장") else f"({basis})"
    return f"{function_name(code)} 업무 — {department} {shown}"


DEMO_PRESET = DATA / "mapping_seosan.csv"
