"""Collective meetings and who attended (with what each is owed), and expenses members claim."""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models
import creative_minds.localities  # noqa: F401
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    from creative_minds.accounts.models import User
    from creative_minds.localities import Locality


class Meeting(SQLModel, table=True):
    """A meeting of a locality's collective, with the payment offered to each member who attends."""

    __tablename__ = "collective_meeting"

    id: int | None = Field(default=None, primary_key=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    held_on: date = Field(index=True)
    title: str = Field(max_length=200)
    payment_pence: int = 0  # offered to each attendee who chose money or vouchers
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    locality: "Locality" = Relationship()
    attendances: list["Attendance"] = Relationship(
        back_populates="meeting", sa_relationship_kwargs={"cascade": "all, delete-orphan"}
    )

    __table_args__ = (sa.CheckConstraint("payment_pence >= 0", name="ck_collective_meeting_payment_not_negative"),)


class Attendance(SQLModel, table=True):
    """One member at one meeting; the payment choice and amount are kept as they were on the day."""

    __tablename__ = "meeting_attendance"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="collective_meeting.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True)
    payment_choice: str = Field(max_length=16)
    payment_pence: int = 0

    meeting: Meeting = Relationship(back_populates="attendances")
    user: "User" = Relationship()

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_meeting_attendance_meeting_user"),
        sa.CheckConstraint("payment_pence >= 0", name="ck_meeting_attendance_payment_not_negative"),
    )


class ExpenseClaim(SQLModel, table=True):
    """Money a member spent to take part (bus fares, a carer's cover) and claims back."""

    __tablename__ = "expense_claim"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    spent_on: date = Field(index=True)
    description: str = Field(max_length=300)
    amount_pence: int
    meeting_id: int | None = Field(default=None, foreign_key="collective_meeting.id", index=True)
    recorded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    user: "User" = Relationship(sa_relationship_kwargs={"foreign_keys": "ExpenseClaim.user_id"})
    meeting: Meeting | None = Relationship()

    __table_args__ = (sa.CheckConstraint("amount_pence > 0", name="ck_expense_claim_amount_positive"),)
