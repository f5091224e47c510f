"""Tables to and from files: every CSV/XLSX export and import in Ontong goes through here."""

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook, load_workbook


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
        rows = list(csv.reader(io.StringIO(decode(data))))
    if not rows:
        raise TableError("빈 파일입니다.")
    return rows


def to_csv(headers: list[str], rows: Iterable[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    # utf-8-sig so that Excel on Korean Windows opens it without mojibake.
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(headers: list[str], rows: Iterable[list], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
