"""What the meeting, expense and payment-choice forms accept."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator

from collectives.membership.models import PaymentChoice
from creative_minds.forms import Id, OptionalId, Pence, PositivePence, Text, raise_field
from creative_minds.timeutil import today

MAX_MEETING_PAYMENT_PENCE = 500_00  # per person per meeting: more is a typing mistake
MAX_EXPENSE_PENCE = 2_000_00


class MeetingInput(BaseModel):
    locality_id: Id
    held_on: date
    title: Text = Field(min_length=3, max_length=200)
    payment_pence: Pence = Field(le=MAX_MEETING_PAYMENT_PENCE)
    attendee_ids: list[Id] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> MeetingInput:
        if self.held_on > today():
            raise_field("held_on", "Record a meeting once it has happened.")
        if not self.attendee_ids:
            raise_field("attendee_ids", "Tick the members who came.")
        return self


class ExpenseInput(BaseModel):
    spent_on: date
    description: Text = Field(min_length=3, max_length=300)
    amount_pence: PositivePence = Field(le=MAX_EXPENSE_PENCE)
    meeting_id: OptionalId = None

    @model_validator(mode="after")
    def _check(self) -> ExpenseInput:
        if self.spent_on > today():
            raise_field("spent_on", "Claim expenses once you have spent the money.")
        return self


class PaymentChoiceInput(BaseModel):
    payment_choice: PaymentChoice
