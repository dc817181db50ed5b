"""What the wellbeing form accepts."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, field_validator

from creative_minds.forms import Id
from creative_minds.timeutil import today
from stories.scores.models import CompletionMode, ScoreKind


class ScoreInput(BaseModel):
    project_id: Id
    kind: ScoreKind
    completed_on: date
    completion_mode: CompletionMode = CompletionMode.SELF
    item_1: int | None = Field(default=None, ge=1, le=5)
    item_2: int | None = Field(default=None, ge=1, le=5)
    item_3: int | None = Field(default=None, ge=1, le=5)
    item_4: int | None = Field(default=None, ge=1, le=5)
    item_5: int | None = Field(default=None, ge=1, le=5)
    item_6: int | None = Field(default=None, ge=1, le=5)
    item_7: int | None = Field(default=None, ge=1, le=5)

    @field_validator("completed_on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > today():
            raise ValueError("The date cannot be in the future.")
        return value

    @field_validator("completion_mode")
    @classmethod
    def _say_how(cls, value: CompletionMode) -> CompletionMode:
        if value == CompletionMode.NOT_RECORDED:
            raise ValueError("Say how the form was filled in.")
        return value

    @property
    def items(self) -> list[int | None]:
        return [getattr(self, f"item_{i}") for i in range(1, 8)]
