"""The partner list's filters, read from the query string once for the pages and the API."""

from __future__ import annotations

from typing import Annotated

from litestar.di import Provide
from litestar.params import FromQuery, QueryParameter

from partners.service import PartnerFilters

MAX_WORDS = 100  # characters of a word search kept


def partner_filters(
    q: FromQuery[str] = "",
    kind: FromQuery[str] = "",
    locality: FromQuery[str] = "",
    status: FromQuery[str] = "",
    agreement: FromQuery[str] = "",
    page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
) -> PartnerFilters:
    return PartnerFilters(
        q=q[:MAX_WORDS], kind=kind, locality=locality, status=status, agreement=agreement, page=page_number
    )


FILTERS = {"filters": Provide(partner_filters, sync_to_thread=False)}
