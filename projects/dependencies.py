"""The project list's filters, read from the query string once for the pages and the API."""

from __future__ import annotations

from typing import Annotated

from litestar.di import Provide
from litestar.params import FromQuery, QueryParameter

from projects.service import ProjectFilters

MAX_WORDS = 100  # characters of a word search kept


def project_filters(
    q: FromQuery[str] = "",
    locality: FromQuery[str] = "",
    category: FromQuery[str] = "",
    status: FromQuery[str] = "",
    partner_id: FromQuery[int | None] = None,
    page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
) -> ProjectFilters:
    return ProjectFilters(
        q=q[:MAX_WORDS], locality=locality, category=category, status=status, partner_id=partner_id, page=page_number
    )


FILTERS = {"filters": Provide(project_filters, sync_to_thread=False)}
