"""Participants' stories, their consent, recovery themes and publication."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models  # noqa: F401  (relationship targets must be mapped too)
import projects.models  # noqa: F401
from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import utcnow
from stories.participants.models import Participant

if TYPE_CHECKING:
    from projects.models import Project


class Consent(LabelledEnum):
    NOT_FOR_SHARING = "not_for_sharing", "Not for sharing (kept by reporters and coordinators only)"
    INTERNAL = "internal", "Internal only (Creative Minds staff and partners, never public)"
    PUBLIC_ANONYMOUS = "public_anonymous", "Public, without a name"
    PUBLIC_FIRST_NAME = "public_first_name", "Public, with my first name"


CONSENT_LABELS = Consent.labels()


PUBLIC_CONSENTS = (Consent.PUBLIC_ANONYMOUS.value, Consent.PUBLIC_FIRST_NAME.value)


class StoryStatus(LabelledEnum):
    AWAITING_REVIEW = "awaiting_review", "Waiting for a coordinator to review"
    PUBLISHED = "published", "Published"
    NOT_PUBLISHED = "not_published", "Not published"  # kept, but a coordinator decided not to publish it


STORY_STATUS_LABELS = StoryStatus.labels()


class Theme(LabelledEnum):
    CONNECTEDNESS = "connectedness", "Connectedness"
    HOPE = "hope", "Hope and optimism"
    IDENTITY = "identity", "Identity"
    MEANING = "meaning", "Meaning in life"
    EMPOWERMENT = "empowerment", "Empowerment"


THEME_LABELS = Theme.labels()


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
    theme_links: list[StoryTheme] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "passive_deletes": True}
    )

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
