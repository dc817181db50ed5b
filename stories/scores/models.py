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
