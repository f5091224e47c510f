import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from ontong.complaints.models import Complaint, State
from ontong.routing import nearest, similar
from ontong.routing.models import HistoricalCase, SimilarIndex

from .test_similar import answered

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_built_index_and_cases_answered_after_it_are_both_found(staff, new_complaint, var_dir):
    pothole = answered(
        staff, new_complaint, "시청 앞 도로에 포트홀이 생겼어요", "포트홀을 메웠습니다."
    )
    bench = answered(staff, new_complaint, "공원 벤치가 부서졌어요", "벤치를 교체했습니다.")
    HistoricalCase.objects.create(
        source="새올",
        row=1,
        text="가로등이 꺼져 있어요",
        department_name="도로과",
        answer="전구 교체",
    )  # imported before morphemes were stored: the build analyses it
    record = nearest.build()
    assert record.cases == 3 and (var_dir / "models").exists()
    assert HistoricalCase.objects.get(row=1).terms.split()[:1] == ["가로등"]
    keys = np.load(f"{record.folder}/keys.npy")
    assert sorted(keys.tolist()) == sorted([pothole.pk, bench.pk, -HistoricalCase.objects.get().pk])

    later = answered(staff, new_complaint, "공원 벤치 페인트가 벗겨졌어요", "칠했습니다.")
    query = new_complaint("공원 벤치가 또 부서졌어요")
    found = similar.similar_cases(query)
    assert [c.key for c in found[:2]] == [f"c{bench.pk}", f"c{later.pk}"]
    assert similar.similar_cases(new_complaint("가로등이 꺼졌어요"))[0].answer == "전구 교체"

    Complaint.objects.filter(pk=bench.pk).update(state=State.IN_PROGRESS)  # reopened
    assert f"c{bench.pk}" not in [c.key for c in similar.similar_cases(query)]
    assert f"c{bench.pk}" not in [c.key for c in similar.similar_cases(bench)]


def test_a_case_is_not_its_own_similar_case(staff, new_complaint, var_dir):
    case = answered(staff, new_complaint, "하수구 냄새가 심해요", "준설했습니다.")
    nearest.build()
    assert similar.similar_cases(case) == []


def test_a_new_build_replaces_the_old_and_removes_older_files(staff, new_complaint, var_dir):
    answered(staff, new_complaint, "하수구 냄새가 심해요", "준설했습니다.")
    first, second, third = nearest.build(), nearest.build(), nearest.build()
    assert list(SimilarIndex.objects.values_list("pk", flat=True)) == [third.pk, second.pk]
    assert not (var_dir / "models" / first.folder.rsplit("/", 1)[1]).exists()
    assert nearest.current_build().pk == third.pk


def test_a_build_is_enqueued_when_none_exists_or_it_is_a_day_old(
    staff, new_complaint, var_dir, django_capture_on_commit_callbacks, run_tasks
):
    from django_tasks_db.models import DBTaskResult

    def builds_enqueued():
        return DBTaskResult.objects.filter(task_path__endswith="build_similar_index").count()

    with django_capture_on_commit_callbacks(execute=True):
        assert nearest.rebuild_if_due() is False  # nothing answered yet
    answered(staff, new_complaint, "하수구 냄새가 심해요", "준설했습니다.")
    with django_capture_on_commit_callbacks(execute=True):
        assert nearest.rebuild_if_due() is True
    assert builds_enqueued() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert nearest.rebuild_if_due() is False  # the first is still waiting
    run_tasks()  # the task builds the index
    record = SimilarIndex.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert nearest.rebuild_if_due() is False
    SimilarIndex.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert nearest.rebuild_if_due() is True
    assert builds_enqueued() == 2


def test_lookup_without_an_index_file_on_this_machine_uses_recent_cases(
    staff, new_complaint, var_dir
):
    case = answered(staff, new_complaint, "하수구 냄새가 심해요", "준설했습니다.")
    SimilarIndex.objects.create(
        covers_until=timezone.now() + dt.timedelta(hours=1), folder=str(var_dir / "missing")
    )
    found = similar.similar_cases(new_complaint("하수구에서 냄새가 나요"))
    assert [c.key for c in found] == [f"c{case.pk}"]


def test_a_case_reopened_while_it_is_looked_up_is_left_out_not_an_error(staff, new_complaint):
    case = answered(staff, new_complaint, "하수구 냄새가 심해요", "준설했습니다.")
    other = answered(staff, new_complaint, "하수구에서 냄새가 올라와요", "청소했습니다.")
    Complaint.objects.filter(pk=case.pk).update(state=State.IN_PROGRESS)
    found = nearest.past_cases({case.pk: 0.9, other.pk: 0.8})
    assert [(c.key, c.similarity) for c in found] == [(f"c{other.pk}", 0.8)]


def test_a_small_citys_built_index_finds_its_few_past_cases(staff, new_complaint, var_dir):
    """The demo city has four answered cases: every morpheme is in a quarter of them, which the
    candidate search must not skip as "common" (it did below 20 cases: no box ever showed)."""
    fee = answered(
        staff, new_complaint, "공영주차장 요금 정산기가 카드를 인식하지 못합니다.", "교체했습니다."
    )
    answered(staff, new_complaint, "지곡면 상수도가 단수입니다", "복구했습니다.")
    answered(staff, new_complaint, "화물차 밤샘주차 단속해 주세요", "단속했습니다.")
    answered(staff, new_complaint, "하천변에서 쓰레기를 태워요", "계도했습니다.")
    yesterday = timezone.now() - dt.timedelta(days=1)
    Complaint.objects.exclude(answered_at=None).update(answered_at=yesterday)  # long built in
    nearest.build()
    query = new_complaint("시청 공영주차장 요금 정산기가 카드를 못 읽어요")
    assert [c.key for c in similar.similar_cases(query)][:1] == [f"c{fee.pk}"]


def test_a_past_case_whose_title_is_its_beginning_reads_once(staff, new_complaint, var_dir):
    body = "공영주차장 요금 정산기가 카드를 인식하지 못합니다."
    fee = answered(staff, new_complaint, body, "교체했습니다.")
    titled = answered(staff, new_complaint, "정산기가 또 고장", "고쳤습니다.")
    Complaint.objects.filter(pk=titled.pk).update(title="주차장 정산기")
    cases = {c.key: c.text for c in nearest.past_cases({fee.pk: 0.9, titled.pk: 0.5})}
    assert cases[f"c{fee.pk}"] == body
    assert cases[f"c{titled.pk}"] == "주차장 정산기\n정산기가 또 고장"
