"""Pseudonymous participants and the projects they take part in."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models  # noqa: F401  (relationship targets must be mapped too)
import projects.models  # noqa: F401
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    from creative_minds.accounts.models import User
    from projects.models import Project
    from stories.publishing.models import Story
    from stories.scores.models import WellbeingScore


class Participant(SQLModel, table=True):
    """A pseudonymous person: a generated code, no name. Equality answers are optional."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    age_band: str | None = Field(default=None, max_length=32)
    sex: str | None = Field(default=None, max_length=32)
    gender_identity: str | None = Field(default=None, max_length=32)
    ethnic_group: str | None = Field(default=None, max_length=64)
    disability: str | None = Field(default=None, max_length=32)
    sexual_orientation: str | None = Field(default=None, max_length=64)
    religion: str | None = Field(default=None, max_length=64)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    project_links: list["ParticipantProject"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "passive_deletes": True}
    )
    scores: list["WellbeingScore"] = Relationship(
        back_populates="participant", sa_relationship_kwargs={"cascade": "all, delete-orphan", "passive_deletes": True}
    )
    stories: list["Story"] = Relationship(
        back_populates="participant", sa_relationship_kwargs={"cascade": "all, delete-orphan", "passive_deletes": True}
    )


class ParticipantProject(SQLModel, table=True):
    __tablename__ = "participant_project"

    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", primary_key=True, index=True)
    joined_on: date | None = None

    project: "Project" = Relationship()


class ReporterAssignment(SQLModel, table=True):
    """A coordinator lets a Community Reporter work with the participants of one project or locality."""

    __tablename__ = "reporter_assignment"

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    project_id: int | None = Field(default=None, foreign_key="project.id", ondelete="CASCADE")
    locality_id: int | None = Field(default=None, foreign_key="locality.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    project: Optional["Project"] = Relationship()
    reporter: "User" = Relationship(sa_relationship_kwargs={"foreign_keys": "ReporterAssignment.reporter_id"})

    __table_args__ = (
        sa.CheckConstraint(
            "(project_id IS NULL) <> (locality_id IS NULL)", name="ck_reporter_assignment_project_or_locality"
        ),
        sa.UniqueConstraint("reporter_id", "project_id", "locality_id", name="uq_reporter_assignment_scope"),
    )


# Participant's relationships name Story and WellbeingScore: map them whenever participants are.
import stories.publishing.models  # noqa: E402
import stories.scores.models  # noqa: E402, F401
