"""The Short Warwick-Edinburgh Mental Wellbeing Scale: items, answers, and official scoring.

SWEMWBS © NHS Health Scotland, University of Warwick and University of Edinburgh, 2008. All rights
reserved. Free to use; users register with Warwick Medical School.
"""

from __future__ import annotations

from decimal import Decimal

ATTRIBUTION = (
    "Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) © NHS Health Scotland, University of Warwick "
    "and University of Edinburgh, 2008, all rights reserved."
)
INTRO = "Below are some statements about feelings and thoughts. Please choose the answer that best describes your experience of each over the last 2 weeks."

ITEMS = (
    "I've been feeling optimistic about the future",
    "I've been feeling useful",
    "I've been feeling relaxed",
    "I've been dealing with problems well",
    "I've been thinking clearly",
    "I've been feeling close to other people",
    "I've been able to make up my own mind about things",
)

ANSWERS = {1: "None of the time", 2: "Rarely", 3: "Some of the time", 4: "Often", 5: "All of the time"}

# The published raw-to-metric conversion table (raw score 7-35).
METRIC = {
    7: Decimal("7.00"),
    8: Decimal("9.51"),
    9: Decimal("11.25"),
    10: Decimal("12.40"),
    11: Decimal("13.33"),
    12: Decimal("14.08"),
    13: Decimal("14.75"),
    14: Decimal("15.32"),
    15: Decimal("15.84"),
    16: Decimal("16.36"),
    17: Decimal("16.88"),
    18: Decimal("17.43"),
    19: Decimal("17.98"),
    20: Decimal("18.59"),
    21: Decimal("19.25"),
    22: Decimal("19.98"),
    23: Decimal("20.73"),
    24: Decimal("21.54"),
    25: Decimal("22.35"),
    26: Decimal("23.21"),
    27: Decimal("24.11"),
    28: Decimal("25.03"),
    29: Decimal("26.02"),
    30: Decimal("27.03"),
    31: Decimal("28.13"),
    32: Decimal("29.31"),
    33: Decimal("30.70"),
    34: Decimal("32.55"),
    35: Decimal("35.00"),
}


class ItemError(ValueError):
    """An answer outside 1-5."""


def check_items(items: list[int | None]) -> list[int | None]:
    if len(items) != len(ITEMS):
        raise ItemError(f"The scale has {len(ITEMS)} statements; {len(items)} answers were given.")
    for number, value in enumerate(items, start=1):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5):
            raise ItemError(f"Statement {number}: the answer must be from 1 (none of the time) to 5 (all of the time).")
    return items


def raw_score(items: list[int | None]) -> int | None:
    """Sum of the seven answers; None unless all seven are answered (only complete forms are scored)."""
    check_items(items)
    if any(value is None for value in items):
        return None
    return sum(items)


def metric_score(raw: int | None) -> Decimal | None:
    return None if raw is None else METRIC[raw]


def score(items: list[int | None]) -> tuple[int | None, Decimal | None]:
    raw = raw_score(items)
    return raw, metric_score(raw)
