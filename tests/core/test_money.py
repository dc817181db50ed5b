"""Money is exact: pounds typed by people become whole pence, and back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creative_minds.money import MoneyError, format_pence, parse_pounds, pence_to_input


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("250", 25_000),
        ("£1,250.50", 125_050),
        (" 0.1 ", 10),
        ("0.01", 1),
        ("1 000", 100_000),
        ("£1,234,567.89", 123_456_789),
        ("£ 12,500", 1_250_000),
        ("1234.5", 123_450),
        (Decimal("2.5"), 250),
        (12, 1_200),
    ],
)
def test_parse(typed, pence):
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "negative"),
        ("ten", "numbers only"),
        ("1.234", "numbers only"),
        ("1e5", "numbers only"),
        ("", "Enter an amount"),
        ("999999999999", "too large"),
        ("NaN", "numbers only"),
        # Misplaced separators were read as another number ("£1,2,3" became £123).
        ("£1,2,3", "Check the commas"),
        ("£1,2,3,4", "Check the commas"),
        ("12,34", "Check the commas"),
        ("1,2345", "Check the commas"),
        ("1,234 567", "Check the commas"),
        ("1 2 3", "Check the commas"),
        ("1,234,", "Check the commas"),
        ("-£5", "negative"),
        ("£-5", "negative"),
        ("١٢٣", "numbers only"),
    ],
)
def test_refused(typed, message):
    with pytest.raises(MoneyError, match=message):
        parse_pounds(typed)


def test_format():
    assert format_pence(125_050) == "£1,250.50"
    assert format_pence(100_000) == "£1,000"
    assert format_pence(-5) == "-£0.05"
    assert format_pence(None, blank="–") == "–"


@given(st.integers(min_value=0, max_value=10**10))
def test_round_trip(pence):
    assert parse_pounds(pence_to_input(pence)) == pence
    assert parse_pounds(format_pence(pence)) == pence
