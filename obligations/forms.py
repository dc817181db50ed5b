"""Input shapes: closing an obligation, choosing what to receive, and a reason to go on."""

from __future__ import annotations

from pydantic import BaseModel, Field

from creative_minds.forms import Text
from obligations.models import Delivery, Topic


class CloseInput(BaseModel):
    """Mark done (reason optional) or waive (reason required: checked by the service)."""

    waive: bool = False
    reason: Text = Field(default="", max_length=1000)


class ChoicesInput(BaseModel):
    """How a person hears about each topic."""

    choices: dict[Topic, Delivery]

    @classmethod
    def from_form(cls, values: dict[str, object]) -> ChoicesInput:
        return cls.model_validate(
            {"choices": {topic.value: values.get(f"topic_{topic.value}") or Delivery.EMAIL.value for topic in Topic}}
        )
