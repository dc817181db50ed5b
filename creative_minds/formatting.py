"""How dates, times, figures and p-values are written for people: used by pages, feeds and exports alike."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
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


Number = int | Decimal | Fraction | float


def half_up(value: Number | None, places: int = 2, *, sign: bool = False, blank: str = "") -> str:
    """Every shown figure goes through here: rounded half away from zero, exactly (62.5 -> '63' with
    places=0; 1.015 -> '1.02'), never half to even as Python's round and Jinja's round do.

    Floats are taken at their shortest decimal form (0.625 is 0.625, not 0.62499...)."""
    if value is None:
        return blank
    if isinstance(value, float):
        if not math.isfinite(value):
            return blank
        exact = Fraction(Decimal(repr(value)))
    else:
        exact = Fraction(value)
    scaled = abs(exact) * 10**places
    whole = math.floor(scaled + Fraction(1, 2))
    negative = exact < 0 and whole != 0
    digits = str(whole).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}" if places else digits
    if negative:
        return "−" + text if sign else "-" + text
    return ("+" + text if sign and whole != 0 else text) if sign else text


def _hundredths_text(value: int) -> str:
    whole, rest = divmod(abs(value), 100)
    return f"{'-' if value < 0 else ''}{whole}.{rest:02d}"


# Every score and change a SWEMWBS metric can take (-35.00 to +35.00), written once.
_HUNDREDTHS_TEXT = {value: _hundredths_text(value) for value in range(-3500, 3501)}


def format_hundredths(value: int | None) -> str:
    """A whole number of hundredths written exactly (the CSV's scores and changes): -52 -> '-0.52'.
    The same text half_up gives for it, without building a fraction for each of 100,000 rows."""
    if value is None:
        return ""
    text = _HUNDREDTHS_TEXT.get(value)
    return text if text is not None else _hundredths_text(value)


def format_signed(value: Number | None, places: int = 2) -> str:
    """A change: '+1.35', '−0.50' (a real minus sign), '0.00'."""
    return half_up(value, places, sign=True)


def format_percent(part: int, whole: int, places: int = 0) -> str:
    """A share of people, half-up: 5 of 8 -> '63%'."""
    if not whole:
        return ""
    return half_up(Fraction(100 * part, whole), places) + "%"


def format_p(value: float | None) -> str:
    """A p-value as people read it: 'p = 0.0123', or 'p < 0.0001' when smaller (half-up)."""
    if value is None:
        return "not available"
    return "p < 0.0001" if value < 0.0001 else f"p = {half_up(value, 4)}"


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
