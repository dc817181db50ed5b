"""Clock helpers: one place that says what 'now' and 'today' are (UTC, stored without tzinfo)."""

from __future__ import annotations

from datetime import date, datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()
