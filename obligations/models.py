"""Obligations (dated duties), the e-mail outbox, each person's notification choices, and the
reasons kept when a coordinator goes on despite a partner's record."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import partners.models  # noqa: F401
from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import today, utcnow


class ObligationKind(LabelledEnum):
    INSURANCE = "insurance", "Insurance renewal"
    SAFEGUARDING = "safeguarding", "Safeguarding policy review"
    AGREEMENT = "agreement", "Partnership agreement renewal"
    REPORT = "report", "Report on a funded project"
    FOLLOW_UP = "follow_up", "SWEMWBS follow-up"
    APPLICATIONS_CLOSE = "applications_close", "Applications close"
    VOTING_CLOSES = "voting_closes", "Voting closes"


KIND_LABELS = ObligationKind.labels()


class ObligationState(LabelledEnum):
    """Stored states. "Overdue" is not stored: it is a due obligation whose date has passed, so it is
    right on any day whether or not the daily scan has run yet."""

    DUE = "due", "Due"
    DONE = "done", "Done"
    WAIVED = "waived", "Waived"


OVERDUE_LABEL = "Overdue"


class Obligation(SQLModel, table=True):
    """One dated duty: who owns it, when it is due, and where it stands."""

    id: int | None = Field(default=None, primary_key=True)
    # What it is about and when, e.g. "insurance:partner:12:2027-03-31"; the daily scan adds each key
    # once however often (or on however many instances) it runs.
    key: str = Field(max_length=120)
    kind: str = Field(max_length=24, index=True)
    title: str = Field(max_length=300)
    due_on: date = Field(index=True)
    state: str = Field(default=ObligationState.DUE, max_length=16, index=True)
    # The owner: a partner group (its users), a reporter, or the coordinators when neither is set.
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    owner_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    locality_id: int | None = Field(default=None, foreign_key="locality.id")
    # What it points at (at most one of these), for links and for closing it when the duty is met.
    application_id: int | None = Field(default=None, foreign_key="application.id")
    round_id: int | None = Field(default=None, foreign_key="funding_round.id")
    score_id: int | None = Field(default=None, foreign_key="wellbeing_score.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    closed_by_id: int | None = Field(default=None, foreign_key="user.id")
    # Why it was waived (required), or how it was met.
    reason: str = Field(default="", max_length=1000)

    __table_args__ = (sa.UniqueConstraint("key", name="uq_obligation_key"),)

    @property
    def is_overdue(self) -> bool:
        return self.state == ObligationState.DUE and self.due_on < today()

    @property
    def state_label(self) -> str:
        return OVERDUE_LABEL if self.is_overdue else ObligationState(self.state).label

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def days_left(self) -> int:
        return (self.due_on - today()).days


class Topic(LabelledEnum):
    """What a message is about; each person chooses, per topic, how they hear about it."""

    VOTES = "votes", "Votes opening and closing"
    APPLICATIONS = "applications", "Applications: received, eligibility, funding decisions"
    REMINDERS = "reminders", "Reports and renewals due"
    JOIN_REQUESTS = "join_requests", "Requests to join a collective"
    STORIES = "stories", "Stories published, or consent withdrawn"


TOPIC_LABELS = Topic.labels()


class Delivery(LabelledEnum):
    EMAIL = "email", "E-mail straight away"
    DIGEST = "digest", "In a weekly digest"
    NONE = "none", "Not at all (the app still shows it)"


DELIVERY_LABELS = Delivery.labels()


class NotificationChoice(SQLModel, table=True):
    """A person's choice for one topic; no row means e-mail straight away."""

    __tablename__ = "notification_choice"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    topic: str = Field(max_length=24, primary_key=True)
    delivery: str = Field(default=Delivery.EMAIL, max_length=16)


class MessageState(LabelledEnum):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Gave up after retries"
    DIGEST = "digest", "Held for the weekly digest"
    DIGESTED = "digested", "Sent in a weekly digest"


MESSAGE_LABELS = MessageState.labels()


class OutboxMessage(SQLModel, table=True):
    """An e-mail written in the same transaction as the change that caused it; a worker sends it."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    # The idempotency key: one message per event and person, however often the event is seen.
    # Also sent as the Message-ID, so a mail server can drop a repeat too.
    key: str = Field(max_length=200)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    to_address: str = Field(max_length=254)
    topic: str = Field(max_length=24)
    subject: str = Field(max_length=200)
    body: str = Field(sa_type=sa.Text())
    state: str = Field(default=MessageState.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # A worker that claimed the message holds it until then; after that another may take it over.
    claimed_until: datetime | None = Field(default=None, sa_type=sa.DateTime())
    claimed_by: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    sent_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    last_error: str = Field(default="", max_length=500)

    __table_args__ = (
        sa.UniqueConstraint("key", name="uq_outbox_message_key"),
        sa.Index("ix_outbox_message_state_next_attempt_at", "state", "next_attempt_at"),
    )

    @property
    def state_label(self) -> str:
        return MESSAGE_LABELS.get(self.state, self.state)


class OverrideAction(LabelledEnum):
    APPROVE_PARTNER = "approve_partner", "Approved the partner"
    MARK_ELIGIBLE = "mark_eligible", "Marked an application eligible"
    RECORD_PAYMENT = "record_payment", "Recorded a payment"


OVERRIDE_LABELS = OverrideAction.labels()


class RiskOverride(SQLModel, table=True):
    """A coordinator went on although the partner's record had problems: what, why, who and when."""

    __tablename__ = "risk_override"

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=24)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    application_id: int | None = Field(default=None, foreign_key="application.id")
    problems: str = Field(max_length=300)  # comma-separated IneligibleReason codes
    reason: str = Field(max_length=1000)
    by_id: int = Field(foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    @property
    def action_label(self) -> str:
        return OVERRIDE_LABELS.get(self.action, self.action)
