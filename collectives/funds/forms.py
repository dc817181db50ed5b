"""What the fund and ledger forms accept."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator

from creative_minds.forms import Id, Pence, PositivePence, Text, raise_field


class FundInput(BaseModel):
    name: Text = Field(min_length=3, max_length=200)
    total_pence: PositivePence
    starts_on: date
    ends_on: date
    # Locality id -> share in pence
    shares: dict[Id, Pence] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> FundInput:
        if self.ends_on <= self.starts_on:
            raise_field("ends_on", "The fund must end after it starts.")
        if any(v < 0 for v in self.shares.values()):
            raise_field("shares", "A share cannot be negative.")
        if sum(self.shares.values()) > self.total_pence:
            raise_field("shares", "The locality shares add up to more than the fund.")
        return self


class LedgerInput(BaseModel):
    application_id: Id
    amount_pence: PositivePence
    note: Text = Field(min_length=3, max_length=500)
