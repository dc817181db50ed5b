"""One page of a longer list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, func, select
from sqlmodel.sql.expression import SelectOfScalar


def page_count(total: int, page_size: int) -> int:
    """How many pages `total` items fill (an empty list still has its one, empty, page)."""
    return max(1, -(-total // page_size))


def clamp_page(page: int, total: int, page_size: int) -> int:
    """The page asked for, kept between the first and the last."""
    return min(max(1, page), page_count(total, page_size))


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)

    @property
    def first_number(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.page_size + 1

    @property
    def last_number(self) -> int:
        return min(self.total, self.page * self.page_size)


def paginate(session: Session, query: SelectOfScalar, *, page: int, page_size: int) -> Page:
    """Count the whole query, then fetch one page of it (the query carries its own ordering)."""
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    page = clamp_page(page, total, page_size)
    items = session.exec(query.offset((page - 1) * page_size).limit(page_size)).all()
    return Page(items=list(items), total=total, page=page, page_size=page_size)
