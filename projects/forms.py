"""What a project form accepts, checked before anything is saved; and the API's read shape."""

from __future__ import annotations

from datetime import UTC, date, time
from typing import TYPE_CHECKING, Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, EmailStr, Field, model_validator

from creative_minds.forms import (
    Id,
    OptionalDate,
    OptionalInt,
    Pence,
    Phone,
    Postcode,
    Text,
    _dates,
    blank_to_none,
    raise_field,
)
from creative_minds.geo import in_great_britain
from projects.models import AgeGroup, Category, ConditionFocus, Frequency, ProjectStatus, Weekday

if TYPE_CHECKING:
    from projects.models import Project


OptionalTime = Annotated[time | None, BeforeValidator(blank_to_none)]
OptionalFloat = Annotated[float | None, BeforeValidator(blank_to_none)]
OptionalWeekday = Annotated[Weekday | None, BeforeValidator(blank_to_none)]
OptionalEmail = Annotated[EmailStr | None, BeforeValidator(blank_to_none)]


class ProjectInput(BaseModel):
    """A project as a partner describes it. Money is in whole pence."""

    partner_id: Id
    locality_id: Id
    title: Text = Field(min_length=3, max_length=200)
    description: Text = Field(default="", max_length=5000)
    categories: list[Category] = Field(min_length=1)
    age_groups: list[AgeGroup] = Field(default_factory=list)
    condition_focus: ConditionFocus = ConditionFocus.OPEN_TO_ALL
    venue_name: Text = Field(default="", max_length=200)
    venue_address: Text = Field(default="", max_length=300)
    postcode: Postcode
    latitude: OptionalFloat = Field(default=None, ge=-90, le=90)
    longitude: OptionalFloat = Field(default=None, ge=-180, le=180)
    day_of_week: OptionalWeekday = None
    starts_at: OptionalTime = None
    ends_at: OptionalTime = None
    frequency: Frequency = Frequency.WEEKLY
    start_date: OptionalDate = None
    end_date: OptionalDate = None
    capacity: OptionalInt = Field(default=None, ge=1, le=10_000)
    wheelchair_accessible: bool = False
    accessibility_notes: Text = Field(default="", max_length=1000)
    peer_led: bool = False
    cost_to_attend_pence: Pence = 0
    cost_notes: Text = Field(default="", max_length=300)
    contact_name: Text = Field(default="", max_length=120)
    contact_email: OptionalEmail = Field(default=None, max_length=254)
    contact_phone: Phone = Field(default=None, max_length=40)
    total_cost_pence: Pence
    match_pence: Pence
    requested_pence: Pence
    champion_ids: list[Id] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ProjectInput:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise_field("ends_at", "The finish time must be after the start time.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise_field("end_date", "The end date must be on or after the start date.")
        if (self.latitude is None) != (self.longitude is None):
            raise_field("longitude", "Give both latitude and longitude, or leave both empty to use the postcode.")
        if (
            self.latitude is not None
            and self.longitude is not None
            and not in_great_britain(self.latitude, self.longitude)
        ):
            raise_field("latitude", "These coordinates are outside Great Britain. Check them, or leave them empty.")
        if self.match_pence + self.requested_pence > self.total_cost_pence:
            raise_field(
                "requested_pence",
                "Your own contribution plus the amount asked of Creative Minds cannot be more than the total cost.",
            )
        if self.frequency == Frequency.ONE_OFF and self.start_date and not self.end_date:
            self.end_date = self.start_date
        return self


class ProjectOut(BaseModel):
    """A project as the JSON API shows it. Money is in whole pence."""

    id: int
    partner_id: int
    partner_name: str
    locality: str
    title: str
    description: str
    status: ProjectStatus
    categories: list[str]
    age_groups: list[str]
    condition_focus: str
    venue_name: str
    venue_address: str
    postcode: str
    latitude: float
    longitude: float
    day_of_week: str | None
    starts_at: str | None = Field(description="Local clock time, HH:MM", pattern=r"^\d{2}:\d{2}$")
    ends_at: str | None = Field(description="Local clock time, HH:MM", pattern=r"^\d{2}:\d{2}$")
    frequency: str
    start_date: date | None
    end_date: date | None
    capacity: int | None
    wheelchair_accessible: bool
    accessibility_notes: str
    peer_led: bool
    cost_to_attend_pence: int
    cost_notes: str
    contact_name: str
    contact_email: str
    contact_phone: str
    total_cost_pence: int
    match_pence: int
    requested_pence: int
    champion_ids: list[int]
    updated_at: AwareDatetime
    version: int

    @classmethod
    def of(cls, project: Project) -> ProjectOut:
        data = project.model_dump()
        data.update(
            starts_at=project.starts_at.strftime("%H:%M") if project.starts_at else None,
            ends_at=project.ends_at.strftime("%H:%M") if project.ends_at else None,
            updated_at=project.updated_at.replace(tzinfo=UTC),
            partner_name=project.partner.name,
            locality=project.locality.slug,
            categories=project.categories,
            age_groups=project.age_groups,
            champion_ids=project.champion_ids,
        )
        return cls.model_validate(data)


class ProjectList(BaseModel):
    total: int
    page: int
    pages: int
    items: list[ProjectOut]


class StatusChange(BaseModel):
    status: ProjectStatus


# Single sessions (projects/sessions.py) -----------------------------------------------------------

# 31/03/2027 as well as the ISO 2027-03-31 that date inputs send.
SessionDate = Annotated[date, BeforeValidator(_dates)]


class CancelSessionInput(BaseModel):
    """A regular session that will not happen, and why (shown to the public, e.g. "bank holiday")."""

    on: SessionDate
    note: Text = Field(default="", max_length=200)


class MoveSessionInput(BaseModel):
    """A regular session held on another day and/or at another time (blank times: the usual ones)."""

    on: SessionDate
    to: SessionDate
    starts_at: OptionalTime = None
    ends_at: OptionalTime = None
    note: Text = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _times(self) -> MoveSessionInput:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise_field("ends_at", "The session must end after it starts.")
        return self


class AddSessionInput(BaseModel):
    """A one-off session: a holiday special, a bank-holiday session, an event."""

    on: SessionDate
    starts_at: time
    ends_at: time
    note: Text = Field(default="", max_length=200)

    @model_validator(mode="after")
    def _times(self) -> AddSessionInput:
        if self.ends_at <= self.starts_at:
            raise_field("ends_at", "The session must end after it starts.")
        return self
