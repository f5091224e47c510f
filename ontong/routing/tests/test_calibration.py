import numpy as np
import pytest

from ontong.routing import pipeline
from ontong.routing.suggest import suggest, train

from .test_suggest import history


def overconfident_scores(seed=0, rows=2000, classes=5, accuracy=0.6):
    """Scores whose softmax says ~99% while the top class is right only `accuracy` of the time."""
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 1, (rows, classes))
    top = values.argmax(axis=1)
    values[np.arange(rows), top] += 6
    right = rng.random(rows) < accuracy
    gold = np.where(right, top, (top + 1 + rng.integers(0, classes - 1, rows)) % classes)
    return values, gold


def test_temperature_scaling_makes_overconfident_scores_honest():
    values, gold = overconfident_scores()
    raw = pipeline.calibration_error(softmax(values), gold)
    temperature = pipeline.fit_temperature(values, gold)
    calibrated = softmax(values / temperature)
    assert temperature > 1.5
    assert raw > 0.3 and pipeline.calibration_error(calibrated, gold) < 0.05
    assert abs(calibrated.max(axis=1).mean() - 0.6) < 0.05
    assert (calibrated.argmax(axis=1) == values.argmax(axis=1)).all()


def test_calibration_error_is_zero_when_confidence_matches_accuracy():
    probability = np.array([[0.75, 0.25]] * 4)
    assert pipeline.calibration_error(probability, np.array([0, 0, 0, 1])) == pytest.approx(0.0)
    assert pipeline.calibration_error(probability, np.array([1, 1, 1, 1])) == pytest.approx(0.75)


@pytest.mark.django_db
def test_training_stores_the_temperature_and_suggestions_use_it(staff, new_complaint):
    history(staff, new_complaint)
    record = train()
    assert record.promoted and record.temperature != 1.0 and record.holdout_ece is not None
    complaint = new_complaint("집 앞 도로에 큰 포트홀이 있어요")
    from ontong.routing.suggest import promoted_model

    _, model = promoted_model()
    assert model.temperature_ == record.temperature
    top = suggest(complaint)[0]
    expected = pipeline.probabilities(model, [f"{complaint.title}\n{complaint.body}"])[0].max()
    assert top.confidence == pytest.approx(expected, abs=1e-3)


def softmax(values):
    exp = np.exp(values - values.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)
