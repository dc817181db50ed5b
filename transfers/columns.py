"""Columns of an import file, and turning one cell's text into a value with a plain-words problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from enum import Enum
from typing import TypeVar

from creative_minds.money import MoneyError, parse_pounds

E = TypeVar("E", bound=Enum)


class CellProblem(ValueError):
    """One cell's text is not what the column takes; the message is shown after the column's name."""


class RowProblems(Exception):
    """Problems with a row, by column key."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    accepts: str = ""  # what the template says this column takes

    @property
    def names(self) -> set[str]:
        return {normalise(self.key), normalise(self.label)}


def normalise(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.lower().replace("*", "")).strip("_")


def quoted(raw: str) -> str:
    shown = raw if len(raw) <= 60 else raw[:57] + "..."
    return f"'{shown}'"


def choice(enum: type[E], raw: str) -> E:
    """An enum member named by its value or its label, in any case."""
    wanted = raw.strip().lower()
    for member in enum:
        label = getattr(member, "label", "")
        if wanted in {str(member.value).lower(), str(label).lower()}:
            return member
    options = ", ".join(str(getattr(m, "label", m.value)) for m in enum)
    raise CellProblem(f"{quoted(raw)} is not one of the choices ({options}).")


def choices(enum: type[E], raw: str) -> list[E]:
    """Several choices separated by semicolons (or commas)."""
    parts = [p for p in re.split(r"[;,]", raw) if p.strip()]
    return list(dict.fromkeys(choice(enum, part) for part in parts))


def pence(raw: str, *, required: bool) -> int | None:
    try:
        return parse_pounds(raw, allow_blank=not required)
    except MoneyError as exc:
        if not raw.strip():
            raise CellProblem("This is required: enter an amount in pounds, like 1,250.50.") from exc
        raise CellProblem(f"{quoted(raw)} is not an amount. {exc}") from exc


def yes_no(raw: str) -> bool:
    text = raw.strip().lower()
    if text in {"", "no", "n", "false", "0"}:
        return False
    if text in {"yes", "y", "true", "1"}:
        return True
    raise CellProblem(f"{quoted(raw)} is not yes or no.")


def day(raw: str) -> date | None:
    text = raw.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if match:
            d, m, y = (int(g) for g in match.groups())
            return date(y, m, d)
        return date.fromisoformat(text[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]) else _bad_date(raw)
    except ValueError as exc:
        raise CellProblem(f"{quoted(raw)} is not a date. Write it like 31/03/2027.") from exc


def _bad_date(raw: str) -> date:
    raise CellProblem(f"{quoted(raw)} is not a date. Write it like 31/03/2027.")


def clock(raw: str) -> time | None:
    text = raw.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::00)?", text)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return time(int(match.group(1)), int(match.group(2)))
    raise CellProblem(f"{quoted(raw)} is not a time. Write it like 14:30.")


def whole(raw: str, *, low: int, high: int) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()) or not low <= int(text) <= high:
        raise CellProblem(f"{quoted(raw)} is not a whole number from {low} to {high}.")
    return int(text)
