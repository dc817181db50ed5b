"""What the join and conflict-of-interest forms accept."""

from __future__ import annotations

from pydantic import BaseModel, Field

from collectives.membership.models import Constituency
from creative_minds.forms import Id, Text


class JoinInput(BaseModel):
    locality_id: Id
    constituency: Constituency
    reason: Text = Field(default="", max_length=1000)


class ConflictInput(BaseModel):
    partner_id: Id
    note: Text = Field(default="", max_length=500)
