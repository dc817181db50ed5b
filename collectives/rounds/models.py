"""Funding rounds, their phases and the allocation rule they use."""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models
import creative_minds.localities  # noqa: F401
import partners.models  # noqa: F401
import projects.models  # noqa: F401
from collectives.funds.models import FundShare
from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    from creative_minds.accounts.models import User
    from creative_minds.localities import Locality


class Phase(LabelledEnum):
    OPEN = "open", "Open for applications"
    ELIGIBILITY = "eligibility", "Eligibility check"
    VOTING = "voting", "Voting"
    DECIDED = "decided", "Voting closed: deciding"
    CLOSED = "closed", "Closed"


PHASE_LABELS = Phase.labels()


NEXT_PHASE = {
    Phase.OPEN: Phase.ELIGIBILITY,
    Phase.ELIGIBILITY: Phase.VOTING,
    Phase.VOTING: Phase.DECIDED,
    Phase.DECIDED: Phase.CLOSED,
}


class Rule(LabelledEnum):
    GREEDY = "greedy", "Most approvals first, until the budget runs out"
    MES = "mes", "Method of Equal Shares (proportional), then most approvals with what is left"


RULE_LABELS = Rule.labels()


class TieRule(LabelledEnum):
    """How a tie between applications is settled, chosen before voting opens and shown to everyone."""

    LOT = "lot", "Lower cost first, then more approvals, then lots drawn in the open when voting opens"
    EARLIER = "earlier", "Lower cost first, then more approvals, then the application sent earlier"


TIE_RULE_LABELS = TieRule.labels()


class Round(SQLModel, table=True):
    __tablename__ = "funding_round"

    id: int | None = Field(default=None, primary_key=True)
    share_id: int = Field(foreign_key="fund_share.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    budget_pence: int
    applications_close_on: date
    voting_closes_on: date | None = None
    phase: str = Field(default=Phase.OPEN, max_length=16, index=True)
    rule: str = Field(default=Rule.MES, max_length=16)
    quorum_min_voters: int = 3
    quorum_lived_experience: bool = True
    # Tie-breaks: lowest cost, then most approvals, then the last step this rule names. With
    # TieRule.LOT the lots are drawn when voting opens (each application's Application.lot) and
    # published on the round page from that moment.
    tie_rule: str = Field(default=TieRule.LOT, max_length=16)
    lots_drawn_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # When the coordinator published the outcome per application to the applicants (never ballots).
    outcomes_published_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    share: FundShare = Relationship()
    locality: "Locality" = Relationship()

    __table_args__ = (
        sa.CheckConstraint("budget_pence > 0", name="ck_round_budget_positive"),
        sa.CheckConstraint("quorum_min_voters >= 1", name="ck_round_quorum_positive"),
    )


class PhaseChange(SQLModel, table=True):
    __tablename__ = "phase_change"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="funding_round.id", index=True)
    from_phase: str | None = Field(default=None, max_length=16)
    to_phase: str = Field(max_length=16)
    by_id: int = Field(foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    note: str = Field(default="", max_length=500)

    by: "User" = Relationship()
