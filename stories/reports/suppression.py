"""Small numbers: a count or mean is shown only where at least `threshold` people contribute.

Rule applied in every breakdown (documented on the report):
1. Primary: a cell with fewer than `threshold` people shows "fewer than N" instead of its figures.
2. Secondary: the breakdown's total is shown, so if exactly one cell with people in it is hidden,
   its count could be worked out by subtraction; the smallest shown cell is then hidden too.
   (With two or more hidden cells, subtraction gives only their sum, which is not a person.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Cell(Generic[T]):
    label: str
    n: int
    value: T
    hidden: bool = False
    reason: str = ""


def suppress(cells: list[Cell[T]], threshold: int) -> list[Cell[T]]:
    """Hide small cells and, where needed, a second cell so no hidden count can be derived."""
    for cell in cells:
        if cell.n < threshold:
            cell.hidden, cell.reason = True, "primary"
    hidden = [c for c in cells if c.hidden and c.n > 0]
    shown = sorted((c for c in cells if not c.hidden), key=lambda c: c.n)
    if len(hidden) == 1 and shown:
        shown[0].hidden, shown[0].reason = True, "secondary"
    return cells
