"""Reading complaint histories: CSV (utf-8, utf-8-sig or cp949, detected) and XLSX."""

import csv
import html
import io
import re
from pathlib import Path

from openpyxl import load_workbook

TAG = re.compile(r"<[^>]+>")


class TableError(ValueError):
    pass


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("인코딩을 알 수 없습니다 (UTF-8 또는 CP949만 읽습니다).")


def read_rows(path: Path) -> list[dict[str, str]]:
    data = Path(path).read_bytes()
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
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def clean_text(value: str) -> str:
    """HTML cells become text; whitespace is folded."""
    text = html.unescape(TAG.sub(" ", value or ""))
    return re.sub(r"[ \t\r\f\v]+", " ", text).strip()


def joined_text(row: dict[str, str], columns: list[str]) -> str:
    return "\n".join(clean_text(row.get(c, "")) for c in columns).strip()


def require_columns(rows: list[dict], columns: list[str]) -> None:
    present = set(rows[0]) if rows else set()
    missing = [c for c in columns if c not in present]
    if missing:
        raise TableError(f"없는 열: {', '.join(missing)} (있는 열: {', '.join(sorted(present))})")
