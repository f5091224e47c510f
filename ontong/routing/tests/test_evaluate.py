"""The evaluation protocols on a small fixture whose answers are known exactly."""

import csv
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from ontong.routing import evaluate

TOPICS = {
    "도로과": ["포트홀", "도로 파손", "보도블록", "아스팔트", "제설", "가드레일"],
    "교통과": ["불법 주정차", "버스 정류장", "신호 대기", "주차 단속", "택시 승강장", "버스 배차"],
    "자원순환과": [
        "쓰레기 무단투기",
        "분리수거",
        "대형폐기물",
        "음식물 쓰레기",
        "재활용",
        "청소차",
    ],
}


KEYS = {"도로과": "도로 보수", "교통과": "교통 단속", "자원순환과": "쓰레기 수거"}


def write_fixture(path, with_rare=True, months=None):
    rows = []
    for label, words in TOPICS.items():
        for i, word in enumerate(words):
            rows.append(
                {
                    "제목": f"{word} 민원",
                    "내용": f"{KEYS[label]} 요청: {word}",
                    "부서": label,
                    "접수일": f"2026-{(months or {}).get((label, i), 1):02d}-15",
                }
            )
    if with_rare:
        rows += [
            {"제목": "가로등", "내용": "가로등 고장", "부서": "희귀과", "접수일": "2026-01-15"}
        ] * 2
    rows.append({"제목": "", "내용": "", "부서": "도로과", "접수일": "2026-01-15"})
    rows.append({"제목": "부서 없음", "내용": "내용", "부서": "", "접수일": "2026-01-15"})
    with open(path, "w", encoding="cp949", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["제목", "내용", "부서", "접수일"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_kfold_drops_rare_labels_and_counts_exactly(tmp_path):
    data = evaluate.load(write_fixture(tmp_path / "h.csv"), ["제목", "내용"], "부서")
    assert dict(data.skipped) == {"빈 내용": 1, "부서 없음": 1}
    result = evaluate.kfold(data, folds=3, min_per_label=5, seed=0)
    assert (result["n"], result["labels"]) == (18, 3)  # 희귀과 (2 rows) dropped
    assert (result["top1"], result["top3"]) == (1.0, 1.0)  # every class has its own key words
    assert result["per_department"]["도로과"] == {"precision": 1.0, "recall": 1.0, "support": 6}
    assert result["confused"] == []


def test_chronological_counts_every_row_and_unseen_departments_miss(tmp_path):
    months = {("교통과", 5): 3}
    path = write_fixture(tmp_path / "h.csv", with_rare=False, months=months)
    data = evaluate.load(path, ["제목", "내용"], "부서", "접수일")
    unseen = evaluate.Dataset(
        texts=data.texts + ["신규 업무 문의"],
        labels=data.labels + ["새부서"],
        dates=data.dates + [data.dates[0].replace(month=3)],
    )
    result = evaluate.chronological(unseen, min_history=10)
    # March is predicted from the 17 earlier rows; its 2 rows are counted, the new department is a miss.
    assert (result["n"], result["top1"], result["labels"]) == (2, 0.5, 2)
    assert evaluate.chronological(unseen, min_history=100)["n"] == 0


def test_command_prints_a_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    call_command(
        "routing",
        "evaluate",
        str(write_fixture(tmp_path / "h.csv")),
        "--text",
        "제목,내용",
        "--label",
        "부서",
        "--date",
        "접수일",
        "--folds",
        "3",
        "--json",
        str(out),
    )
    printed = capsys.readouterr().out
    assert "kfold" in printed and "top-1" in printed
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["kfold"]) >= {"top1", "top3", "n", "labels", "per_department", "confused"}
    assert "chronological" in result


def test_command_reports_missing_columns_and_bad_files(tmp_path):
    path = write_fixture(tmp_path / "h.csv")
    with pytest.raises(CommandError, match="없는 열: 본문"):
        call_command("routing", "evaluate", str(path), "--text", "본문", "--label", "부서")
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\xff\xfe\x80\x81\x00" * 50)
    with pytest.raises(CommandError, match="인코딩"):
        call_command("routing", "evaluate", str(junk), "--text", "a", "--label", "b")


def repeated_dataset() -> evaluate.Dataset:
    """Each topic word six times over, and one text per department repeated four times (with
    different spacing and width, as copies in a real export differ)."""
    data = evaluate.Dataset()
    for label, words in TOPICS.items():
        for word in words:
            data.texts.append(f"{word} 민원\n{KEYS[label]} 요청: {word}")
            data.labels.append(label)
        for copy in range(4):
            data.texts.append(f"{words[0]}  민원\n{KEYS[label]} 요청:{' ' * copy} {words[0]}")
            data.labels.append(label)
    return data


def test_identical_texts_never_fall_on_both_sides_of_a_fold():
    data = repeated_dataset()
    groups = evaluate.group_keys(data.texts)
    assert len(set(groups.tolist())) == 18  # 30 rows, 18 distinct texts after normalising
    for seed in range(5):
        folds = evaluate.grouped_folds(np.array(data.labels), groups, 3, seed)
        for train, test in folds:
            assert not set(groups[train]) & set(groups[test])
        assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(30))


def test_kfold_reports_the_spread_over_folds_and_seeds():
    result = evaluate.kfold(repeated_dataset(), folds=3, min_per_label=5, seeds=[0, 1, 2])
    assert [(f["seed"], f["fold"]) for f in result["by_fold"]] == [
        (s, f) for s in (0, 1, 2) for f in range(3)
    ]
    assert all(sum(f["n"] for f in result["by_fold"] if f["seed"] == s) == 30 for s in (0, 1, 2))
    top1 = [f["top1"] for f in result["by_fold"]]
    assert result["spread"]["top1"] == evaluate.spread(top1)
    assert (result["n"], result["texts"], len(result["by_seed"])) == (30, 18, 3)


def test_spread_is_mean_sample_sd_and_range():
    assert evaluate.spread([0.5, 1.0, 0.75]) == {"mean": 0.75, "sd": 0.25, "min": 0.5, "max": 1.0}
    assert evaluate.spread([0.8])["sd"] == 0.0


def test_settings_are_chosen_on_dev_rows_that_no_reported_fold_uses(monkeypatch):
    chosen_on, reported, choosing = [], [], []
    choose, predict = evaluate.choose_settings, evaluate.predict

    def spy_choose(texts, *args):
        chosen_on.extend(texts)
        choosing.append(True)
        try:
            return choose(texts, *args)
        finally:
            choosing.pop()

    def spy_predict(train, gold, test, model, settings):
        if not choosing:
            reported.extend([*train, *test])
        return predict(train, gold, test, model, settings)

    monkeypatch.setattr(evaluate, "choose_settings", spy_choose)
    monkeypatch.setattr(evaluate, "predict", spy_predict)
    result = evaluate.kfold(repeated_dataset(), folds=3, min_per_label=5, dev=0.34)

    assert result["dev"]["n"] + result["n"] == 30 and len(chosen_on) == result["dev"]["n"] >= 6
    groups = evaluate.group_keys(chosen_on + reported)
    # Neither a dev text nor any copy of one is in a reported fold, as training or as test.
    assert not set(groups[: len(chosen_on)]) & set(groups[len(chosen_on) :])
    grid = evaluate.GRIDS["ontong"]
    assert len(result["dev"]["tried"]) == len(grid["classifier__C"]) * len(
        grid["classifier__neighbour_weight"]
    )
    assert result["dev"]["chosen"] in [t["settings"] for t in result["dev"]["tried"]]


def test_the_baseline_is_scored_under_the_same_protocol():
    result = evaluate.kfold(repeated_dataset(), folds=3, min_per_label=5, model="baseline")
    assert result["model"] == "baseline"
    assert (result["n"], result["top1"], result["top3"]) == (30, 1.0, 1.0)


def test_a_renamed_department_is_trained_and_scored_as_its_successor(tmp_path):
    # 도로과 becomes 도로관리과 in March: its March complaints are new to a model that does not know.
    months = {("도로과", i): 3 for i in (4, 5)}
    path = write_fixture(tmp_path / "h.csv", with_rare=False, months=months)
    data = evaluate.load(path, ["제목", "내용"], "부서", "접수일")
    renamed = [
        "도로관리과" if label == "도로과" and date.month == 3 else label
        for label, date in zip(data.labels, data.dates, strict=True)
    ]
    data = evaluate.Dataset(data.texts, renamed, data.dates)
    blind = evaluate.chronological(data, min_history=10)
    assert (blind["n"], blind["top1"]) == (2, 0.0)
    followed = evaluate.chronological(data, min_history=10, successors={"도로과": "도로관리과"})
    assert (followed["n"], followed["top1"]) == (2, 1.0)
    # k-fold: the old and new names are one department, in training and in scoring.
    merged = evaluate.kfold(data, folds=3, min_per_label=5, successors={"도로과": "도로관리과"})
    assert merged["labels"] == 3 and set(merged["per_department"]) == {
        "도로관리과",
        "교통과",
        "자원순환과",
    }


def test_a_prediction_of_the_retired_departments_successor_counts_right():
    # Gold says the retired 건축허가과; the model only knows today's 원스톱허가과.
    successors = {"건축허가과": "원스톱허가과", "원스톱허가과": "허가총괄과"}
    assert evaluate.successor("건축허가과", successors) == "허가총괄과"  # followed to the end
    assert evaluate.successor("허가총괄과", {"허가총괄과": "x", "x": "허가총괄과"}) in {
        "x",
        "허가총괄과",
    }
    data = evaluate.Dataset(
        texts=[f"건축 허가 문의 {i}" for i in range(6)] + [f"도로 포트홀 {i}" for i in range(6)],
        labels=["건축허가과"] * 3 + ["허가총괄과"] * 3 + ["도로과"] * 6,
    )
    result = evaluate.kfold(data, folds=3, min_per_label=5, successors=successors)
    assert (result["labels"], result["top1"]) == (2, 1.0)


@pytest.mark.django_db
def test_successors_come_from_the_catalogue_and_the_command(tmp_path, capsys):
    from ontong.org.models import Department

    today = Department.objects.create(name="도로관리과", aliases="도로정비과")
    Department.objects.create(name="도로과", is_active=False, replaced_by=today)
    assert evaluate.successors_from_catalogue() == {
        "도로과": "도로관리과",
        "도로정비과": "도로관리과",
    }
    out = tmp_path / "r.json"
    path = write_fixture(tmp_path / "h.csv")
    common = ["routing", "evaluate", str(path), "--text", "제목,내용", "--label", "부서"]
    call_command(
        *common,
        "--folds",
        "3",
        "--seeds",
        "0,1",
        "--reorganisations",
        "--successor",
        "교통과=교통행정과",
        "--json",
        str(out),
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["successors"]["교통과"] == "교통행정과"
    assert set(result["kfold"]["per_department"]) == {"도로관리과", "교통행정과", "자원순환과"}
    assert len(result["kfold"]["by_fold"]) == 6
    assert "±" in capsys.readouterr().out
    with pytest.raises(CommandError, match="옛부서=새부서"):
        call_command(*common, "--successor", "교통과")


def test_the_baseline_chooses_its_c_on_the_dev_rows_only():
    result = evaluate.kfold(
        repeated_dataset(), folds=3, min_per_label=5, model="baseline", dev=0.34
    )
    tried = [t["settings"] for t in result["dev"]["tried"]]
    assert tried == [{"classifier__C": c} for c in evaluate.GRIDS["baseline"]["classifier__C"]]
    assert result["dev"]["n"] + result["n"] == 30
    assert (result["top1"], result["top3"]) == (1.0, 1.0)
