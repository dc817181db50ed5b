"""CSV (and spreadsheet) cells that a spreadsheet will never run as a formula.

A cell that starts with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (OWASP "CSV injection"). Such text is written with a leading apostrophe,
which spreadsheets show as text; plain numbers such as -3.10 stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.match(value):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer whose every cell goes through safe_cell."""

    def __init__(self, out: io.TextIOBase | io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

    def writerows_prepared(self, rows: Iterable[Iterable[Any]]) -> None:
        """Rows whose text cells the caller already passed through safe_cell (once per distinct value,
        say) and whose other cells are numbers the code wrote: 100,000 rows without 1,000,000 checks."""
        self._writer.writerows(rows)


def safe_writer(out: io.TextIOBase | io.StringIO) -> SafeWriter:
    return SafeWriter(out)
