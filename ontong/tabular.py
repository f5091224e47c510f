"""Tables to files: every CSV/XLSX export in Ontong goes through these two functions."""

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook


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
