"""Applications for match funding in a round, and why one may not be eligible."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models
import creative_minds.localities  # noqa: F401
import partners.models  # noqa: F401
import projects.models  # noqa: F401
from collectives.rounds.models import Round
from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    from partners.models import Partner
    from projects.models import Project


class ApplicationStatus(LabelledEnum):
    SUBMITTED = "submitted", "Submitted, waiting for the eligibility check"
    ELIGIBLE = "eligible", "Eligible"
    INELIGIBLE = "ineligible", "Not eligible"
    WITHDRAWN = "withdrawn", "Withdrawn"
    FUNDED = "funded", "Funded"
    NOT_FUNDED = "not_funded", "Not funded"


APPLICATION_LABELS = ApplicationStatus.labels()


class IneligibleReason(LabelledEnum):
    NO_AGREEMENT = "no_agreement", "No partnership agreement signed or pending"
    INSURANCE = "insurance", "Insurance missing or expired"
    SAFEGUARDING = "safeguarding", "Safeguarding policy review overdue or not recorded"
    PARTNER_NOT_APPROVED = "partner_not_approved", "Partner not approved"
    OUTSIDE_LOCALITY = "outside_locality", "Project is not in this locality"
    NOT_MATCH_FUNDED = "not_match_funded", "No match funding from the partner"
    DUPLICATE = "duplicate", "Already funded elsewhere"
    OTHER = "other", "Other reason (see note)"


INELIGIBLE_LABELS = IneligibleReason.labels()


class Application(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="funding_round.id", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    amount_pence: int
    match_pence: int
    local_need: str = Field(sa_type=sa.Text())
    status: str = Field(default=ApplicationStatus.SUBMITTED, max_length=16, index=True)
    submitted_by_id: int = Field(foreign_key="user.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # Eligibility: a fixed list of reasons (comma-separated codes) plus free text.
    ineligible_reasons: str = Field(default="", max_length=300)
    eligibility_note: str = Field(default="", max_length=1000)
    checked_by_id: int | None = Field(default=None, foreign_key="user.id")
    checked_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    # Its place in the lots drawn when voting opened (1 = first), if the round breaks ties by lot.
    lot: int | None = None

    round: Round = Relationship()
    project: "Project" = Relationship()
    partner: "Partner" = Relationship()

    __table_args__ = (
        sa.UniqueConstraint("round_id", "project_id", name="uq_application_round_project"),
        sa.CheckConstraint("amount_pence > 0", name="ck_application_amount_positive"),
        sa.CheckConstraint("match_pence >= 0", name="ck_application_match_not_negative"),
    )

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.ineligible_reasons.split(",") if code]
