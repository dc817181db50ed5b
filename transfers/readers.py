"""Read an uploaded spreadsheet (CSV or Excel .xlsx) into a header and rows of text.

Every cell comes back as text, as a person typed it: numbers without a trailing ".0", dates as
YYYY-MM-DD, times as HH:MM. CSV is read as UTF-8 (with or without the byte-order mark Excel writes)
and, failing that, as Windows-1252 (Excel's "CSV" on Windows). Anything else gets a ReadError whose
message says what to do, never a crash.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

MAX_ROWS = 200_000
_OLD_EXCEL = b"\xd0\xcf\x11\xe0"
_ZIP = b"PK\x03\x04"


class ReadError(ValueError):
    """The file cannot be read as a table; the message says why, in plain words."""


@dataclass
class Table:
    """The first row's column names, and the other rows with their row numbers as a spreadsheet shows them."""

    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    encoding: str = ""


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:65536]:
        raise ReadError("This file is not a CSV or Excel file (it holds binary data). Save it as .csv or .xlsx.")
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ReadError(
            "The text in this file is in an encoding we cannot read. Save it from your spreadsheet as "
            "'CSV UTF-8' and try again."
        ) from exc


def _read_csv(data: bytes) -> Table:
    text, encoding = _decode(data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        rows = _collect(reader)
    except csv.Error as exc:
        raise ReadError(f"This CSV file is broken ({exc}). Open it in a spreadsheet and save it again.") from exc
    rows.encoding = encoding
    return rows


def _collect(source: Iterator[list[str]] | Iterator[tuple[object, ...]]) -> Table:
    headers: list[str] | None = None
    table = Table(headers=[])
    for number, raw in enumerate(source, start=1):
        cells = [cell_text(value) for value in raw]
        if headers is None:
            if not any(cells):
                continue
            headers = cells
            table.headers = headers
            continue
        if not any(cells):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise ReadError(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
        table.rows.append((number, cells))
    if headers is None:
        raise ReadError("The file is empty. Download the template, fill it in and upload it.")
    return table


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet (large files stay small in memory); data_only=False keeps
        # formulas as their text ("=SUM(A1:A3)") so they can be reported instead of trusted.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ReadError("This Excel file cannot be opened. Save it again as .xlsx (or as CSV) and try again.") from exc
    try:
        sheet = book.worksheets[0]
        table = _collect(sheet.iter_rows(values_only=True))
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        raise ReadError("This Excel file cannot be read. Save it again as .xlsx (or as CSV) and try again.") from exc
    finally:
        book.close()
    table.encoding = "Excel"
    return table


def read_table(filename: str, data: bytes, *, max_bytes: int) -> Table:
    """The table in an uploaded file, or ReadError."""
    if len(data) > max_bytes:
        raise ReadError(f"The file is larger than {max_bytes // (1024 * 1024)} MB. Split it into smaller files.")
    if not data.strip():
        raise ReadError("The file is empty. Download the template, fill it in and upload it.")
    name = filename.lower()
    if data.startswith(_OLD_EXCEL) or name.endswith(".xls"):
        raise ReadError("Old Excel files (.xls) cannot be read. Save it as Excel Workbook (.xlsx) or CSV.")
    if data.startswith(_ZIP):
        return _read_xlsx(data)
    if name.endswith((".xlsx", ".xlsm")):
        raise ReadError("This file is called .xlsx but is not an Excel file. Save it again as .xlsx or CSV.")
    return _read_csv(data)
