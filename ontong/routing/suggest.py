"""Department suggestions: the city's rules first, then the trained model blended with the
department catalogue (duties, keywords, aliases), so a new city with no history is helped too.
Suggest-only: a person decides (개인정보 보호법 제37조의2)."""

import datetime as dt
import functools
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple, cast

import joblib
import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from sklearn.base import BaseEstimator, clone

from ontong.complaints.changes import case_changed
from ontong.complaints.models import Complaint, Event, State
from ontong.complaints.search import normalise
from ontong.complaints.workflow import WorkflowError, perform_automatic
from ontong.org.models import Department

from . import dayone, pipeline
from .models import HistoricalCase, RoutingModel, RoutingRule
from .places import find_places, resolved_area
from .schedule import retrain_soon

log = logging.getLogger(__name__)
MODEL_WEIGHT = 0.7
HOLDOUT_SHARE = 0.2
MIN_EXAMPLES = 20
# Bump when what a saved model holds changes (pipeline classes, attributes suggest() reads).
MODEL_FORMAT = 1
# Within the catalogue's share: the day-one function model through the city's function →
# department mapping (dayone.py) against exact duty-keyword hits (measured on
# data/typical_seosan.csv, docs/routing.md).
FUNCTION_WEIGHT = 0.6


@dataclass
class Suggestion:
    department: Department
    confidence: float
    evidence: list[str] = field(default_factory=list)
    source: str = ""


def complaint_text(complaint: Complaint) -> str:
    return f"{complaint.title}\n{complaint.body}"


def matching_rule(text: str, area_id: int | None) -> RoutingRule | None:
    compact = normalise(text).replace(" ", "")
    for rule in RoutingRule.objects.filter(is_active=True).select_related("department"):
        keywords = rule.keyword_list()
        keyword_ok = not keywords or any(k.replace(" ", "") in compact for k in keywords)
        area_ok = rule.area_id is None or rule.area_id == area_id
        if keyword_ok and area_ok and (keywords or rule.area_id):
            return rule
    return None


def catalogue_scores(text: str) -> dict[int, tuple[float, list[str]]]:
    compact = normalise(text).replace(" ", "")
    scores = {}
    departments = Department.objects.filter(is_active=True).exclude(kind__in=["국", "읍면동"])
    for dept in departments:
        words = {w for w in [*dept.keyword_list(), *dept.alias_list()] if len(w) >= 2}
        hits = sorted(w for w in words if w.replace(" ", "") in compact)
        if hits:
            scores[dept.pk] = (float(len(hits)), hits)
    return scores


_loaded: dict[str, object] = {}


@functools.cache
def library_versions() -> dict[str, str]:
    """What a saved model depends on: a pickle is only safe to load with the same versions."""
    return {
        "ontong-model": str(MODEL_FORMAT),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        **{
            name: version(name)
            for name in ("scikit-learn", "numpy", "scipy", "joblib", "kiwipiepy")
        },
    }


def promoted_model() -> tuple[RoutingModel, pipeline.Router] | tuple[None, None]:
    """The promoted model, or (None, None): then rules and the catalogue suggest alone."""
    record = RoutingModel.objects.filter(promoted=True).order_by("-pk").first()
    if record is None or not record.file or not Path(record.file).exists():
        return None, None
    # The same name may hold a new file (a database restored or reset under the same var dir
    # numbers models from 1 again): the file's identity, not its name, says what is loaded.
    identity = (record.file, os.stat(record.file).st_ino, os.stat(record.file).st_mtime_ns)
    if _loaded.get("file") != identity:
        model = load(record)
        if model is None:
            return None, None
        _loaded.update(file=identity, model=model)
    return record, cast(pipeline.Router, _loaded["model"])


def save_model(model: pipeline.Router, path: str) -> None:
    """Written aside and renamed into place: processes that memory-mapped an older file of this
    name keep reading it intact instead of bytes changing under them."""
    aside = f"{path}.{os.getpid()}.tmp"
    joblib.dump(model, aside)
    os.replace(aside, path)


def load(record: RoutingModel) -> pipeline.Router | None:
    """The saved model, or None after refusing one saved with other library versions or that
    cannot be read (an upgrade must not turn complaint pages into errors)."""
    current = library_versions()
    changed = sorted(
        k for k in {*current, *record.versions} if record.versions.get(k) != current.get(k)
    )
    if changed:
        reason = ", ".join(
            f"{k} {record.versions.get(k, '?')} → {current.get(k, '?')}" for k in changed
        )
        refuse(record, f"다른 버전으로 저장됨 ({reason})")
        return None
    try:
        # Memory-mapped: the arrays stay in the page cache, shared by every web and worker
        # process on the machine instead of copied into each (model files are never rewritten).
        model: pipeline.Router = joblib.load(record.file, mmap_mode="r")
        return model
    except Exception as error:  # noqa: BLE001 - any unpickling failure means the same: retrain
        refuse(record, f"파일을 읽을 수 없음 ({type(error).__name__})")
        return None


def refuse(record: RoutingModel, reason: str) -> None:
    """Stop serving the model and retrain: the process that stops it enqueues the retraining
    (the conditional update makes that one process), unless one is already waiting."""
    log.warning(
        "routing model v%s refused: %s; suggesting from rules and the catalogue until retrained",
        record.pk,
        reason,
    )
    with transaction.atomic():
        stopped = RoutingModel.objects.filter(pk=record.pk, promoted=True).update(
            promoted=False, note=f"사용 중지: {reason}. 다시 학습합니다."
        )
        if stopped:
            retrain_soon()


# Evidence is for a person: words that name something (nouns, roots, foreign words), alone or
# with a verb or adjective. Particles, endings, "것 같", "있", "하" and punctuation also push the
# model, but shown as evidence they read as noise ("모델: 것, 같, 것 같, ?").
NAMING_TAGS = {"NNG", "NNP", "XR", "SL", "SH"}
READABLE_TAGS = NAMING_TAGS | {"VV", "VA"}


def readable(term: str) -> bool:
    tags = [part.rsplit("/", 1)[-1] for part in term.split()]
    return all(tag in READABLE_TAGS for tag in tags) and any(tag in NAMING_TAGS for tag in tags)


def model_evidence(model: pipeline.Router, text: str, label: object) -> list[str]:
    """The readable morphemes of this text that pushed most towards this department."""
    classifier = model.named_steps["classifier"]
    vectorizer = model.named_steps["features"].transformer_list[0][1]  # the morpheme block
    terms = [term for term in dict.fromkeys(pipeline.morpheme_analyzer(text)) if readable(term)]
    if not terms:
        return []
    columns = pipeline.term_columns(vectorizer, terms)
    values = vectorizer.transform([text]).toarray()[0][columns]
    index = [str(c) for c in classifier.classes_].index(str(label))
    contributions = values * classifier.weights_at(columns, index)
    best = [i for i in np.argsort(-contributions)[:5] if contributions[i] > 0]
    return [" ".join(part.split("/")[0] for part in terms[i].split()) for i in best]


def suggest(complaint: Complaint, k: int = 3) -> list[Suggestion]:
    text = complaint_text(complaint)
    places = find_places(f"{text}\n{complaint.address}")
    area_id = complaint.area_id or next((p.area_id for p in places if not p.ambiguous), None)
    place_notes = [
        f"위치: {p.text}"
        + (f" (모호: {' / '.join(p.candidates)})" if p.ambiguous and p.candidates else "")
        for p in places
    ]
    results: list[Suggestion] = []
    if (rule := matching_rule(text, area_id)) and rule.department.current().is_active:
        results.append(
            Suggestion(rule.department.current(), 1.0, [f"규칙: {rule.name}", *place_notes], "rule")
        )
    combined: dict[int, list[Any]] = {}  # [score, evidence lines]
    catalogue = catalogue_scores(text)
    total = sum(score for score, _ in catalogue.values()) or 1.0
    record, model = promoted_model()
    weight = MODEL_WEIGHT if model is not None else 0.0
    for dept_id, (score, hits) in catalogue.items():
        combined[dept_id] = [
            (1 - weight) * (1 - FUNCTION_WEIGHT) * score / total,
            [f"사무분장: {', '.join(hits)}"],
        ]
    # --- day one: shipped function model × this city's function → department mapping
    for dept_id, (share, words) in dayone.department_scores(text).items():
        entry = combined.setdefault(dept_id, [0.0, []])
        entry[0] += (1 - weight) * FUNCTION_WEIGHT * share
        entry[1].insert(0, words)
    # ---
    # Shown confidence: the model's calibrated probability for departments it knows; the
    # catalogue's share only for departments it has never seen (a new city, a new department).
    known: dict[int, float] = {}
    if record is not None and model is not None:
        probability = pipeline.probabilities(model, [text])[0]
        known = {int(label): float(p) for label, p in zip(model.classes_, probability, strict=True)}
        for label, p in sorted(known.items(), key=lambda item: -item[1])[:k]:
            entry = combined.setdefault(label, [0.0, []])
            entry[0] += weight * p
            evidence = model_evidence(model, text, label)
            entry[1].insert(
                0, f"모델 v{record.pk}: {', '.join(evidence) if evidence else '과거 배정과 비슷함'}"
            )
    departments = {d.pk: d for d in Department.objects.filter(pk__in=combined)}
    ranked = sorted(combined.items(), key=lambda item: -item[1][0])
    for dept_id, (score, evidence) in ranked:
        dept = departments.get(dept_id)
        if dept is None or not dept.current().is_active:
            continue  # a retired department with no successor cannot be assigned to
        if any(s.department.pk == dept.current().pk for s in results):
            continue
        confidence = known.get(dept_id, score)
        results.append(
            Suggestion(
                dept.current(),
                round(min(confidence, 1.0), 3),
                [*evidence, *place_notes],
                "model" if model is not None else "catalogue",
            )
        )
    return results[:k]


def place_and_route(complaint_id: int) -> str:
    return place_and_route_complaint(Complaint.objects.get(pk=complaint_id))


def place_and_route_complaint(complaint: Complaint) -> str:
    if complaint.area_id is None and (
        area_id := resolved_area(f"{complaint_text(complaint)}\n{complaint.address}")
    ):
        # updated_at too: the 접수함 poll redraws a row whose version (updated_at) moved
        Complaint.objects.filter(pk=complaint.pk, area__isnull=True).update(
            area_id=area_id, updated_at=timezone.now()
        )
        complaint.area_id = area_id
        case_changed(complaint)  # the inbox rows' versions moved without a save
        Event.objects.create(
            complaint=complaint, action="place_found", note="본문에서 읍면동을 찾아 기록"
        )
    threshold = settings.ONTONG_AUTO_ASSIGN_CONFIDENCE
    if not threshold or complaint.state != State.RECEIVED:
        return "suggest only"
    best = next(iter(suggest(complaint, k=1)), None)
    if best is None or best.confidence < threshold:
        return "below threshold"
    try:
        perform_automatic(
            complaint,
            "assign",
            department=best.department,
            note=f"자동 배정: 신뢰도 {best.confidence:.0%} ≥ {threshold:.0%} ({'; '.join(best.evidence[:2])})",
        )
    except WorkflowError as exc:
        return f"not assigned: {exc}"
    return f"assigned to {best.department.name}"


class Example(NamedTuple):
    text: str
    label: int  # today's department
    when: dt.datetime
    key: int  # a complaint's pk, or minus an imported case's pk


def training_examples() -> list[Example]:
    """Confirmed assignments (a person assigned or reassigned) and imported history, labelled with
    today's department (a reorganised department's history trains its successor)."""
    examples = []
    confirmed = (
        Complaint.objects.filter(department__isnull=False)
        .filter(Q(events__action__in=["assign", "reassign"]) & Q(events__actor__isnull=False))
        .exclude(state__in=["withdrawn"])
        .select_related("department")
        .distinct()
    )
    for c in confirmed:
        assert c.department is not None  # filtered above
        examples.append(Example(complaint_text(c), c.department.current().pk, c.received_at, c.pk))
    for case in HistoricalCase.objects.filter(department__isnull=False).select_related(
        "department"
    ):
        when = case.received_at or case.imported_at
        assert case.department is not None  # filtered above
        examples.append(Example(case.text, case.department.current().pk, when, -case.pk))
    return examples


def score(
    model: pipeline.Router,
    texts: list[str],
    labels: Sequence[object],
    values: np.ndarray | None = None,
) -> tuple[float, float]:
    """Top-1 and top-3 on these cases; `values` are the model's scores for them if already known."""
    values = model.decision_function(texts) if values is None else values
    predictions = [
        [str(model.classes_[i]) for i in row] for row in np.argsort(-values, axis=1)[:, :3]
    ]
    pairs = list(zip(predictions, map(str, labels), strict=True))
    top1 = sum(p[0] == g for p, g in pairs) / len(pairs)
    top3 = sum(g in p for p, g in pairs) / len(pairs)
    return round(top1, 4), round(top3, 4)


def calibrate(
    candidate: pipeline.Router, values: np.ndarray, labels: list[int]
) -> tuple[float, float]:
    """The temperature that makes the candidate's probabilities honest on the held-back recent
    cases, and its calibration error there afterwards. Departments the candidate never saw
    cannot be scored and are left out."""
    column = {label: i for i, label in enumerate(candidate.classes_)}
    known = [i for i, label in enumerate(labels) if label in column]
    if not known:
        return 1.0, 0.0
    values = values[known]
    gold = np.array([column[labels[i]] for i in known])
    temperature = pipeline.fit_temperature(values, gold)
    ece = pipeline.calibration_error(pipeline.softmax(values / temperature), gold)
    return temperature, round(ece, 4)


def train() -> RoutingModel:
    try:
        return train_and_maybe_promote()
    finally:
        pipeline.forget_analyses()  # the history's analyses would stay in the worker until next time


def train_and_maybe_promote() -> RoutingModel:
    """Train a candidate; promote it unless it is worse than the current model in a backtest on
    the most recent cases, which neither of them is trained on (docs/routing.md)."""
    examples = sorted(training_examples(), key=lambda e: e.when)
    record = RoutingModel.objects.create(
        examples=len(examples), labels=len({e.label for e in examples})
    )
    if len(examples) < MIN_EXAMPLES or record.labels < 2:
        record.note = f"학습 자료 부족 ({len(examples)}건, 부서 {record.labels}개): 사무분장 키워드로만 추천합니다."
        record.save()
        return record
    cut = int(len(examples) * (1 - HOLDOUT_SHARE))
    older, recent = examples[:cut], examples[cut:]
    texts, labels = [e.text for e in recent], [e.label for e in recent]
    if len({e.label for e in older}) < 2:
        record.note = "최근 사례를 뺀 학습 자료에 부서가 하나뿐이어서 보류"
        record.save()
        return record
    candidate = pipeline.build().fit([e.text for e in older], [e.label for e in older])
    record.holdout = len(recent)
    values = candidate.decision_function(texts)  # once, for both the scores and calibration
    record.holdout_top1, record.holdout_top3 = score(candidate, texts, labels, values)
    record.temperature, record.holdout_ece = calibrate(candidate, values, labels)
    record.incumbent_top1 = incumbent_score(older, texts, labels, record.holdout_top1)
    if record.incumbent_top1 is not None and record.holdout_top1 < record.incumbent_top1:
        record.note = f"최근 {len(recent)}건에서 현재 모델({record.incumbent_top1:.3f})보다 낮아({record.holdout_top1:.3f}) 보류"
        record.save()
        return record
    day_one = day_one_top1(texts, labels)
    if day_one is not None and record.holdout_top1 < day_one:
        record.note = f"최근 {len(recent)}건에서 첫날 추천({day_one:.3f})보다 낮아({record.holdout_top1:.3f}) 보류"
        record.save()
        return record
    final = pipeline.build().fit([e.text for e in examples], [e.label for e in examples])
    final.temperature_ = record.temperature
    folder = Path(settings.VAR_DIR) / "models"
    folder.mkdir(parents=True, exist_ok=True)
    record.file = str(folder / f"routing-v{record.pk}.joblib")
    save_model(final, record.file)
    save_trained_labels(record, examples)
    record.versions = library_versions()
    RoutingModel.objects.filter(promoted=True).update(promoted=False)
    record.promoted = True
    record.note = f"{timezone.localtime():%Y-%m-%d %H:%M} 사용 시작"
    record.save()
    return record


def day_one_top1(texts: list[str], labels: list[int]) -> float | None:
    """How often the day-one suggestions (shipped function model × the city's mapping) put the
    case's department first; None for a city without a mapping. A model trained on a young
    city's few cases must beat this before it outweighs them (docs/routing.md)."""
    by_function = dayone.mapping()
    if not by_function or not texts:
        return None
    hits = 0
    for text, label in zip(texts, labels, strict=True):
        shares = dayone.department_shares(text, by_function)  # no evidence: no query a case
        if shares and max(shares, key=lambda d: shares[d][0]) == label:
            hits += 1
    return hits / len(texts)


def incumbent_score(
    older: list[Example], texts: list[str], labels: list[int], candidate_top1: float
) -> float | None:
    """Top-1 on the recent cases of the current model as it would have been before them: its
    configuration retrained on the cases it was trained on, with the labels it learnt, that came
    before them. Scoring the current model itself would score it on cases it learnt (its nearest
    past case nearly memorises them), and a candidate would rarely win."""
    current_record, current = promoted_model()
    if current_record is None or current is None:
        return None
    learnt = trained_labels(current_record)
    if learnt is None:  # saved before the labels were kept: compare configurations only
        learnt = {e.key: e.label for e in older}
    data = [(e.text, learnt[e.key]) for e in older if e.key in learnt]
    if len({label for _, label in data}) < 2:
        return None
    if data == [(e.text, e.label) for e in older] and same_configuration(current, pipeline.build()):
        return candidate_top1  # the same training makes the same model
    retrained = clone(current).fit([text for text, _ in data], [label for _, label in data])
    return score(retrained, texts, labels)[0]


def same_configuration(a: Any, b: Any) -> bool:  # estimators, their parameters, values
    """Two (unfitted or fitted) estimators with the same classes and parameters, nested."""
    if isinstance(a, BaseEstimator) or isinstance(b, BaseEstimator):
        return type(a) is type(b) and same_configuration(
            a.get_params(deep=False), b.get_params(deep=False)
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_configuration(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(map(same_configuration, a, b))
    return type(a) is type(b) and a == b


def labels_file(record: RoutingModel) -> Path:
    return Path(record.file).with_suffix(".labels.npy")


def save_trained_labels(record: RoutingModel, examples: list[Example]) -> None:
    """The cases the model learnt and their labels then, for the next backtest (corrections made
    since must not be credited to it)."""
    np.save(labels_file(record), np.array([(e.key, e.label) for e in examples], dtype=np.int64))


def trained_labels(record: RoutingModel) -> dict[int, int] | None:
    try:
        pairs = np.load(labels_file(record))
    except (OSError, ValueError):
        return None
    return dict(pairs.tolist())
