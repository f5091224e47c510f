"""A saved model that this installation cannot trust (other library versions, a damaged file) is
refused: the complaint page still shows suggestions, from the catalogue, and a retraining is
enqueued once."""

import logging
import re
from pathlib import Path

import pytest

from ontong.routing import suggest as module
from ontong.routing.models import RoutingModel
from ontong.routing.suggest import library_versions, train

from .test_suggest import history

pytestmark = pytest.mark.django_db


def retrainings_enqueued() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith=".retrain").count()


def suggestions_section(page: str) -> str:
    return page.split('data-testid="suggestions"', 1)[1].split("</ol>", 1)[0]


def test_a_trained_model_records_the_library_versions_it_was_saved_with(staff, new_complaint):
    history(staff, new_complaint)
    record = train()
    assert record.promoted and record.versions == library_versions()
    assert {"ontong-model", "python", "scikit-learn", "numpy", "scipy", "kiwipiepy"} <= set(
        record.versions
    )


@pytest.mark.parametrize("damage", ["saved by another scikit-learn", "unreadable file"])
def test_a_model_that_cannot_be_trusted_is_refused_and_the_page_still_suggests(
    staff, new_complaint, client, caplog, run_tasks, damage
):
    history(staff, new_complaint)
    record = train()
    assert record.promoted
    if damage == "saved by another scikit-learn":
        RoutingModel.objects.filter(pk=record.pk).update(
            versions={**record.versions, "scikit-learn": "0.24.2"}
        )
    else:
        Path(record.file).write_bytes(b"\x80\x04 not a pickle")
    module._loaded.clear()  # a process started after the upgrade
    complaint = new_complaint("아파트 앞에 쓰레기 무단투기가 심해요")
    client.force_login(staff["triage"])

    with caplog.at_level(logging.WARNING, logger="ontong.routing.suggest"):
        pages = [client.get(f"/complaints/{complaint.receipt_no}/") for _ in range(2)]

    assert [page.status_code for page in pages] == [200, 200]
    shown = suggestions_section(pages[-1].content.decode())
    first = shown.split("</li>", 1)[0]
    assert re.findall(r"<strong>(.*?)</strong>", first) == ["자원순환과"]
    assert "사무분장:" in first and "무단투기" in first and "모델 v" not in shown
    assert f"v{record.pk}" in caplog.text and "refused" in caplog.text
    assert retrainings_enqueued() == 1
    record.refresh_from_db()
    assert not record.promoted and "사용 중지" in record.note

    run_tasks()  # the retraining replaces it with a model of this installation's versions
    retrained = RoutingModel.objects.get(promoted=True)
    assert retrained.pk != record.pk and retrained.versions == library_versions()
    page = client.get(f"/complaints/{complaint.receipt_no}/").content.decode()
    assert f"모델 v{retrained.pk}" in suggestions_section(page)


def test_a_new_model_saved_under_a_loaded_models_name_is_read_afresh(staff, new_complaint):
    """A database reset under the same var dir numbers models from 1 again: routing-v1.joblib is
    rewritten while processes have the old one loaded (memory-mapped)."""
    history(staff, new_complaint)
    record = train()
    _, before = module.promoted_model()
    assert sorted(int(c) for c in before.classes_) == sorted(
        {c.department_id for c in record_cases()}
    )
    other = module.pipeline.build().fit(
        ["가로등 고장", "가로등 꺼짐", "수도 누수", "단수"], [7, 7, 9, 9]
    )
    module.save_model(other, record.file)
    _, after = module.promoted_model()
    assert [int(c) for c in after.classes_] == [7, 9]
    assert list(before.classes_) != [7, 9]  # the old, still-loaded model was not changed under us


def record_cases():
    from ontong.complaints.models import Complaint

    return Complaint.objects.exclude(department=None)
