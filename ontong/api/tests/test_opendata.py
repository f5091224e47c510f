"""Open data: monthly anonymised statistics, small counts hidden, no personal data."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command

from ontong.api import opendata
from ontong.complaints.models import Complaint

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def table(data: bytes, encoding="utf-8-sig"):
    return list(csv.DictReader(io.StringIO(data.decode(encoding))))


@pytest.fixture
def november(road_case):
    """7 road cases and 2 traffic cases received in November 2026; 6 road ones answered, 5 on time."""
    made = [road_case("도로과", body=f"인도 파손 {n} 010-9999-{n:04d}") for n in range(7)]
    made += [road_case("교통과", body=f"신호등 {n}") for n in range(2)]
    moment = dt.datetime(2026, 11, 10, 9, 0, tzinfo=SEOUL)
    Complaint.objects.filter(pk__in=[c.pk for c in made]).update(received_at=moment)
    answered = [c.pk for c in made[:6]]
    Complaint.objects.filter(pk__in=answered[:5]).update(
        answered_at=moment + dt.timedelta(days=2), due_at=moment + dt.timedelta(days=7)
    )
    Complaint.objects.filter(pk=answered[5]).update(
        answered_at=moment + dt.timedelta(days=9), due_at=moment + dt.timedelta(days=7)
    )
    return made


def test_counts_suppression_and_no_personal_data(november):
    data = opendata.csv_bytes(dt.date(2026, 11, 1), dt.date(2026, 12, 2))
    assert data.startswith("\ufeff".encode())  # UTF-8 with BOM
    rows = table(data)
    assert list(rows[0]) == opendata.HEADERS
    by = {(r["구분"], r["항목"]): r for r in rows}
    total = by[("전체", "전체")]
    assert (total["접수건수"], total["처리건수"], total["기한내처리건수"]) == ("9", "6", "5")
    assert total["기한내처리율"] == "83.3"
    road = by[("처리부서", "도로과")]
    traffic = by[("처리부서", "교통과")]
    assert traffic["접수건수"] == "*"  # 2 cases: hidden
    # …and 도로과's 7 with it: 9 − 7 would give 교통과's 2 away.
    assert road["접수건수"] == "*"
    assert (road["처리건수"], road["기한내처리건수"], road["기한내처리율"]) == ("6", "5", "83.3")
    assert by[("민원종류", "기타민원")]["접수건수"] == "9"
    text = data.decode("utf-8-sig")
    assert "010" not in text and "인도" not in text and "-" + "0000" not in text
    assert all(r["기준연월"] == "2026-11" and r["데이터기준일자"] == "2026-12-02" for r in rows)
    # Another month: nothing counted.
    empty = {
        (r["구분"], r["항목"]): r
        for r in table(opendata.csv_bytes(dt.date(2026, 10, 1), dt.date(2026, 12, 2)))
    }
    assert empty[("전체", "전체")]["접수건수"] == "0"


def test_a_lone_hidden_count_takes_a_second_one_with_it():
    lines = [
        opendata.Line("읍면동", n, {"received": r, "answered": 0, "on_time": 0})
        for n, r in [("가", 2), ("나", 6), ("다", 30)]
    ]
    opendata.suppress(lines)
    assert [opendata.cell(line, "received") for line in lines] == ["*", "*", 30]


def test_command_and_download_for_central_staff_only(november, tmp_path, client, staff):
    out = tmp_path / "stats.csv"
    call_command("export_open_data", "--month", "2026-11", "--encoding", "cp949", "-o", str(out))
    rows = table(out.read_bytes(), "cp949")
    assert rows[0]["항목"] == "전체" and rows[0]["접수건수"] == "9"
    client.force_login(staff["road_mgr"])
    assert client.get("/opendata/monthly.csv?month=2026-11").status_code == 404
    assert 'data-testid="open-data"' not in client.get("/reports/").content.decode()
    client.force_login(staff["admin"])
    assert 'data-testid="open-data"' in client.get("/reports/").content.decode()
    response = client.get("/opendata/monthly.csv?month=2026-11")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert table(response.content)[0]["접수건수"] == "9"


def group_of(*counts):
    made = []
    for n, count in enumerate(counts):
        line = opendata.Line("읍면동", f"동{n}")
        line.counts["received"] = count
        made.append(line)
    return made


def hidden(group):
    return ["received" in line.hidden for line in group]


def test_hidden_counts_cannot_be_worked_out_by_subtraction():
    """Two hidden 1s beside a shown 30 under a shown 전체 32: the hidden add up to 2, so both
    are 1. A hidden 1 and a hidden 5 (the next smallest) add up to 6: 1 and 5 again. Such a
    group hides one more count."""
    for counts in [(1, 1, 30), (1, 5, 30), (4, 4, 30), (1, 1, 1, 1, 30)]:
        group = group_of(*counts)
        opendata.suppress(group)
        assert all(hidden(group)), counts
    # Enough doubt already: a hidden 2 and a hidden 3 add up to 5 (1+4, 2+3, 3+2, 4+1).
    group = group_of(2, 3, 30)
    opendata.suppress(group)
    assert hidden(group) == [True, True, False]
    # The usual case: one small count hides the next smallest too.
    group = group_of(2, 7, 30)
    opendata.suppress(group)
    assert hidden(group) == [True, True, False]
