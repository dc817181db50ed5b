"""Sealed decisions, their lines and the amendments recorded beside them."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models
import creative_minds.localities  # noqa: F401
import partners.models  # noqa: F401
import projects.models  # noqa: F401
from collectives.applications.models import Application
from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    from creative_minds.accounts.models import User


class Outcome(StrEnum):
    FUNDED = "funded"
    NOT_FUNDED = "not_funded"
    INELIGIBLE = "ineligible"
    WITHDRAWN = "withdrawn"


class Decision(SQLModel, table=True):
    """The confirmed outcome of a round: sealed, never changed."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="funding_round.id", unique=True)
    rule: str = Field(max_length=16)
    confirmed_by_id: int = Field(foreign_key="user.id")
    confirmed_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    budget_pence: int
    funded_pence: int
    voters: int
    eligible_voters: int
    record_json: str = Field(sa_type=sa.Text())  # the sealed input, parameters and outcome
    seal: str = Field(max_length=64)  # SHA-256 of record_json
    # Set when confirming: how long funded projects run, and the months after the decision their
    # reports fall due ("6,12"); the daily scan turns them into obligations.
    grant_months: int = 12
    report_months: str = Field(default="6,12", max_length=60)

    @property
    def report_month_list(self) -> list[int]:
        return [int(m) for m in self.report_months.split(",") if m]

    lines: list["DecisionLine"] = Relationship(sa_relationship_kwargs={"order_by": "DecisionLine.position"})
    confirmed_by: "User" = Relationship()


class DecisionLine(SQLModel, table=True):
    __tablename__ = "decision_line"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    position: int
    outcome: str = Field(max_length=16)
    approvals: int
    conflicted_approvals_removed: int = 0
    amount_pence: int
    explanation: str = Field(max_length=1000)

    application: Application = Relationship()


class AmendmentAction(LabelledEnum):
    FUND = "fund", "Funded by amendment"
    UNFUND = "unfund", "Not funded by amendment"


AMENDMENT_LABELS = AmendmentAction.labels()


class DecisionAmendment(SQLModel, table=True):
    """A departure from the rule's outcome, recorded beside it (the sealed decision never changes)."""

    __tablename__ = "decision_amendment"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    action: str = Field(max_length=16)
    reason: str = Field(max_length=2000)
    by_id: int = Field(foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    application: Application = Relationship()
    by: "User" = Relationship()
