"""What the apply and eligibility forms accept."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from collectives.applications.models import IneligibleReason
from creative_minds.forms import Id, Pence, PositivePence, Text, raise_field


class ApplicationInput(BaseModel):
    project_id: Id
    amount_pence: PositivePence
    match_pence: Pence
    local_need: Text = Field(min_length=20, max_length=3000)


class EligibilityInput(BaseModel):
    eligible: bool
    reasons: list[IneligibleReason] = Field(default_factory=list)
    note: Text = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _check(self) -> EligibilityInput:
        if not self.eligible and not self.reasons:
            raise_field("reasons", "Choose at least one reason why it is not eligible.")
        if IneligibleReason.OTHER in self.reasons and not self.note:
            raise_field("note", "Say what the other reason is.")
        if self.eligible:
            self.reasons = []
        return self
