"""Membership of a locality's collective, and declared conflicts of interest."""

from datetime import datetime
from enum import StrEnum
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
    from creative_minds.accounts.models import User
    from creative_minds.localities import Locality
    from partners.models import Partner


class Constituency(LabelledEnum):
    LIVED_EXPERIENCE = "lived_experience", "Person with lived experience"
    CARER = "carer", "Carer"
    TRUST_STAFF = "trust_staff", "Trust staff"
    COMMUNITY_REP = "community_rep", "Community representative"


CONSTITUENCY_LABELS = Constituency.labels()

# How a number of members of each constituency is written: (one, several).
CONSTITUENCY_COUNTED = {
    Constituency.LIVED_EXPERIENCE: ("person with lived experience", "people with lived experience"),
    Constituency.CARER: ("carer", "carers"),
    Constituency.TRUST_STAFF: ("member of trust staff", "members of trust staff"),
    Constituency.COMMUNITY_REP: ("community representative", "community representatives"),
}


class PaymentChoice(LabelledEnum):
    """How a member wants to be thanked for taking part (they may change it at any time)."""

    MONEY = "money", "Money"
    VOUCHER = "voucher", "Vouchers"
    NONE = "none", "No payment"


PAYMENT_LABELS = PaymentChoice.labels()


class MembershipStatus(StrEnum):
    REQUESTED = "requested"
    ADMITTED = "admitted"
    DECLINED = "declined"
    LEFT = "left"


class Membership(SQLModel, table=True):
    """A person's place in a locality's collective."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    constituency: str = Field(max_length=32)
    status: str = Field(default=MembershipStatus.REQUESTED, max_length=16, index=True)
    reason: str = Field(default="", max_length=1000)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    # Whether other members may see this member's constituency (coordinators always see it).
    show_constituency: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    payment_choice: str = Field(default=PaymentChoice.NONE, max_length=16)

    user: "User" = Relationship(sa_relationship_kwargs={"foreign_keys": "Membership.user_id"})
    decided_by: Optional["User"] = Relationship(sa_relationship_kwargs={"foreign_keys": "Membership.decided_by_id"})
    locality: "Locality" = Relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "locality_id", name="uq_membership_user_locality"),)


class ConflictOfInterest(SQLModel, table=True):
    __tablename__ = "conflict_of_interest"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    note: str = Field(default="", max_length=500)
    declared_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    partner: "Partner" = Relationship()
    user: "User" = Relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "partner_id", name="uq_conflict_user_partner"),)
