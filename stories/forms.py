"""What the participant, score and story forms accept."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, field_validator, model_validator

from creative_minds.forms import OptionalText, Text, raise_field
from creative_minds.timeutil import today
from stories.equality import QUESTIONS
from stories.models import Consent, ScoreKind, Theme


class ParticipantInput(BaseModel):
    project_ids: list[int] = Field(default_factory=list)
    age_band: OptionalText = None
    sex: OptionalText = None
    gender_identity: OptionalText = None
    ethnic_group: OptionalText = None
    disability: OptionalText = None
    sexual_orientation: OptionalText = None
    religion: OptionalText = None

    @model_validator(mode="after")
    def _answers_from_the_lists(self) -> "ParticipantInput":
        for name, question in QUESTIONS.items():
            value = getattr(self, name)
            if value is not None and value not in question.options:
                raise_field(name, "Choose one of the answers in the list.")
        return self


class ScoreInput(BaseModel):
    project_id: int
    kind: ScoreKind
    completed_on: date
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

    @property
    def items(self) -> list[int | None]:
        return [getattr(self, f"item_{i}") for i in range(1, 8)]


class StoryInput(BaseModel):
    project_id: int
    text: Text = Field(min_length=10, max_length=10_000)
    media_url: OptionalText = Field(default=None, max_length=500)
    themes: list[Theme] = Field(default_factory=list)
    consent: Consent
    first_name: OptionalText = Field(default=None, max_length=60)

    @model_validator(mode="after")
    def _check(self) -> "StoryInput":
        if self.media_url and not self.media_url.lower().startswith(("https://", "http://")):
            raise_field("media_url", "Enter a web address starting with https://")
        if self.consent == Consent.PUBLIC_FIRST_NAME and not self.first_name:
            raise_field("first_name", "Enter the first name to show, or choose another kind of consent.")
        if self.consent != Consent.PUBLIC_FIRST_NAME:
            self.first_name = None
        return self
