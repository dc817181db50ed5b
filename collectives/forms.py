"""What the collectives' forms accept."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator

from collectives.models import Constituency, IneligibleReason, Rule
from creative_minds.forms import OptionalDate, Text, raise_field

Pence = int


class FundInput(BaseModel):
    name: Text = Field(min_length=3, max_length=200)
    total_pence: int = Field(gt=0, le=100_000_000_00)
    starts_on: date
    ends_on: date
    # Locality id -> share in pence
    shares: dict[int, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> "FundInput":
        if self.ends_on <= self.starts_on:
            raise_field("ends_on", "The fund must end after it starts.")
        if any(v < 0 for v in self.shares.values()):
            raise_field("shares", "A share cannot be negative.")
        if sum(self.shares.values()) > self.total_pence:
            raise_field("shares", "The locality shares add up to more than the fund.")
        return self


class RoundInput(BaseModel):
    share_id: int
    name: Text = Field(min_length=3, max_length=200)
    description: Text = Field(default="", max_length=2000)
    budget_pence: int = Field(gt=0, le=100_000_000_00)
    applications_close_on: date
    voting_closes_on: OptionalDate = None
    rule: Rule = Rule.MES
    quorum_min_voters: int = Field(default=3, ge=1, le=500)
    quorum_lived_experience: bool = True

    @model_validator(mode="after")
    def _check(self) -> "RoundInput":
        if self.voting_closes_on and self.voting_closes_on < self.applications_close_on:
            raise_field("voting_closes_on", "Voting cannot close before applications close.")
        return self


class ApplicationInput(BaseModel):
    project_id: int
    amount_pence: int = Field(gt=0, le=100_000_000_00)
    match_pence: int = Field(ge=0, le=100_000_000_00)
    local_need: Text = Field(min_length=20, max_length=3000)


class EligibilityInput(BaseModel):
    eligible: bool
    reasons: list[IneligibleReason] = Field(default_factory=list)
    note: Text = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _check(self) -> "EligibilityInput":
        if not self.eligible and not self.reasons:
            raise_field("reasons", "Choose at least one reason why it is not eligible.")
        if IneligibleReason.OTHER in self.reasons and not self.note:
            raise_field("note", "Say what the other reason is.")
        if self.eligible:
            self.reasons = []
        return self


class JoinInput(BaseModel):
    locality_id: int
    constituency: Constituency
    reason: Text = Field(default="", max_length=1000)


class ConflictInput(BaseModel):
    partner_id: int
    note: Text = Field(default="", max_length=500)


class LedgerInput(BaseModel):
    application_id: int
    amount_pence: int = Field(gt=0, le=100_000_000_00)
    note: Text = Field(min_length=3, max_length=500)
