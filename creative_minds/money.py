"""Money as integer pence: parse what people type, show it as pounds."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

MAX_PENCE = 100_000_000_00  # £100 million: anything larger is a typing mistake here


class MoneyError(ValueError):
    """The text is not an amount of money; the message says why."""


# Whole pounds either without separators ("1250") or with commas (or spaces) between every group of
# three digits ("1,250", "1 250 000"), then optionally pence: "1,250.5", "1250.50". A separator in any
# other place ("1,2,3", "12,34") is a typing mistake, not a number to guess at.
_MONEY_RE = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?P<sep>[, ])[0-9]{3}(?:(?P=sep)[0-9]{3})*)(?:\.[0-9]{1,2})?$")


def parse_pounds(text: str | int | Decimal | None, *, allow_blank: bool = False) -> int | None:
    """'£1,234.5' -> 123450 pence. Rejects negatives, words, fractions of a penny and huge sums."""
    if text is None or (isinstance(text, str) and not text.strip()):
        if allow_blank:
            return None
        raise MoneyError("Enter an amount in pounds, like 250 or 1,250.50.")
    if isinstance(text, bool):
        raise MoneyError("Enter an amount in pounds, like 250 or 1,250.50.")
    typed = str(text).strip()
    cleaned = typed.removeprefix("-").strip().removeprefix("£").strip()
    if typed.startswith("-") or cleaned.startswith("-"):
        raise MoneyError("The amount cannot be negative.")
    if not _MONEY_RE.fullmatch(cleaned):
        if re.fullmatch(r"[0-9, ]+(\.[0-9]{1,2})?", cleaned):
            raise MoneyError("Check the commas: put one between each group of three digits, like 1,250 or 12,500.")
        raise MoneyError("Enter an amount in pounds using numbers only, like 250 or 1,250.50.")
    try:
        pence = int((Decimal(cleaned.replace(",", "").replace(" ", "")) * 100).to_integral_exact())
    except InvalidOperation as exc:  # pragma: no cover - the regex already rules this out
        raise MoneyError("Enter an amount in pounds, like 250.") from exc
    if pence > MAX_PENCE:
        raise MoneyError("That amount is too large. Check the number of zeros.")
    return pence


def format_pence(pence: int | None, *, blank: str = "", pennies: bool = False) -> str:
    """123450 -> '£1,234.50'; whole pounds drop the pence ('£1,200') unless `pennies` ('£1,200.00')."""
    if pence is None:
        return blank
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    if rest or pennies:
        return f"{sign}£{pounds:,}.{rest:02d}"
    return f"{sign}£{pounds:,}"


def format_pence_exact(pence: int | None, *, blank: str = "") -> str:
    """Always to the penny, as decisions about money are shown: 300000 -> '£3,000.00'."""
    return format_pence(pence, blank=blank, pennies=True)


def round_pence(amount: Fraction | Decimal | int) -> int:
    """An exact amount of pence (a share of a budget, say) to whole pence, halves rounded up."""
    value = Fraction(amount)
    return math.floor(value + Fraction(1, 2))


def pence_to_input(pence: int | None) -> str:
    """The value to put back into a form field: 123450 -> '1234.50'."""
    if pence is None:
        return ""
    pounds, rest = divmod(int(pence), 100)
    return f"{pounds}.{rest:02d}" if rest else str(pounds)
