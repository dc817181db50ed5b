"""What the new-account form accepts."""

from __future__ import annotations

from pydantic import BaseModel, EmailStr, Field

from creative_minds.accounts.models import Role
from creative_minds.forms import OptionalInt, Text


class NewAccount(BaseModel):
    full_name: Text = Field(min_length=1, max_length=120)
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=10, max_length=200)
    role: Role
    locality_id: OptionalInt = None
    partner_id: OptionalInt = None
