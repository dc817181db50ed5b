"""Finding activities: filters, time of day, and distance from a place."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import time
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, or_, select

from activities.geocode import Place
from creative_minds.geo import haversine_km
from creative_minds.localities import Locality
from projects.models import (
    AgeGroup,
    Category,
    ConditionFocus,
    Project,
    ProjectAgeGroup,
    ProjectCategory,
    ProjectStatus,
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


@dataclass(frozen=True)
class Found:
    project: Project
    distance_miles: float | None = None


def _query(filters: ActivityFilters, ids: list[int] | None = None):  # type: ignore[no-untyped-def]
    query = select(Project).where(col(Project.status).in_(SHOWN_STATUSES))
    if ids is not None:
        query = query.where(col(Project.id).in_(ids))
    if filters.q:
        term = f"%{filters.q.lower()}%"
        query = query.where(or_(func.lower(Project.title).like(term), func.lower(Project.description).like(term),
                                func.lower(Project.venue_name).like(term)))
    if filters.locality:
        query = query.join(Locality, Locality.id == Project.locality_id).where(Locality.slug == filters.locality)
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
    return query.options(
        selectinload(Project.partner), selectinload(Project.locality), selectinload(Project.category_links),
        selectinload(Project.age_group_links),
    )


def find_activities(session: Session, filters: ActivityFilters, *, near: Place | None = None, ids: list[int] | None = None) -> list[Found]:
    """Activities matching the filters; near a place, only those within the radius, nearest first."""
    projects = session.exec(_query(filters, ids)).all()
    if near is None:
        return [Found(p) for p in sorted(projects, key=lambda p: (p.title.lower(), p.id))]
    radius_km = filters.radius * KM_PER_MILE
    found = []
    for project in projects:
        km = haversine_km(near.latitude, near.longitude, project.latitude, project.longitude)
        if km <= radius_km:
            found.append(Found(project, km / KM_PER_MILE))
    return sorted(found, key=lambda f: (f.distance_miles, f.project.title.lower(), f.project.id))


def get_activity(session: Session, project_id: int) -> Project | None:
    """A running activity, or None (drafts and finished projects are not public)."""
    found = session.exec(_query(ActivityFilters(), [project_id])).first()
    return found
