"""Audit events: appended, never changed or deleted (the ORM refuses, and so do database triggers)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import utcnow


class AuditAction(LabelledEnum):
    READ = "read", "Read"
    CREATE = "create", "Recorded"
    CHANGE = "change", "Changed"
    CONSENT = "consent", "Changed consent"
    PUBLISH = "publish", "Published"
    EXPORT = "export", "Exported"
    ERASE = "erase", "Erased"
    ASSIGN = "assign", "Assigned"


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(), index=True)
    # Kept as plain values, not foreign keys: the trail outlives the accounts and records it names.
    user_id: int | None = Field(default=None, index=True)
    user_name: str = Field(default="", max_length=120)
    action: str = Field(max_length=16, index=True)
    subject: str = Field(max_length=32, index=True)  # participant, score, story, membership, report...
    subject_id: int | None = None
    subject_label: str = Field(default="", max_length=120)  # a participant's code, never a name
    detail: str = Field(default="", max_length=2000)  # what changed, or the reason given
    address: str = Field(default="", max_length=64)  # the client's address


class AppendOnly(Exception):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse(_mapper, _connection, _target) -> None:
    raise AppendOnly("The audit trail is append-only: events are never changed or deleted.")


# Database triggers refuse UPDATE and DELETE on the table itself (the migration creates them).
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$",
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}
DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_update", "DROP TRIGGER IF EXISTS audit_event_no_delete"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
    ],
}
