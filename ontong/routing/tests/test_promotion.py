"""Promotion at retraining: the candidate and the current model are compared in a backtest on the
most recent cases, with both trained only on the cases before them."""

import datetime as dt

import pytest
from django.utils import timezone

from ontong.org.models import Department
from ontong.routing.models import FunctionDepartment, HistoricalCase, RoutingModel
from ontong.routing.suggest import HOLDOUT_SHARE, train

pytestmark = pytest.mark.django_db

CASES = {
    "도로과": [
        "도로에 포트홀이 생겼어요",
        "아스팔트가 깨졌습니다",
        "보도블록이 들떴어요",
        "도로 파손 신고합니다",
        "도로 한가운데 구멍이 났어요",
        "차도가 꺼졌어요",
        "도로 균열이 심해요",
        "맨홀 주변 도로 침하",
        "인도 블록 교체 요청",
        "도로가 움푹 패였어요",
        "가드레일이 부서졌어요",
        "이면도로 포장이 벗겨졌어요",
        # the most recent, in words the older cases do not use
        "노면이 울퉁불퉁해서 위험해요",
        "싱크홀처럼 땅이 내려앉았어요",
    ],
    "교통과": [
        "불법 주정차 단속해 주세요",
        "버스가 너무 안 와요",
        "버스 정류장 의자 파손",
        "주차 단속 요청합니다",
        "택시 승강장 불법 주차",
        "화물차 밤샘주차 신고",
        "공영주차장 요금 문의",
        "버스 노선 변경 요청",
        "버스 기사가 불친절해요",
        "주차 딱지 문의",
        "시내버스 배차 간격이 길어요",
        "장애인 주차구역 위반 차량",
        "킥보드가 인도에 방치돼 있어요",
        "신호등 주기가 너무 짧아요",
    ],
    "자원순환과": [
        "쓰레기 수거가 안 됐어요",
        "분리수거를 안 지키는 집이 있어요",
        "음식물 쓰레기 냄새가 심해요",
        "대형폐기물 수거 요청",
        "쓰레기 무단투기 신고",
        "재활용품 수거가 늦어요",
        "쓰레기봉투 판매처 문의",
        "길가에 쓰레기 더미가 있어요",
        "폐가전 수거 신청합니다",
        "쓰레기 불법 소각 신고",
        "음식물 수거함이 부서졌어요",
        "쓰레기 수거 차량 소음",
        "헌 옷 수거함 주변이 지저분해요",
        "폐건전지는 어디에 버리나요",
    ],
}


def import_history() -> list[HistoricalCase]:
    """The departments' cases interleaved in time, a day apart, in the order listed."""
    start = timezone.now() - dt.timedelta(days=100)
    cases: list[HistoricalCase] = []
    for i in range(max(map(len, CASES.values()))):
        for name, texts in CASES.items():
            if i < len(texts):
                cases.append(
                    HistoricalCase.objects.create(
                        source="새올",
                        row=len(cases) + 1,
                        text=texts[i],
                        department_name=name,
                        department=Department.objects.get(name=name),
                        received_at=start + dt.timedelta(days=len(cases)),
                    )
                )
    return cases


def mislabel_older(cases: list[HistoricalCase]) -> dict[int, int | None]:
    """Send two in three of the cases before the recent window to 자원순환과 (wrong corrections);
    the true departments, to restore them."""
    waste = Department.objects.get(name="자원순환과")
    cut = int(len(cases) * (1 - HOLDOUT_SHARE))
    true = {case.pk: case.department_id for case in cases}
    wrong = [case.pk for n, case in enumerate(cases[:cut]) if n % 3]
    HistoricalCase.objects.filter(pk__in=wrong).update(department=waste)
    return true


def restore(true: dict[int, int]) -> None:
    for pk, department_id in true.items():
        HistoricalCase.objects.filter(pk=pk).update(department_id=department_id)


def test_retraining_on_the_same_history_promotes_the_new_model(city, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    import_history()
    first = train()
    assert first.promoted
    again = train()
    # The current model learnt the recent cases; scored on them it would look better than any
    # candidate that has not. Retrained before them, it is the candidate's equal.
    assert again.promoted, again.note
    assert again.incumbent_top1 == again.holdout_top1
    assert RoutingModel.objects.get(promoted=True) == again


def test_a_model_trained_on_corrected_labels_replaces_one_trained_on_wrong_ones(
    city, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    cases = import_history()
    true = mislabel_older(cases)
    wrong = train()
    assert wrong.promoted  # nothing to compare with
    restore(true)  # people corrected the departments
    better = train()
    assert better.promoted, better.note
    assert better.holdout_top1 > better.incumbent_top1
    assert RoutingModel.objects.get(promoted=True) == better


def test_a_model_trained_on_wrong_labels_does_not_replace_one_trained_on_true_ones(
    city, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    cases = import_history()
    good = train()
    assert good.promoted
    mislabel_older(cases)  # wrong corrections made since
    worse = train()
    assert not worse.promoted and "보류" in worse.note
    assert worse.incumbent_top1 > worse.holdout_top1
    assert RoutingModel.objects.get(promoted=True) == good


def test_the_current_configuration_is_told_apart_from_a_changed_one(tmp_path):
    import joblib

    from ontong.routing import pipeline
    from ontong.routing.suggest import same_configuration

    saved = tmp_path / "model.joblib"
    joblib.dump(pipeline.build(), saved)
    assert same_configuration(joblib.load(saved), pipeline.build())
    changed = pipeline.build()
    changed.set_params(classifier__C=0.1)
    assert not same_configuration(changed, pipeline.build())
    changed = pipeline.build()
    changed.named_steps["features"].transformer_list.pop()
    assert not same_configuration(changed, pipeline.build())


def map_functions(mapping: dict[str, str]) -> None:
    for code, name in mapping.items():
        FunctionDepartment.objects.update_or_create(
            function=code, department=Department.objects.get(name=name), defaults={"rank": 1}
        )


AS_DAY_ONE_MAPS = {
    "road_repair": "도로과",
    "illegal_parking": "교통과",
    "bus": "교통과",
    "household_waste": "자원순환과",
    "illegal_dumping": "자원순환과",
}


def test_a_first_model_worse_than_the_day_one_suggestions_is_not_promoted(city, settings, tmp_path):
    """A young city's model trained on few or poorly corrected cases must not outweigh the
    day-one suggestions it is worse than on the recent cases (the demo's 34 cases did)."""
    settings.VAR_DIR = tmp_path
    map_functions(AS_DAY_ONE_MAPS)
    mislabel_older(import_history())
    held = train()
    assert not held.promoted and "첫날 추천" in held.note, held.note
    assert not RoutingModel.objects.filter(promoted=True).exists()


def test_a_model_that_learnt_the_citys_own_division_of_work_is_promoted(city, settings, tmp_path):
    """Where the city divides the work otherwise than the day-one mapping says, the model that
    learnt it beats day one on the recent cases and is promoted."""
    settings.VAR_DIR = tmp_path
    map_functions(
        {"road_repair": "교통과", "illegal_parking": "자원순환과", "household_waste": "도로과"}
    )
    import_history()
    record = train()
    assert record.promoted, record.note
