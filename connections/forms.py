"""What the connection, attendance, register, intake and referral-source forms accept."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from connections.models import ContactPreference, HowConnected, Intake, StopReason
from creative_minds.forms import Id, OptionalDate, OptionalText, Text, blank_to_none, raise_field
from creative_minds.timeutil import today

CODE_LENGTH = 16


def _code(value: object) -> object:
    """Codes are read aloud and typed by hand: spaces are dropped, letters made upper-case, "P" gets its dash."""
    if not isinstance(value, str):
        return value
    text = "".join(value.split()).upper()
    if text.startswith("P") and not text.startswith("P-") and len(text) == 7:
        text = "P-" + text[1:]
    return text or None


ParticipantCode = Annotated[str | None, BeforeValidator(blank_to_none), BeforeValidator(_code)]


def _not_future(field: str, value: date | None) -> None:
    if value is not None and value > today():
        raise_field(field, "This date is in the future. Enter the day it happened.")


class ConnectionInput(BaseModel):
    project_id: Id
    code: ParticipantCode = Field(default=None, max_length=CODE_LENGTH)
    new_person: bool = False
    connected_on: date
    how: HowConnected
    source_id: Id
    notes: OptionalText = Field(default=None, max_length=1000)
    contact_consent: bool = False
    contact_preference: ContactPreference | None = None
    # The form's one-time token (creative_minds/once.py): sent twice, the form adds one connection.
    form_key: OptionalText = Field(default=None, max_length=64)

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("contact_preference"):
            data = {**data, "contact_preference": None}
        return data

    @model_validator(mode="after")
    def _rules(self) -> ConnectionInput:
        if self.new_person and self.code:
            raise_field("code", "Either type the person's code or tick “new person”, not both.")
        if not self.new_person and not self.code:
            raise_field("code", "Type the person's code (like P-ABC234), or tick “new person” to make one.")
        if self.contact_preference is not None and not self.contact_consent:
            raise_field("contact_preference", "A contact preference is kept only if the person agrees: tick the box.")
        _not_future("connected_on", self.connected_on)
        return self


class AttendanceInput(BaseModel):
    """One thing the partner records about a connection."""

    action: str = Field(pattern="^(came|did_not_come|still_going|stopped)$")
    on: OptionalDate = None
    stop_reason: StopReason | None = None

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("stop_reason"):
            data = {**data, "stop_reason": None}
        return data

    @model_validator(mode="after")
    def _rules(self) -> AttendanceInput:
        if self.action in ("came", "still_going", "stopped") and self.on is None:
            raise_field("on", "Enter the date, like 31/03/2027.")
        if self.action == "stopped" and self.stop_reason is None:
            raise_field("stop_reason", "Choose a reason (or “Other”).")
        _not_future("on", self.on)
        return self


class RegisterInput(BaseModel):
    held_on: date
    headcount: int = Field(ge=0, le=10_000)
    connection_ids: list[Id] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> RegisterInput:
        _not_future("held_on", self.held_on)
        if len(set(self.connection_ids)) > self.headcount:
            raise_field("headcount", "More connected people are ticked than the number who came.")
        return self


class IntakeInput(BaseModel):
    intake: Intake


class SourceInput(BaseModel):
    name: Text = Field(min_length=2, max_length=120)
