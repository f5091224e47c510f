"""The evaluation protocols on a small fixture whose answers are known exactly."""

import csv
import json

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
