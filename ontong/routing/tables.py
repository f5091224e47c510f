"""Reading complaint histories: CSV (utf-8, utf-8-sig or cp949, detected) and XLSX."""

import html
import re
from pathlib import Path

from ontong.tabular import TableError, read_grid

__all__ = ["TableError", "read_rows", "clean_text", "joined_text", "require_columns"]

TAG = re.compile(r"<[^>]+>")


def read_rows(path: Path) -> list[dict[str, str]]:
    rows = read_grid(Path(path).read_bytes())
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def clean_text(value: str) -> str:
    """HTML cells become text; whitespace is folded."""
    text = html.unescape(TAG.sub(" ", value or ""))
    return re.sub(r"[ \t\r\f\v]+", " ", text).strip()


def joined_text(row: dict[str, str], columns: list[str]) -> str:
    return "\n".join(clean_text(row.get(c, "")) for c in columns).strip()


def require_columns(rows: list[dict[str, str]], columns: list[str]) -> None:
    present = set(rows[0]) if rows else set()
    missing = [c for c in columns if c not in present]
    if missing:
        raise TableError(f"없는 열: {', '.join(missing)} (있는 열: {', '.join(sorted(present))})")
