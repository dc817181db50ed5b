"""Write rows as CSV or .xlsx, every text cell safe from being run as a formula (creative_minds.csvout)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from creative_minds.csvout import safe_cell, safe_writer

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel on Windows reads accents and £ correctly."""
    out = io.StringIO()
    safe_writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> bytes:
    """One sheet per (title, rows). Text starting with =, +, -, @ is written as text with an apostrophe,
    as in CSV; openpyxl would otherwise store "=..." as a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([_xlsx_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value
    text = safe_cell(str(value))
    if isinstance(text, str) and text.startswith("="):  # a number-looking string never starts with "="
        return "'" + text
    return text
