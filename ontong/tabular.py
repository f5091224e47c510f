"""Tables to and from files: every CSV/XLSX export and import in Ontong goes through here.

Exports hold citizens' words and open in a spreadsheet on a city PC, so a cell is never a formula:
XLSX text cells are written as strings (type "s", whatever they start with), and CSV text that a
spreadsheet would read as a formula (= + - @, tab, CR) gets a leading apostrophe (OWASP's CSV
injection advice). Characters XML cannot hold are dropped so that no text makes an export fail.
"""

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TableError(ValueError):
    pass


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("인코딩을 알 수 없습니다 (CSV는 UTF-8 또는 CP949만 읽습니다).")


def read_grid(data: bytes) -> list[list[str]]:
    """Rows of cells from an XLSX (recognised by its zip signature) or a CSV file."""
    if data[:2] == b"PK":
        try:
            sheet = load_workbook(io.BytesIO(data), data_only=True).active
        except Exception as exc:
            raise TableError(f"XLSX 파일을 읽을 수 없습니다: {exc}") from exc
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        rows = [[csv_text(v) for v in row] for row in csv.reader(io.StringIO(decode(data)))]
    if not rows:
        raise TableError("빈 파일입니다.")
    return rows


def csv_value(value):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def csv_text(value: str) -> str:
    """A CSV cell as read: without the apostrophe our export puts before a formula start."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def to_csv(headers: list[str], rows: Iterable[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_value(v) for v in headers])
    writer.writerows([csv_value(v) for v in row] for row in rows)
    # utf-8-sig so that Excel on Korean Windows opens it without mojibake.
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_cell(sheet, value):
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"  # set after the value: openpyxl would take "=…" for a formula
    return cell


def to_xlsx_sheets(sheets: Iterable[tuple[str, list[str], Iterable[list]]]) -> bytes:
    """One workbook, a sheet per (title, headers, rows)."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append([xlsx_cell(sheet, v) for v in headers])
        for row in rows:
            sheet.append([xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_xlsx(headers: list[str], rows: Iterable[list], title: str) -> bytes:
    return to_xlsx_sheets([(title, headers, rows)])
