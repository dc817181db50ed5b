"""What the new-round form accepts."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator

from collectives.rounds.models import Rule, TieRule
from creative_minds.forms import Id, OptionalDate, PositivePence, Text, raise_field


class RoundInput(BaseModel):
    share_id: Id
    name: Text = Field(min_length=3, max_length=200)
    description: Text = Field(default="", max_length=2000)
    budget_pence: PositivePence
    applications_close_on: date
    voting_closes_on: OptionalDate = None
    rule: Rule = Rule.MES
    tie_rule: TieRule = TieRule.LOT
    quorum_min_voters: int = Field(default=3, ge=1, le=500)
    quorum_lived_experience: bool = True

    @model_validator(mode="after")
    def _check(self) -> RoundInput:
        if self.voting_closes_on and self.voting_closes_on < self.applications_close_on:
            raise_field("voting_closes_on", "Voting cannot close before applications close.")
        return self
