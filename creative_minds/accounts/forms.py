"""What the new-account form accepts."""

from __future__ import annotations

from pydantic import BaseModel, BeforeValidator, EmailStr, Field, model_validator
from typing import Annotated

from creative_minds.accounts.models import Role
from creative_minds.forms import OptionalInt, Text, blank_to_none, raise_field

CONSTITUENCIES = ("lived_experience", "carer", "trust_staff", "community_rep")


class NewAccount(BaseModel):
    full_name: Text = Field(min_length=1, max_length=120)
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=10, max_length=200)
    role: Role
    locality_id: OptionalInt = None
    partner_id: OptionalInt = None
    # For collective members: which part of the community they speak for (they are admitted at once).
    constituency: Annotated[str | None, BeforeValidator(blank_to_none)] = None

    @model_validator(mode="after")
    def _member_needs_constituency(self) -> "NewAccount":
        if self.role == Role.COLLECTIVE_MEMBER:
            if self.constituency not in CONSTITUENCIES:
                raise_field("constituency", "Choose what the member joins the collective as.")
        else:
            self.constituency = None
        return self
