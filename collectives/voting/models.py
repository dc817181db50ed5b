"""Members' ballots: one per member per round, with the applications they approve."""

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models
import creative_minds.localities  # noqa: F401
import partners.models  # noqa: F401
import projects.models  # noqa: F401
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    pass

# Receipt codes: no 0/O, 1/I/L or U, so they can be read out and typed without mistakes.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_receipt() -> str:
    """A random receipt code like 'K7Q2-M9XF-3HTB' (about 59 bits): says nothing about who or what."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


class BallotApproval(SQLModel, table=True):
    __tablename__ = "ballot_approval"

    ballot_id: int = Field(foreign_key="ballot.id", primary_key=True, ondelete="CASCADE")
    application_id: int = Field(foreign_key="application.id", primary_key=True, index=True)


class Ballot(SQLModel, table=True):
    """One member's approvals in one round (the database allows only one per member per round)."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="funding_round.id", index=True)
    voter_id: int = Field(foreign_key="user.id", index=True)
    # Given when the ballot is first saved and kept while the member changes it; the sealed
    # decision lists every counted receipt (never who, never what) so each member can find theirs.
    receipt: str = Field(default_factory=new_receipt, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    approvals: list[BallotApproval] = Relationship(sa_relationship_kwargs={"cascade": "all, delete-orphan"})

    __table_args__ = (
        sa.UniqueConstraint("round_id", "voter_id", name="uq_ballot_round_voter"),
        sa.UniqueConstraint("receipt", name="uq_ballot_receipt"),
    )

    @property
    def approved_ids(self) -> set[int]:
        return {a.application_id for a in self.approvals}
