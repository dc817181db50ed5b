"""Finding activities: filters, time of day, and distance from a place."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, or_, select

from activities.geocode import Place
from creative_minds.geo import haversine_km
from creative_minds.localities import Locality
from partners.models import Partner
from projects.models import (
    AgeGroup,
    Category,
    ConditionFocus,
    Project,
    ProjectAgeGroup,
    ProjectCategory,
    ProjectStatus,
    ScheduleDisplay,
    Weekday,
)

KM_PER_MILE = 1.609344
RADII_MILES = (1, 2, 3, 5, 10, 20)
TIMES_OF_DAY = {"morning": "Morning (before 12pm)", "afternoon": "Afternoon (12pm to 5pm)", "evening": "Evening (from 5pm)"}
_TIME_BOUNDS = {"morning": (time(0), time(12)), "afternoon": (time(12), time(17)), "evening": (time(17), time(23, 59, 59))}
LIST_PAGE_SIZE = 50
# The map and the list show activities that are running.
SHOWN_STATUSES = (ProjectStatus.ACTIVE.value,)


@dataclass(frozen=True)
class ActivityFilters:
    q: str = ""
    locality: str = ""
    category: str = ""
    day: str = ""
    time_of_day: str = ""
    age_group: str = ""
    focus: str = ""
    free: bool = False
    wheelchair: bool = False
    peer_led: bool = False
    postcode: str = ""
    radius: int = 5  # miles

    @classmethod
    def from_query(cls, params: Any) -> "ActivityFilters":
        """Read filters from a query string, ignoring values that are not among the choices."""

        def one(name: str) -> str:
            value = params.get(name) or ""
            return str(value).strip()[:100]

        def choice(name: str, allowed: set[str]) -> str:
            value = one(name)
            return value if value in allowed else ""

        def flag(name: str) -> bool:
            return one(name).lower() in {"1", "on", "true", "yes"}

        radius = one("radius")
        return cls(
            q=one("q"),
            locality=one("locality").lower(),
            category=choice("category", {c.value for c in Category}),
            day=choice("day", {d.value for d in Weekday}),
            time_of_day=choice("time_of_day", set(TIMES_OF_DAY)),
            age_group=choice("age_group", {a.value for a in AgeGroup}),
            focus=choice("focus", {f.value for f in ConditionFocus}),
            free=flag("free"),
            wheelchair=flag("wheelchair"),
            peer_led=flag("peer_led"),
            postcode=one("postcode")[:12],
            radius=int(radius) if radius.isdigit() and int(radius) in RADII_MILES else 5,
        )

    def as_params(self) -> dict[str, Any]:
        """The filters as query parameters, leaving out defaults (for links and bookmarks)."""
        params = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "radius":
                if self.postcode:
                    params["radius"] = value
            elif value not in ("", False):
                params[f.name] = "1" if value is True else value
        return params

    @property
    def active(self) -> bool:
        return any(v not in ("", False) for k, v in asdict(self).items() if k != "radius")


@dataclass
class ActivityRow(ScheduleDisplay):
    """What the finder, the map and the feeds show of a running activity (read without the ORM, for speed)."""

    id: int
    title: str
    description: str
    status: str
    partner_id: int
    partner_name: str
    partner_contact_name: str
    partner_contact_email: str
    locality_name: str
    locality_slug: str
    day_of_week: str | None
    starts_at: time | None
    ends_at: time | None
    frequency: str
    start_date: date | None
    end_date: date | None
    condition_focus: str
    cost_to_attend_pence: int
    cost_notes: str
    wheelchair_accessible: bool
    accessibility_notes: str
    peer_led: bool
    contact_name: str
    contact_email: str
    contact_phone: str
    venue_name: str
    venue_address: str
    postcode: str
    latitude: float
    longitude: float
    updated_at: datetime
    categories: list[str] = field(default_factory=list)


ROW_COLUMNS = (
    Project.id, Project.title, Project.description, Project.status, Project.partner_id,
    Partner.name, Partner.contact_name, Partner.contact_email, Locality.name, Locality.slug,
    Project.day_of_week, Project.starts_at, Project.ends_at, Project.frequency, Project.start_date, Project.end_date,
    Project.condition_focus, Project.cost_to_attend_pence, Project.cost_notes, Project.wheelchair_accessible,
    Project.accessibility_notes, Project.peer_led, Project.contact_name, Project.contact_email, Project.contact_phone,
    Project.venue_name, Project.venue_address, Project.postcode, Project.latitude, Project.longitude, Project.updated_at,
)


@dataclass(frozen=True)
class Found:
    project: ActivityRow
    distance_miles: float | None = None


def _query(filters: ActivityFilters, ids: list[int] | None = None, box: tuple[float, float, float, float] | None = None):  # type: ignore[no-untyped-def]
    query = (
        select(*ROW_COLUMNS)
        .join(Partner, Partner.id == Project.partner_id)
        .join(Locality, Locality.id == Project.locality_id)
        .where(col(Project.status).in_(SHOWN_STATUSES))
    )
    if ids is not None:
        query = query.where(col(Project.id).in_(ids))
    if box is not None:
        south, north, west, east = box
        query = query.where(Project.latitude >= south, Project.latitude <= north, Project.longitude >= west, Project.longitude <= east)
    if filters.q:
        term = f"%{filters.q.lower()}%"
        query = query.where(or_(func.lower(Project.title).like(term), func.lower(Project.description).like(term),
                                func.lower(Project.venue_name).like(term)))
    if filters.locality:
        query = query.where(Locality.slug == filters.locality)
    if filters.category:
        query = query.where(col(Project.id).in_(select(ProjectCategory.project_id).where(ProjectCategory.category == filters.category)))
    if filters.day:
        query = query.where(Project.day_of_week == filters.day)
    if filters.time_of_day:
        start, end = _TIME_BOUNDS[filters.time_of_day]
        query = query.where(col(Project.starts_at).is_not(None), col(Project.starts_at) >= start, col(Project.starts_at) < end)
    if filters.age_group:
        # Activities with no age groups are open to all ages.
        with_groups = select(ProjectAgeGroup.project_id)
        matching = select(ProjectAgeGroup.project_id).where(ProjectAgeGroup.age_group == filters.age_group)
        query = query.where(or_(col(Project.id).in_(matching), col(Project.id).not_in(with_groups)))
    if filters.focus:
        query = query.where(Project.condition_focus == filters.focus)
    if filters.free:
        query = query.where(Project.cost_to_attend_pence == 0)
    if filters.wheelchair:
        query = query.where(Project.wheelchair_accessible == True)  # noqa: E712
    if filters.peer_led:
        query = query.where(Project.peer_led == True)  # noqa: E712
    return query


def _bounding_box(near: Place, radius_km: float) -> tuple[float, float, float, float]:
    """A box a little larger than the circle, so the database can skip far-away rows."""
    dlat = radius_km / 110.574 * 1.01
    dlon = radius_km / (111.320 * max(0.1, math.cos(math.radians(near.latitude)))) * 1.01
    return near.latitude - dlat, near.latitude + dlat, near.longitude - dlon, near.longitude + dlon


def find_activities(session: Session, filters: ActivityFilters, *, near: Place | None = None, ids: list[int] | None = None) -> list[Found]:
    """Activities matching the filters; near a place, only those within the radius, nearest first."""
    radius_km = filters.radius * KM_PER_MILE
    box = _bounding_box(near, radius_km) if near is not None else None
    rows = [ActivityRow(*row) for row in session.execute(_query(filters, ids, box))]
    if near is None:
        return [Found(r) for r in sorted(rows, key=lambda r: (r.title.lower(), r.id))]
    found = []
    for row in rows:
        km = haversine_km(near.latitude, near.longitude, row.latitude, row.longitude)
        if km <= radius_km:
            found.append(Found(row, km / KM_PER_MILE))
    return sorted(found, key=lambda f: (f.distance_miles, f.project.title.lower(), f.project.id))


def with_categories(session: Session, found: list[Found]) -> list[Found]:
    """Fill in each row's activity categories (for feeds and exports)."""
    by_id = {f.project.id: f.project for f in found}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for project_id, category in session.execute(
            select(ProjectCategory.project_id, ProjectCategory.category).where(col(ProjectCategory.project_id).in_(chunk))
            .order_by(ProjectCategory.project_id, ProjectCategory.category)
        ):
            by_id[project_id].categories.append(category)
    return found


def get_activity(session: Session, project_id: int) -> Project | None:
    """A running activity, with everything its page shows, or None (drafts and finished projects are not public)."""
    query = (
        select(Project)
        .where(Project.id == project_id, col(Project.status).in_(SHOWN_STATUSES))
        .options(selectinload(Project.partner), selectinload(Project.locality), selectinload(Project.category_links),
                 selectinload(Project.age_group_links))
    )
    return session.exec(query).first()
