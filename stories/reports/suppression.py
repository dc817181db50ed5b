"""Small numbers: a count or mean is shown only where at least `threshold` people contribute, and
nothing hidden can be worked out by subtracting one figure from another, across every view a reader
can ask for (network, locality, partner, project, year, way of completing, equality answer).

How (documented on the report):
1. Building blocks. Every pair belongs to one block: its project and baseline year when that group
   has at least `threshold` pairs (and either no one or at least `threshold` people without a pair);
   otherwise the small groups of a locality and year are pooled into one block, and what is still
   too small is pooled for the whole network and year. What is too small even then is left out.
   Someone at more than one project counts once above project level (by their earliest complete
   pair): their other courses make their own project-year blocks, shown only in that project's own
   view and only when they too hold at least `threshold` pairs, so a project's view minus the
   network's figures is again made of whole blocks.
2. Every figure on every page is a sum over whole blocks that lie inside the view asked for: a
   project shows its own blocks, a locality its projects' blocks and its pool, the network all of
   them. So the difference between any two views is itself made of whole blocks, each of at least
   `threshold` people: subtraction never reveals a group smaller than that.
3. Within a block, the split by way of completing, and within a year the split by each equality
   answer, hide small cells and then the next smallest until what is hidden adds up to at least
   `threshold` (or nothing): the hidden cells only ever come out together (see `suppress`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class Cell(Generic[T]):
    label: str
    n: int
    value: T
    hidden: bool = False
    reason: str = ""
    partial: bool = False  # shown, but some of its years' cells were hidden and are left out
    members: list = field(default_factory=list)  # who is counted (kept so tests can play the attacker)
    mask: Any = None  # or, for a breakdown, a boolean array over the view's pairs


def suppress(cells: list[Cell[T]], threshold: int) -> list[Cell[T]]:
    """Hide small cells and then the next smallest shown cells until the hidden ones together hold
    at least `threshold` people, so that the table's total minus the shown cells reveals no small group."""
    for cell in cells:
        if 0 < cell.n < threshold:
            cell.hidden, cell.reason = True, "primary"
    hidden_total = sum(c.n for c in cells if c.hidden)
    shown = sorted((c for c in cells if not c.hidden and c.n > 0), key=lambda c: (c.n, c.label))
    while 0 < hidden_total < threshold and shown:
        cell = shown.pop(0)
        cell.hidden, cell.reason = True, "secondary"
        hidden_total += cell.n
    return cells
