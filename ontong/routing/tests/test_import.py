import csv

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from ontong.complaints.services import Intake, receive_complaint
from ontong.org.models import Department
from ontong.routing.models import HistoricalCase
from ontong.routing.similar import similar_cases
from ontong.routing.suggest import training_examples

pytestmark = pytest.mark.django_db

ROWS = [
    ["제목", "내용", "처리부서", "답변", "접수일"],
    ["포트홀", "시청 앞 도로 포트홀", "도로과", "메웠습니다", "2025-03-02"],
    ["", "", "도로과", "", "2025-03-03"],
    ["버스", "배차 간격이 길어요", "", "", "2025-03-04"],
    ["옛 부서", "건축 허가 문의", "건축허가과", "원스톱허가과로 문의하세요", "2025-03-05"],
    ["모르는 부서", "무엇인가", "우주항공과", "", "날짜아님"],
]


def write_csv(path, encoding="cp949"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(ROWS)
    return path


def run(path, *extra):
    call_command(
        "import",
        "complaints",
        str(path),
        "--text",
        "제목,내용",
        "--label",
        "처리부서",
        "--answer",
        "답변",
        "--date",
        "접수일",
        *extra,
    )


def test_good_rows_are_kept_and_bad_rows_reported(city, tmp_path, capsys):
    Department.objects.filter(name="원스톱허가과").update(aliases="건축허가과")
    run(write_csv(tmp_path / "saeol.csv"))
    out = capsys.readouterr().out
    assert (
        "가져온 행 3" in out
        and "빈 내용: 1행" in out
        and "부서 없음: 1행" in out
        and "우주항공과(1)" in out
    )
    cases = {c.department_name: c for c in HistoricalCase.objects.all()}
    assert cases["건축허가과"].department.name == "원스톱허가과"  # found through the old name
    assert cases["우주항공과"].department is None and cases["우주항공과"].received_at is None
    assert cases["도로과"].received_at.year == 2025
    run(write_csv(tmp_path / "saeol.csv"))
    assert HistoricalCase.objects.count() == 3 and "이미 있던 행 3" in capsys.readouterr().out


def test_dry_run_and_xlsx(city, tmp_path, capsys):
    workbook = Workbook()
    for row in ROWS:
        workbook.active.append(row)
    workbook.save(tmp_path / "h.xlsx")
    run(tmp_path / "h.xlsx", "--dry-run")
    assert "가져올 수 있는 행 3" in capsys.readouterr().out and not HistoricalCase.objects.exists()
    run(tmp_path / "h.xlsx")
    assert HistoricalCase.objects.count() == 3


def test_utf8_files_and_clear_errors(city, tmp_path):
    run(write_csv(tmp_path / "u.csv", encoding="utf-8-sig"))
    assert HistoricalCase.objects.filter(department_name="도로과").exists()
    with pytest.raises(CommandError, match="없는 열: 처리부서"):
        call_command(
            "import",
            "complaints",
            str(tmp_path / "u.csv"),
            "--text",
            "제목",
            "--label",
            "처리부서 ",
        )
    (tmp_path / "bad.csv").write_bytes(b"\x80\x81\xfe\xff" * 100)
    with pytest.raises(CommandError, match="인코딩"):
        run(tmp_path / "bad.csv")


def test_imported_cases_feed_routing_and_similar_search(city, tmp_path):
    run(write_csv(tmp_path / "saeol.csv"))
    road = Department.objects.get(name="도로과")
    assert any(e.label == road.pk and "포트홀" in e.text for e in training_examples())
    complaint = receive_complaint(Intake(channel="web", body="도로에 포트홀이 있어요"))
    assert similar_cases(complaint)[0].answer == "메웠습니다"
