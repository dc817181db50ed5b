"""Funds, each locality's share of them, and the ledger of money promised and paid."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models
import creative_minds.localities  # noqa: F401
import partners.models  # noqa: F401
import projects.models  # noqa: F401
from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    from collectives.applications.models import Application
    from creative_minds.accounts.models import User
    from creative_minds.localities import Locality


class EntryKind(LabelledEnum):
    COMMITMENT = "commitment", "Commitment"  # money promised to a project (positive)
    ADJUSTMENT = "adjustment", "Change to a commitment"  # a change to a commitment (positive or negative)
    RELEASE = "release", "Commitment released"  # a commitment given back (negative)
    PAYMENT = "payment", "Payment"  # money actually paid out against a commitment (positive)


ENTRY_LABELS = EntryKind.labels()


class Fund(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    total_pence: int
    starts_on: date
    ends_on: date
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    shares: list["FundShare"] = Relationship(
        back_populates="fund", sa_relationship_kwargs={"order_by": "FundShare.locality_id"}
    )

    __table_args__ = (sa.CheckConstraint("total_pence > 0", name="ck_fund_total_positive"),)


class FundShare(SQLModel, table=True):
    """A locality's share of a fund. Its row is locked while commitments are written."""

    __tablename__ = "fund_share"

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(foreign_key="fund.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    amount_pence: int
    lock_version: int = 0

    fund: Fund = Relationship(back_populates="shares")
    locality: "Locality" = Relationship()

    __table_args__ = (
        sa.UniqueConstraint("fund_id", "locality_id", name="uq_fund_share_fund_locality"),
        sa.CheckConstraint("amount_pence >= 0", name="ck_fund_share_amount_not_negative"),
    )


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    share_id: int = Field(foreign_key="fund_share.id", index=True)
    fund_id: int = Field(foreign_key="fund.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="funding_round.id", index=True)
    application_id: int | None = Field(default=None, foreign_key="application.id", index=True)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id")
    kind: str = Field(max_length=16)
    amount_pence: int  # signed: commitments and payments positive, releases negative
    match_pence: int = 0  # the partner's own money that a commitment unlocks
    note: str = Field(default="", max_length=500)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    application: Optional["Application"] = Relationship()
    created_by: "User" = Relationship()
