"""Connections, attendance, session registers, referral sources and whether an activity takes new people.

People appear only as the stories package's pseudonymous participants (a code, no name); erasing a
participant erases their connections too (ON DELETE CASCADE)."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models  # noqa: F401  (relationship targets must be mapped too)
import projects.models  # noqa: F401
import stories.participants.models  # noqa: F401
from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    from creative_minds.accounts.models import User
    from projects.models import Project
    from stories.participants.models import Participant


class HowConnected(LabelledEnum):
    TOLD = "told", "Told them about it"
    INTRODUCED = "introduced", "Introduced them in person"
    WENT_ALONG = "went_along", "Went along with them"


class ContactPreference(LabelledEnum):
    """How the group may get in touch, only with the person's consent. Never the details themselves."""

    THROUGH_CHAMPION = "through_champion", "Through the champion"
    PHONE = "phone", "A phone call"
    TEXT = "text", "A text message"
    EMAIL = "email", "An email"
    LETTER = "letter", "A letter"


class Intake(LabelledEnum):
    OPEN = "open", "Taking new people"
    WAITING_LIST = "waiting_list", "Full: waiting list open"
    FULL = "full", "Full: not taking new people"


class StopReason(LabelledEnum):
    TRANSPORT = "transport", "Transport"
    COST = "cost", "Cost"
    NOT_WELCOME = "not_welcome", "Did not feel welcome"
    HEALTH = "health", "Health"
    MOVED_AWAY = "moved_away", "Moved away"
    OTHER = "other", "Other"


class Outcome(LabelledEnum):
    STILL_GOING = "still_going", "Still coming after 3 months"
    STOPPED = "stopped", "Stopped"


class Stage(LabelledEnum):
    """Where a connection stands, worked out from its dates (never stored)."""

    WAITING_LIST = "waiting_list", "On the waiting list"
    WAITING = "waiting", "Waiting for a first visit"
    DID_NOT_COME = "did_not_come", "Did not come"
    CAME = "came", "Came"
    STILL_GOING = "still_going", "Still going after 3 months"
    STOPPED = "stopped", "Stopped"


class ReferralSource(SQLModel, table=True):
    """A team or service people come from; coordinators keep the list (retired ones stay for history)."""

    __tablename__ = "referral_source"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    __table_args__ = (sa.UniqueConstraint("name", name="uq_referral_source_name"),)


class ActivityIntake(SQLModel, table=True):
    """Whether a running activity takes new people, and when its partner last confirmed it runs."""

    __tablename__ = "activity_intake"

    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    intake: str = Field(default=Intake.OPEN, max_length=16)
    confirmed_on: date | None = None
    confirmed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())


class Connection(SQLModel, table=True):
    """A champion connected a person to an activity; the partner running it records what happened."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    champion_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    source_id: int = Field(foreign_key="referral_source.id", index=True)
    connected_on: date
    how: str = Field(max_length=16)
    waiting_list: bool = False
    notes: str = Field(default="", max_length=1000)
    contact_consent: bool = False
    contact_preference: str | None = Field(default=None, max_length=32)
    first_attended_on: date | None = None
    did_not_come_on: date | None = None
    outcome: str | None = Field(default=None, max_length=16)
    outcome_on: date | None = None
    stop_reason: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    participant: "Participant" = Relationship()
    project: "Project" = Relationship()
    champion: Optional["User"] = Relationship()
    source: ReferralSource = Relationship()

    __table_args__ = (
        sa.UniqueConstraint("participant_id", "project_id", "connected_on", name="uq_connection_person_activity_day"),
        sa.CheckConstraint(
            "first_attended_on IS NULL OR first_attended_on >= connected_on", name="ck_connection_came_after_connected"
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR first_attended_on IS NOT NULL", name="ck_connection_outcome_needs_visit"
        ),
        sa.CheckConstraint("contact_preference IS NULL OR contact_consent", name="ck_connection_contact_needs_consent"),
        sa.Index("ix_connection_project_stage", "project_id", "first_attended_on", "outcome"),
    )

    @property
    def stage(self) -> Stage:
        if self.outcome == Outcome.STOPPED:
            return Stage.STOPPED
        if self.outcome == Outcome.STILL_GOING:
            return Stage.STILL_GOING
        if self.first_attended_on is not None:
            return Stage.CAME
        if self.did_not_come_on is not None:
            return Stage.DID_NOT_COME
        return Stage.WAITING_LIST if self.waiting_list else Stage.WAITING

    @property
    def stage_label(self) -> str:
        return self.stage.label

    @property
    def how_label(self) -> str:
        return HowConnected(self.how).label

    @property
    def stop_reason_label(self) -> str:
        return StopReason(self.stop_reason).label if self.stop_reason else ""

    @property
    def contact_label(self) -> str:
        return ContactPreference(self.contact_preference).label if self.contact_preference else ""


class SessionRegister(SQLModel, table=True):
    """One session of an activity: how many came, and which connected people were among them."""

    __tablename__ = "session_register"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    held_on: date
    headcount: int
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    attendees: list["RegisterAttendee"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "passive_deletes": True}
    )

    __table_args__ = (
        sa.UniqueConstraint("project_id", "held_on", name="uq_session_register_project_day"),
        sa.CheckConstraint("headcount >= 0", name="ck_session_register_headcount_not_negative"),
    )


class RegisterAttendee(SQLModel, table=True):
    __tablename__ = "register_attendee"

    register_id: int = Field(foreign_key="session_register.id", primary_key=True, ondelete="CASCADE")
    connection_id: int = Field(foreign_key="connection.id", primary_key=True, index=True, ondelete="CASCADE")
