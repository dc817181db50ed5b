"""What the story form accepts."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from creative_minds.forms import Id, OptionalText, Text, raise_field
from stories.publishing.models import Consent, Theme


class StoryInput(BaseModel):
    project_id: Id
    text: Text = Field(min_length=10, max_length=10_000)
    media_url: OptionalText = Field(default=None, max_length=500)
    themes: list[Theme] = Field(default_factory=list)
    consent: Consent
    first_name: OptionalText = Field(default=None, max_length=60)

    @model_validator(mode="after")
    def _check(self) -> StoryInput:
        if self.media_url and not self.media_url.lower().startswith(("https://", "http://")):
            raise_field("media_url", "Enter a web address starting with https://")
        if self.consent == Consent.PUBLIC_FIRST_NAME and not self.first_name:
            raise_field("first_name", "Enter the first name to show, or choose another kind of consent.")
        if self.consent != Consent.PUBLIC_FIRST_NAME:
            self.first_name = None
        return self
