"""Participants (pseudonymous), their wellbeing scores and their stories."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models  # noqa: F401  (relationship targets must be mapped too)
import projects.models  # noqa: F401
from creative_minds.timeutil import utcnow


class ScoreKind(StrEnum):
    BASELINE = "baseline"
    FOLLOW_UP = "follow_up"


SCORE_KIND_LABELS = {ScoreKind.BASELINE: "Before (baseline)", ScoreKind.FOLLOW_UP: "Follow-up (about 3 months in, or at the end)"}


class Consent(StrEnum):
    NOT_FOR_SHARING = "not_for_sharing"
    INTERNAL = "internal"
    PUBLIC_ANONYMOUS = "public_anonymous"
    PUBLIC_FIRST_NAME = "public_first_name"


CONSENT_LABELS = {
    Consent.NOT_FOR_SHARING: "Not for sharing (kept by reporters and coordinators only)",
    Consent.INTERNAL: "Internal only (Creative Minds staff and partners, never public)",
    Consent.PUBLIC_ANONYMOUS: "Public, without a name",
    Consent.PUBLIC_FIRST_NAME: "Public, with my first name",
}
PUBLIC_CONSENTS = (Consent.PUBLIC_ANONYMOUS.value, Consent.PUBLIC_FIRST_NAME.value)


class StoryStatus(StrEnum):
    AWAITING_REVIEW = "awaiting_review"
    PUBLISHED = "published"
    NOT_PUBLISHED = "not_published"  # kept, but a coordinator decided not to publish it


STORY_STATUS_LABELS = {
    StoryStatus.AWAITING_REVIEW: "Waiting for a coordinator to review",
    StoryStatus.PUBLISHED: "Published",
    StoryStatus.NOT_PUBLISHED: "Not published",
}


class Theme(StrEnum):
    CONNECTEDNESS = "connectedness"
    HOPE = "hope"
    IDENTITY = "identity"
    MEANING = "meaning"
    EMPOWERMENT = "empowerment"


THEME_LABELS = {
    Theme.CONNECTEDNESS: "Connectedness",
    Theme.HOPE: "Hope and optimism",
    Theme.IDENTITY: "Identity",
    Theme.MEANING: "Meaning in life",
    Theme.EMPOWERMENT: "Empowerment",
}


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


class WellbeingScore(SQLModel, table=True):
    """One SWEMWBS form. Incomplete forms are kept but not scored (raw and metric stay empty)."""

    __tablename__ = "wellbeing_score"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", index=True)
    kind: str = Field(max_length=16)
    completed_on: date
    item_1: int | None = None
    item_2: int | None = None
    item_3: int | None = None
    item_4: int | None = None
    item_5: int | None = None
    item_6: int | None = None
    item_7: int | None = None
    raw_score: int | None = None
    metric_score: Decimal | None = Field(default=None, sa_type=sa.Numeric(4, 2))
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    participant: Participant = Relationship(back_populates="scores")
    project: "Project" = Relationship()

    __table_args__ = (
        sa.UniqueConstraint("participant_id", "project_id", "kind", name="uq_wellbeing_score_participant_project_kind"),
        *(sa.CheckConstraint(f"item_{i} BETWEEN 1 AND 5", name=f"ck_wellbeing_score_item_{i}_range") for i in range(1, 8)),
        sa.CheckConstraint("raw_score BETWEEN 7 AND 35", name="ck_wellbeing_score_raw_range"),
    )

    @property
    def items(self) -> list[int | None]:
        return [getattr(self, f"item_{i}") for i in range(1, 8)]

    @property
    def is_scored(self) -> bool:
        return self.metric_score is not None


class StoryTheme(SQLModel, table=True):
    __tablename__ = "story_theme"

    story_id: int = Field(foreign_key="story.id", primary_key=True, ondelete="CASCADE")
    theme: str = Field(max_length=16, primary_key=True, index=True)


class Story(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", index=True)
    text: str = Field(sa_type=sa.Text())
    media_url: str | None = Field(default=None, max_length=500)
    consent: str = Field(max_length=24, index=True)
    first_name: str | None = Field(default=None, max_length=60)
    status: str = Field(default=StoryStatus.AWAITING_REVIEW, max_length=16, index=True)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reviewed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    consent_changed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    participant: Participant = Relationship(back_populates="stories")
    project: "Project" = Relationship()
    theme_links: list[StoryTheme] = Relationship(sa_relationship_kwargs={"cascade": "all, delete-orphan", "passive_deletes": True})

    @property
    def themes(self) -> list[str]:
        return sorted(link.theme for link in self.theme_links)

    @property
    def is_public(self) -> bool:
        return self.status == StoryStatus.PUBLISHED and self.consent in PUBLIC_CONSENTS

    @property
    def byline(self) -> str:
        if self.consent == Consent.PUBLIC_FIRST_NAME and self.first_name:
            return self.first_name
        return "A participant"
