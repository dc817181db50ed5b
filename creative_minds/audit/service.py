"""Record and read the audit trail. Services call `record`; the web layer sets the client address."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from creative_minds.accounts.models import User
from creative_minds.audit.models import AuditAction, AuditEvent
from creative_minds.exceptions import Forbidden, Invalid
from creative_minds.pagination import Page, paginate
from creative_minds.timeutil import utcnow

# Set for each request by the web layer (creative_minds/audit/middleware.py); None outside requests.
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)

PAGE_SIZE = 50


def record(
    session: Session,
    *,
    by: User | None,
    action: AuditAction,
    subject: str,
    subject_id: int | None = None,
    label: str = "",
    detail: str = "",
) -> AuditEvent:
    """Append an event in the same transaction as the act it records (so one is never kept without the other)."""
    event = _event(by, action, subject, subject_id, label, detail)
    session.add(event)
    return event


def _event(
    by: User | None, action: AuditAction, subject: str, subject_id: int | None, label: str, detail: str
) -> AuditEvent:
    return AuditEvent(**_event_values(by, action, subject, subject_id, label, detail))


def _event_values(
    by: User | None, action: AuditAction, subject: str, subject_id: int | None, label: str, detail: str
) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "user_id": by.id if by else None,
        "user_name": by.full_name[:120] if by else "the system",
        "action": action.value,
        "subject": subject,
        "subject_id": subject_id,
        "subject_label": label[:120],
        "detail": detail[:2000],
        "address": (client_address.get() or "")[:64],
    }


def record_many(
    session: Session,
    *,
    by: User | None,
    action: AuditAction,
    subject: str,
    entries: list[tuple[int | None, str, str]],
) -> None:
    """`record` for many acts at once (a bulk import): one event per (subject id, label, detail), the
    same events `record` would append, written in one statement in the same transaction."""
    if entries:
        session.execute(
            insert(AuditEvent),
            [_event_values(by, action, subject, subject_id, label, detail) for subject_id, label, detail in entries],
        )


def require_reason(reason: str | None, what: str) -> str:
    """Exports and erasures ask why; the answer goes into the trail."""
    text = " ".join((reason or "").split())
    if len(text) < 5:
        raise Invalid(f"Say why you are {what}.", errors={"reason": f"Say why you are {what} (a few words)."})
    return text[:2000]


@dataclass(frozen=True)
class TrailFilter:
    person: str = ""
    action: str = ""
    subject: str = ""
    subject_label: str = ""
    on_or_after: date | None = None
    on_or_before: date | None = None


def trail(session: Session, filters: TrailFilter, *, page: int = 1, by: User) -> Page:
    """Newest first, for coordinators only."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators read the audit trail.")
    query = select(AuditEvent)
    if filters.person:
        query = query.where(col(AuditEvent.user_name).ilike(f"%{filters.person}%"))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.subject:
        query = query.where(AuditEvent.subject == filters.subject)
    if filters.subject_label:
        query = query.where(col(AuditEvent.subject_label).ilike(f"%{filters.subject_label}%"))
    if filters.on_or_after:
        query = query.where(AuditEvent.at >= datetime.combine(filters.on_or_after, time.min))
    if filters.on_or_before:
        query = query.where(AuditEvent.at < datetime.combine(filters.on_or_before + timedelta(days=1), time.min))
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    return paginate(session, query, page=page, page_size=PAGE_SIZE)
