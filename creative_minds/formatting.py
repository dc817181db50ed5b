"""How dates, times and p-values are written for people: used by pages, feeds and exports alike."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode


def format_date(value: date | datetime | None, blank: str = "") -> str:
    if value is None:
        return blank
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None, blank: str = "") -> str:
    if value is None:
        return blank
    return f"{value.day} {value:%B %Y at %H:%M}"


def format_iso_datetime(value: str | None, blank: str = "") -> str:
    """A date and time stored as ISO text (in a sealed record, say), written as people read it."""
    if not value:
        return blank
    return format_datetime(datetime.fromisoformat(value))


def format_time(value: time | None, blank: str = "") -> str:
    if value is None:
        return blank
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}:{value:%M}{suffix}" if value.minute else f"{hour}{suffix}"


def format_p(value: float | None) -> str:
    """A p-value as people read it: 'p = 0.0123', or 'p < 0.0001' when smaller."""
    if value is None:
        return "not available"
    return "p < 0.0001" if value < 0.0001 else f"p = {value:.4f}"


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """Build a query string from filter values, dropping blanks; lists repeat their key."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value in (None, "", [], False):
            continue
        if isinstance(value, (list, tuple, set)):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs)
