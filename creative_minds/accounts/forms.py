"""What the new-account form accepts."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, EmailStr, Field, model_validator

from creative_minds.accounts.models import Role
from creative_minds.forms import OptionalId, Text, blank_to_none, raise_field

CONSTITUENCIES = ("lived_experience", "carer", "trust_staff", "community_rep")


class NewAccount(BaseModel):
    full_name: Text = Field(min_length=1, max_length=120)
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=10, max_length=200)
    role: Role
    locality_id: OptionalId = None
    partner_id: OptionalId = None
    # For collective members: which part of the community they speak for (they are admitted at once).
    constituency: Annotated[str | None, BeforeValidator(blank_to_none)] = None

    @model_validator(mode="after")
    def _member_needs_constituency(self) -> NewAccount:
        if self.role == Role.COLLECTIVE_MEMBER:
            if self.constituency not in CONSTITUENCIES:
                raise_field("constituency", "Choose what the member joins the collective as.")
        else:
            self.constituency = None
        return self


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=10, max_length=200)
    new_password_confirm: str = Field(max_length=200)

    @model_validator(mode="after")
    def _confirmed(self) -> PasswordChange:
        if self.new_password != self.new_password_confirm:
            raise_field("new_password_confirm", "The two new passwords are not the same.")
        return self


class NewPassword(BaseModel):
    """Setting a password from an invitation or reset link: the same rules as registering."""

    password: str = Field(min_length=10, max_length=200)
    password_confirm: str = Field(max_length=200)

    @model_validator(mode="after")
    def _confirmed(self) -> NewPassword:
        if self.password != self.password_confirm:
            raise_field("password_confirm", "The two passwords are different.")
        return self


class ForgotPassword(BaseModel):
    email: EmailStr = Field(max_length=254)
