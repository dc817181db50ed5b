"""Clock helpers: one place that says what 'now' and 'today' are (UTC, stored without tzinfo)."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()
