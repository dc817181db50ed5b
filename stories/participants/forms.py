"""What the participant form accepts."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from creative_minds.forms import Id, OptionalText, raise_field
from stories.equality import QUESTIONS


class ParticipantInput(BaseModel):
    project_ids: list[Id] = Field(default_factory=list)
    age_band: OptionalText = None
    sex: OptionalText = None
    gender_identity: OptionalText = None
    ethnic_group: OptionalText = None
    disability: OptionalText = None
    sexual_orientation: OptionalText = None
    religion: OptionalText = None

    @model_validator(mode="after")
    def _answers_from_the_lists(self) -> ParticipantInput:
        for name, question in QUESTIONS.items():
            value = getattr(self, name)
            if value is not None and value not in question.options:
                raise_field(name, "Choose one of the answers in the list.")
        return self
