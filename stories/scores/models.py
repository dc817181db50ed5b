"""SWEMWBS forms: the seven answers, the raw and metric scores."""

from datetime import date, datetime
from decimal import Decimal
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


class ScoreKind(LabelledEnum):
    BASELINE = "baseline", "Before (baseline)"
    FOLLOW_UP = "follow_up", "Follow-up (about 3 months in, or at the end)"


SCORE_KIND_LABELS = ScoreKind.labels()


class CompletionMode(LabelledEnum):
    """How the form was filled in: assisted completion tends to score higher, so the report splits by it."""

    SELF = "self", "By the person alone"
    READ_OUT = "read_out", "Read out to them, they chose the answers"
    BY_REPORTER = "by_reporter", "Filled in by the reporter for them"
    NOT_RECORDED = "not_recorded", "Not recorded (forms saved before this was asked)"


COMPLETION_MODE_LABELS = CompletionMode.labels()
ASSISTED = (CompletionMode.READ_OUT.value, CompletionMode.BY_REPORTER.value)


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
    completion_mode: str = Field(default=CompletionMode.SELF.value, max_length=16)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # Set when the form is corrected; the earlier versions are kept in WellbeingScoreRevision.
    corrected_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    corrected_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    participant: Participant = Relationship(back_populates="scores")
    project: "Project" = Relationship()
    revisions: list["WellbeingScoreRevision"] = Relationship(
        sa_relationship_kwargs={
            "cascade": "all, delete-orphan",
            "passive_deletes": True,
            "order_by": "WellbeingScoreRevision.id",
        }
    )

    __table_args__ = (
        sa.UniqueConstraint("participant_id", "project_id", "kind", name="uq_wellbeing_score_participant_project_kind"),
        *(
            sa.CheckConstraint(f"item_{i} BETWEEN 1 AND 5", name=f"ck_wellbeing_score_item_{i}_range")
            for i in range(1, 8)
        ),
        sa.CheckConstraint("raw_score BETWEEN 7 AND 35", name="ck_wellbeing_score_raw_range"),
    )

    @property
    def items(self) -> list[int | None]:
        return [getattr(self, f"item_{i}") for i in range(1, 8)]

    @property
    def is_scored(self) -> bool:
        return self.metric_score is not None

    @property
    def missing_items(self) -> list[int]:
        return [i for i, value in enumerate(self.items, start=1) if value is None]


class WellbeingScoreRevision(SQLModel, table=True):
    """An earlier version of a corrected form, with who replaced it, when and why. Never changed."""

    __tablename__ = "wellbeing_score_revision"

    id: int | None = Field(default=None, primary_key=True)
    score_id: int = Field(foreign_key="wellbeing_score.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id")
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
    completion_mode: str = Field(max_length=16)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    recorded_at: datetime = Field(sa_type=sa.DateTime())
    replaced_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    replaced_by_name: str = Field(default="", max_length=120)
    replaced_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    reason: str = Field(max_length=2000)

    @property
    def items(self) -> list[int | None]:
        return [getattr(self, f"item_{i}") for i in range(1, 8)]
