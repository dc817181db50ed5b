"""Finding activities: filters, time of day, and distance from a place."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, and_, col, func, or_, select, true

from activities.geocode import Place
from connections.models import ActivityIntake, Intake
from connections.service import too_long_ago
from creative_minds.db import MAX_ID
from creative_minds.geo import haversine_km
from creative_minds.localities import Locality
from creative_minds.pagination import clamp_page, page_count
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
from projects.search_text import words
from projects.sessions import Occurrence, Outlook, changes_for, outlook, upcoming

KM_PER_MILE = 1.609344
RADII_MILES = (1, 2, 3, 5, 10, 20)
TIMES_OF_DAY = {
    "morning": "Morning (before 12pm)",
    "afternoon": "Afternoon (12pm to 5pm)",
    "evening": "Evening (from 5pm)",
}
_TIME_BOUNDS = {
    "morning": (time(0), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(23, 59, 59)),
}
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
    taking: bool = False  # taking new people (not full, no waiting list)
    postcode: str = ""
    radius: int = 5  # miles

    @classmethod
    def from_query(cls, params: Any) -> ActivityFilters:
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
            taking=flag("taking"),
            postcode=one("postcode")[:12],
            radius=int(radius) if radius.isascii() and radius.isdecimal() and int(radius) in RADII_MILES else 5,
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
    intake: str | None = None  # None: taking new people (connections.models.Intake)
    confirmed_on: date | None = None  # the partner last confirmed it runs as listed
    categories: list[str] = field(default_factory=list)
    # Filled in by `with_sessions` (projects/sessions.py): the next session and cancellations soon,
    # and the next few sessions with their changes.
    outlook: Outlook | None = None
    upcoming: list[Occurrence] = field(default_factory=list)

    @property
    def unconfirmed(self) -> bool:
        """Not confirmed as running (nor edited) for 3 months: the finder says so."""
        return too_long_ago(max(filter(None, (self.confirmed_on, self.updated_at.date()))))


ROW_COLUMNS = (
    Project.id,
    Project.title,
    Project.description,
    Project.status,
    Project.partner_id,
    Partner.name,
    Partner.contact_name,
    Partner.contact_email,
    Locality.name,
    Locality.slug,
    Project.day_of_week,
    Project.starts_at,
    Project.ends_at,
    Project.frequency,
    Project.start_date,
    Project.end_date,
    Project.condition_focus,
    Project.cost_to_attend_pence,
    Project.cost_notes,
    Project.wheelchair_accessible,
    Project.accessibility_notes,
    Project.peer_led,
    Project.contact_name,
    Project.contact_email,
    Project.contact_phone,
    Project.venue_name,
    Project.venue_address,
    Project.postcode,
    Project.latitude,
    Project.longitude,
    Project.updated_at,
    ActivityIntake.intake,
    ActivityIntake.confirmed_on,
)


@dataclass(frozen=True)
class Found:
    project: ActivityRow
    distance_miles: float | None = None


def _query(
    filters: ActivityFilters,
    ids: list[int] | None = None,
    box: tuple[float, float, float, float] | None = None,
    columns: tuple[Any, ...] = ROW_COLUMNS,
    joined: bool = False,
):
    query = select(*columns).where(col(Project.status).in_(SHOWN_STATUSES))
    if columns is ROW_COLUMNS or joined:
        query = query.join(Partner, Partner.id == Project.partner_id).join(Locality, Locality.id == Project.locality_id)
    if columns is ROW_COLUMNS:
        query = query.outerjoin(ActivityIntake, col(ActivityIntake.project_id) == Project.id)
    if ids is not None:
        query = query.where(col(Project.id).in_(ids))
    if box is not None:
        south, north, west, east = box
        query = query.where(
            Project.latitude >= south, Project.latitude <= north, Project.longitude >= west, Project.longitude <= east
        )
    if filters.q:
        query = query.where(word_search(filters.q))
    if filters.locality:
        query = query.where(col(Project.locality_id).in_(select(Locality.id).where(Locality.slug == filters.locality)))
    if filters.category:
        query = query.where(
            col(Project.id).in_(select(ProjectCategory.project_id).where(ProjectCategory.category == filters.category))
        )
    if filters.day:
        query = query.where(Project.day_of_week == filters.day)
    if filters.time_of_day:
        start, end = _TIME_BOUNDS[filters.time_of_day]
        query = query.where(
            col(Project.starts_at).is_not(None), col(Project.starts_at) >= start, col(Project.starts_at) < end
        )
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
    if filters.taking:
        closed = select(ActivityIntake.project_id).where(ActivityIntake.intake != Intake.OPEN.value)
        query = query.where(col(Project.id).not_in(closed))
    return query


def _bounding_box(near: Place, radius_km: float) -> tuple[float, float, float, float]:
    """A box a little larger than the circle, so the database can skip far-away rows."""
    dlat = radius_km / 110.574 * 1.01
    dlon = radius_km / (111.320 * max(0.1, math.cos(math.radians(near.latitude)))) * 1.01
    return near.latitude - dlat, near.latitude + dlat, near.longitude - dlon, near.longitude + dlon


def word_search(q: str) -> Any:
    """Every word must appear (any order, any case, accents ignored) in the project's search text."""
    return and_(true(), *(col(Project.search_text).contains(word, autoescape=True) for word in words(q)))


def find_activities(
    session: Session, filters: ActivityFilters, *, near: Place | None = None, ids: list[int] | None = None
) -> list[Found]:
    """Activities matching the filters; near a place, only those within the radius, nearest first."""
    if near is None:
        query = _query(filters, ids).order_by(Project.sort_title, Project.id)
        return [Found(ActivityRow(*row)) for row in session.execute(query)]
    page = search(session, filters, near=near, ids=ids)
    return page.listed


@dataclass(frozen=True)
class Marker:
    """What the map needs of each matching activity: where it is, its name and its number."""

    id: int
    latitude: float
    longitude: float
    title: str
    distance_miles: float | None = None


@dataclass
class SearchPage:
    markers: list[Marker]  # every match, in the list's order
    listed: list[Found]  # the rows of the page asked for
    page_number: int
    pages: int

    @property
    def total(self) -> int:
        return len(self.markers)


MARKER_COLUMNS = (Project.id, Project.latitude, Project.longitude, Project.title, Project.sort_title)


def search(
    session: Session,
    filters: ActivityFilters,
    *,
    near: Place | None = None,
    ids: list[int] | None = None,
    page_number: int = 1,
    page_size: int | None = None,
) -> SearchPage:
    """One page of matching activities, and every match's marker for the map.

    The database filters and sorts; only the map's four columns are read for every match, and the
    full rows only for the page shown (page_size None: every match is listed).
    """
    if near is None:
        rows = session.execute(_query(filters, ids, columns=MARKER_COLUMNS).order_by(Project.sort_title, Project.id))
        markers = [Marker(row[0], row[1], row[2], row[3]) for row in rows]
    else:
        radius_km = filters.radius * KM_PER_MILE
        box = _bounding_box(near, radius_km)
        within = []
        for row in session.execute(_query(filters, ids, box, columns=MARKER_COLUMNS)):
            km = haversine_km(near.latitude, near.longitude, row[1], row[2])
            if km <= radius_km:
                within.append((km / KM_PER_MILE, row[4], row[0], row))
        within.sort(key=lambda item: item[:3])
        markers = [Marker(row[0], row[1], row[2], row[3], miles) for miles, _key, _id, row in within]
    size = page_size or max(1, len(markers))
    pages = page_count(len(markers), size)
    page_number = clamp_page(page_number, len(markers), size)
    first = (page_number - 1) * size
    if near is None and page_size:  # the same filters and order, one page of full rows
        query = _query(filters, ids).order_by(Project.sort_title, Project.id).offset(first).limit(size)
        listed = [Found(ActivityRow(*row)) for row in session.execute(query)]
    else:
        listed = rows_for(session, markers[first : first + size])
    return SearchPage(markers, listed, page_number, pages)


def rows_for(session: Session, markers: list[Marker]) -> list[Found]:
    """Full rows for these markers, in their order, with their distances."""
    if not markers:
        return []
    by_id: dict[int, ActivityRow] = {}
    ids = [m.id for m in markers]
    for start in range(0, len(ids), 500):
        query = _query(ActivityFilters(), ids[start : start + 500])
        by_id.update((row[0], ActivityRow(*row)) for row in session.execute(query))
    return [Found(by_id[m.id], m.distance_miles) for m in markers if m.id in by_id]


def feed_rows(session: Session, filters: ActivityFilters, near: Place | None, columns: tuple[Any, ...]) -> list:
    """For a feed: the given columns of every match (partner and locality joined), in the finder's
    order, each row followed by its distance in miles (None without a place)."""
    wanted = (Project.id, Project.latitude, Project.longitude, Project.sort_title, *columns)
    if near is None:
        query = _query(filters, columns=wanted, joined=True).order_by(Project.sort_title, Project.id)
        return [(*row[4:], None) for row in session.execute(query)]
    radius_km = filters.radius * KM_PER_MILE
    within = []
    for row in session.execute(_query(filters, None, _bounding_box(near, radius_km), columns=wanted, joined=True)):
        km = haversine_km(near.latitude, near.longitude, row[1], row[2])
        if km <= radius_km:
            within.append((km / KM_PER_MILE, row[3], row[0], row))
    within.sort(key=lambda item: item[:3])
    return [(*row[4:], miles) for miles, _key, _id, row in within]


def activity_page(session: Session, *, number: int, size: int) -> tuple[int, list[Found]]:
    """How many activities are running, and one page of them in title order (for the Open Referral API)."""
    total = session.execute(
        select(func.count()).select_from(Project).where(col(Project.status).in_(SHOWN_STATUSES))
    ).scalar_one()
    first = (number - 1) * size
    if first >= total:  # past the last page (however far): nothing to read
        return total, []
    query = _query(ActivityFilters()).order_by(Project.sort_title, Project.id).offset(first).limit(size)
    return total, [Found(ActivityRow(*row)) for row in session.execute(query)]


def with_categories(session: Session, found: list[Found]) -> list[Found]:
    """Fill in each row's activity categories (for feeds and exports), read in one query."""
    by_id = {f.project.id: f.project for f in found}
    if not by_id:
        return found
    query = select(ProjectCategory.project_id, func.aggregate_strings(ProjectCategory.category, ",")).group_by(
        ProjectCategory.project_id
    )
    if len(by_id) <= 500:
        query = query.where(col(ProjectCategory.project_id).in_(list(by_id)))
    for project_id, joined in session.execute(query):
        row = by_id.get(project_id)
        if row is not None:
            row.categories = sorted(joined.split(","))
    return found


def with_sessions(session: Session, found: list[Found], *, count: int = 4) -> list[Found]:
    """Fill in each row's next session, cancellations soon and next `count` sessions, with the
    activities' cancelled, moved and extra sessions read in one query."""
    changes = changes_for(session, [f.project.id for f in found])
    for f in found:
        mine = changes.get(f.project.id, [])
        f.project.outlook = outlook(f.project, mine)
        f.project.upcoming = upcoming(f.project, mine, count=count)
    return found


def get_activity(session: Session, project_id: int) -> Project | None:
    """A running activity, with everything its page shows, or None (drafts and finished projects are not public)."""
    if not 0 < project_id <= MAX_ID:
        return None
    query = (
        select(Project)
        .where(Project.id == project_id, col(Project.status).in_(SHOWN_STATUSES))
        .options(
            selectinload(Project.partner),
            selectinload(Project.locality),
            selectinload(Project.category_links),
            selectinload(Project.age_group_links),
        )
    )
    return session.exec(query).first()
