"""Projects: create, edit, search, and move through the status lifecycle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, false, func, or_, select

from creative_minds.accounts.models import Role, User
from creative_minds.db import MAX_ID, claim_version, get_or_404
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.geo import centroid
from creative_minds.localities import Locality
from creative_minds.pagination import Page, paginate
from creative_minds.postcodes import outward_code
from creative_minds.timeutil import utcnow
from partners.models import Partner, PartnerStatus
from projects.forms import ProjectInput
from projects.models import (
    FUNDING_TRANSITIONS,
    PARTNER_TRANSITIONS,
    TRANSITIONS,
    WEEKDAY_LABELS,
    Project,
    ProjectAgeGroup,
    ProjectCategory,
    ProjectChampion,
    ProjectStatus,
    Weekday,
    refresh_search_text,
)
from projects.search_text import words

PAGE_SIZE = 25
MONEY_FIELDS = ("total_cost_pence", "match_pence", "requested_pence")
MONEY_LOCKED = {ProjectStatus.FUNDED, ProjectStatus.ACTIVE, ProjectStatus.COMPLETED}
LOAD_ALL = (
    selectinload(Project.partner),
    selectinload(Project.locality),
    selectinload(Project.category_links),
    selectinload(Project.age_group_links),
    selectinload(Project.champion_links),
)


@dataclass(frozen=True)
class ProjectFilters:
    q: str = ""
    locality: str = ""  # locality slug
    category: str = ""
    status: str = ""
    partner_id: int | None = None
    page: int = 1


# Permissions --------------------------------------------------------------------------------


def owns(user: User | None, project: Project) -> bool:
    return user is not None and user.role == Role.PARTNER and user.partner_id == project.partner_id


def can_edit(user: User | None, project: Project) -> bool:
    return user is not None and (user.is_coordinator or owns(user, project))


def check_can_edit(user: User | None, project: Project) -> None:
    if not can_edit(user, project):
        raise Forbidden("Only the partner that runs this project and coordinators can change it.")


def can_view(user: User | None, project: Project) -> bool:
    """Drafts are private to their partner and coordinators; other projects are seen by everyone signed in."""
    if user is None:
        return False
    return project.status != ProjectStatus.DRAFT or can_edit(user, project)


# Reading ------------------------------------------------------------------------------------


def get_project(session: Session, project_id: int) -> Project:
    return get_or_404(session, Project, project_id, "project", options=list(LOAD_ALL))


def get_visible_project(session: Session, project_id: int, user: User | None) -> Project:
    project = get_project(session, project_id)
    if not can_view(user, project):
        raise Forbidden("This project is still a draft, so only its partner and coordinators can see it.")
    return project


def _visible_to(query, user: User | None):
    if user is not None and user.is_coordinator:
        return query
    own = user.partner_id if user is not None and user.role == Role.PARTNER else None
    if own is not None:
        return query.where(or_(Project.status != ProjectStatus.DRAFT, Project.partner_id == own))
    return query.where(Project.status != ProjectStatus.DRAFT)


def search_projects(session: Session, filters: ProjectFilters, *, user: User | None) -> Page:
    query = _visible_to(select(Project), user)
    # Words in any order, accents ignored, across title, description, venue, town, postcode and partner.
    for word in words(filters.q):
        query = query.where(col(Project.search_text).contains(word, autoescape=True))
    if filters.locality:
        query = query.join(Locality, Locality.id == Project.locality_id).where(Locality.slug == filters.locality)
    if filters.category:
        query = query.where(
            col(Project.id).in_(select(ProjectCategory.project_id).where(ProjectCategory.category == filters.category))
        )
    if filters.status:
        query = query.where(Project.status == filters.status)
    if filters.partner_id:
        # A number beyond the id column's range names no partner (PostgreSQL would refuse to compare it).
        query = query.where(Project.partner_id == filters.partner_id if 0 < filters.partner_id <= MAX_ID else false())
    query = query.options(*LOAD_ALL).order_by(Project.sort_title, Project.id)
    return paginate(session, query, page=filters.page, page_size=PAGE_SIZE)


def projects_of_partner(session: Session, partner_id: int, *, user: User | None) -> list[Project]:
    query = _visible_to(select(Project).where(Project.partner_id == partner_id), user)
    return list(session.exec(query.options(*LOAD_ALL).order_by(Project.title)))


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.exec(select(Project.status, func.count()).group_by(Project.status))
    return {status: count for status, count in rows}


# Writing ------------------------------------------------------------------------------------


def _check_partner(session: Session, partner_id: int, user: User) -> Partner:
    return _checked_partner(session.get(Partner, partner_id), partner_id, user)


def _checked_partner(partner: Partner | None, partner_id: int, user: User) -> Partner:
    if partner is None:
        raise Invalid(
            "Choose the partner that runs this project.", errors={"partner_id": "Choose a partner from the list."}
        )
    if not user.is_coordinator and user.partner_id != partner_id:
        raise Forbidden("You can only add projects for your own group.")
    if partner.status == PartnerStatus.ARCHIVED:
        raise Invalid("This partner is archived.", errors={"partner_id": "This partner is archived; restore it first."})
    return partner


def _check_locality(session: Session, locality_id: int) -> None:
    _checked_locality(session.get(Locality, locality_id) is not None)


def _checked_locality(found: bool) -> None:
    if not found:
        raise Invalid("Choose a locality.", errors={"locality_id": "Choose a locality from the list."})


def _active_champions(session: Session, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.exec(
            select(User.id).where(col(User.id).in_(sorted(ids)), User.role == Role.CHAMPION, User.is_active == True)  # noqa: E712
        ).all()
    )


def _champions(session: Session, ids: list[int]) -> list[int]:
    return _checked_champions(ids, _active_champions(session, set(ids)))


def _checked_champions(ids: list[int], active: set[int]) -> list[int]:
    unique = sorted(set(ids))
    if not set(unique) <= active:
        raise Invalid("Choose champions from the list.", errors={"champion_ids": "Choose champions from the list."})
    return unique


def _coordinates(data: ProjectInput) -> tuple[float, float]:
    if data.latitude is not None and data.longitude is not None:
        return data.latitude, data.longitude
    point = centroid(outward_code(data.postcode))
    if point is None:
        raise Invalid(
            "We could not place this postcode on the map.",
            errors={
                "postcode": "We could not find where this postcode is. Check it, or enter the latitude and longitude."
            },
        )
    return point


def _apply(session: Session, project: Project, data: ProjectInput) -> None:
    _check_locality(session, data.locality_id)
    champion_ids = _champions(session, data.champion_ids)
    _fill(project, data, champion_ids)


_SCALAR_FIELDS = set(ProjectInput.model_fields) - {"categories", "age_groups", "champion_ids", "latitude", "longitude"}


def _fill(project: Project, data: ProjectInput, champion_ids: list[int]) -> None:
    """Write the checked input into the project (its locality and champions checked already)."""
    project.latitude, project.longitude = _coordinates(data)
    scalar = data.model_dump(include=_SCALAR_FIELDS)  # the form's own fields only, never a subclass's
    for key, raw in scalar.items():
        value = (raw or "") if key in ("contact_email", "contact_phone") else raw
        setattr(project, key, value.value if hasattr(value, "value") else value)
    _sync_links(project.category_links, [c.value for c in data.categories], "category", ProjectCategory)
    _sync_links(project.age_group_links, [a.value for a in data.age_groups], "age_group", ProjectAgeGroup)
    _sync_links(project.champion_links, champion_ids, "user_id", ProjectChampion)
    project.updated_at = utcnow()


def _sync_links(links: list, wanted: list, attr: str, model: type) -> None:
    """Make a link collection hold exactly `wanted`, keeping rows that stay (no delete-then-insert clash)."""
    wanted_set = set(wanted)
    for link in [link for link in links if getattr(link, attr) not in wanted_set]:
        links.remove(link)
    present = {getattr(link, attr) for link in links}
    for value in dict.fromkeys(wanted):
        if value not in present:
            links.append(model(**{attr: value}))


def _check_can_add(by: User) -> None:
    if not (by.is_coordinator or by.role == Role.PARTNER):
        raise Forbidden("Only partner groups and coordinators can add projects.")


def _new_project(data: ProjectInput, by: User) -> Project:
    project = Project(
        partner_id=data.partner_id, locality_id=data.locality_id, title=data.title, postcode="", latitude=0, longitude=0
    )
    project.created_by_id = by.id
    return project


def create_project(session: Session, data: ProjectInput, *, by: User) -> Project:
    _check_can_add(by)
    _check_partner(session, data.partner_id, by)
    project = _new_project(data, by)
    _apply(session, project, data)
    session.add(project)
    session.flush()
    return project


def create_projects(session: Session, rows: list[ProjectInput], *, by: User) -> list[int | Invalid]:
    """Add many projects at once (a bulk import), each checked by the rules create_project follows.

    What the rows refer to (partners, localities, champions) is read once for all of them, and the
    projects and their categories and age groups are written in a few statements. Returns, for each
    row in order, the new project's id, or the Invalid that refused the row (nothing saved for it).
    Forbidden (the person may not add projects at all, or not for that partner) refuses them all."""
    _check_can_add(by)
    partner_ids = {row.partner_id for row in rows}
    partners = {p.id: p for p in session.exec(select(Partner).where(col(Partner.id).in_(partner_ids)))}
    # Held here, so refresh_search_text finds the partners and localities in the session without a query.
    localities = {loc.id: loc for loc in session.exec(select(Locality))}
    active = _active_champions(session, {i for row in rows for i in row.champion_ids})
    results: list[int | Invalid] = []
    made: list[tuple[int, Project]] = []
    for index, data in enumerate(rows):
        try:
            _checked_partner(partners.get(data.partner_id), data.partner_id, by)
            _checked_locality(data.locality_id in localities)
            project = _new_project(data, by)
            _fill(project, data, _checked_champions(data.champion_ids, active))
        except Invalid as exc:
            results.append(exc)
            continue
        refresh_search_text(session, project)  # as the before-flush hook does for a project added one at a time
        made.append((index, project))
        results.append(0)
    if not made:
        return results
    columns = [c.key for c in Project.__table__.columns if c.key != "id"]  # type: ignore[attr-defined]
    ids = session.scalars(
        insert(Project).returning(col(Project.id), sort_by_parameter_order=True),
        [{name: getattr(project, name) for name in columns} for _, project in made],
    ).all()
    categories, age_groups, champions = [], [], []
    for (index, project), project_id in zip(made, ids, strict=True):
        results[index] = int(project_id or 0)
        categories += [{"project_id": project_id, "category": link.category} for link in project.category_links]
        age_groups += [{"project_id": project_id, "age_group": link.age_group} for link in project.age_group_links]
        champions += [{"project_id": project_id, "user_id": link.user_id} for link in project.champion_links]
    for model, links in ((ProjectCategory, categories), (ProjectAgeGroup, age_groups), (ProjectChampion, champions)):
        if links:
            session.execute(insert(model), links)
    return results


def update_project(
    session: Session, project: Project, data: ProjectInput, *, by: User, expected_version: int | None = None
) -> Project:
    check_can_edit(by, project)
    claim_version(session, project, expected_version, "project")
    if data.partner_id != project.partner_id:
        if not by.is_coordinator:
            raise Forbidden("Only coordinators can move a project to another partner.")
        _check_partner(session, data.partner_id, by)
    if not by.is_coordinator and project.status in MONEY_LOCKED:
        changed = [f for f in MONEY_FIELDS if getattr(data, f) != getattr(project, f)]
        if changed:
            raise Invalid(
                "The funding for this project is agreed, so its money cannot be changed here.",
                errors={f: "The funding is agreed. Ask a coordinator to change it." for f in changed},
            )
    if project.status in {ProjectStatus.COMPLETED, ProjectStatus.WITHDRAWN} and not by.is_coordinator:
        raise Conflict(f"This project is {project.status_label.lower()}, so it can no longer be changed.")
    _apply(session, project, data)
    session.add(project)
    session.flush()
    return project


def allowed_moves(project: Project, user: User | None) -> list[ProjectStatus]:
    """The status changes this user may make now, in lifecycle order."""
    if user is None or not can_edit(user, project):
        return []
    current = ProjectStatus(project.status)
    moves = TRANSITIONS[current]
    if not user.is_coordinator:
        moves = frozenset(m for m in moves if (current, m) in PARTNER_TRANSITIONS)
    return [s for s in ProjectStatus if s in moves]


def change_status(session: Session, project: Project, new_status: ProjectStatus, *, by: User) -> Project:
    check_can_edit(by, project)
    current = ProjectStatus(project.status)
    if new_status not in TRANSITIONS[current]:
        raise Conflict(f"A project that is {current.value} cannot become {new_status.value}.")
    if new_status not in allowed_moves(project, by):
        raise Forbidden(f"Only a coordinator can mark a project as {new_status.value}.")
    _set_status(session, project, new_status)
    return project


def follow_funding(session: Session, project: Project, new_status: ProjectStatus) -> bool:
    """Move a project as the funding process requires (FUNDING_TRANSITIONS). A move the table does
    not allow leaves the project as it is: a running project that wins more funding stays running,
    a withdrawn one stays withdrawn. Returns whether the project moved."""
    current = ProjectStatus(project.status)
    if current == new_status or (current, new_status) not in FUNDING_TRANSITIONS:
        return False
    _set_status(session, project, new_status)
    return True


def _set_status(session: Session, project: Project, new_status: ProjectStatus) -> None:
    project.status = new_status.value
    project.status_changed_at = utcnow()
    session.add(project)
    session.flush()


# Choosing projects (a participant's projects, report filters) ------------------------------------

RUNNING = (ProjectStatus.FUNDED, ProjectStatus.ACTIVE, ProjectStatus.COMPLETED)
_DAY_WORDS = {
    word: day.value
    for day in Weekday
    for word in (WEEKDAY_LABELS[day].lower(), WEEKDAY_LABELS[day].lower()[:3], WEEKDAY_LABELS[day].lower() + "s")
}


@dataclass(frozen=True)
class ProjectChoice:
    """A project as a chooser shows it: enough to tell apart projects with the same title."""

    id: int
    title: str
    partner_name: str
    venue: str  # "Venue name, HD1 2AB" or the postcode alone
    day: str  # "Tuesday 10:00" or ""

    @property
    def label(self) -> str:
        parts = [self.partner_name, self.venue, self.day]
        return f"{self.title} – " + " · ".join(p for p in parts if p)


def _choice(project: Project, partner_name: str) -> ProjectChoice:
    venue = ", ".join(p for p in (project.venue_name or "", project.postcode or "") if p)
    day = project.day_label + (f" {project.starts_at.strftime('%H:%M')}" if project.starts_at else "")
    return ProjectChoice(project.id or 0, project.title, partner_name, venue, day.strip())


def find_project_choices(
    session: Session, q: str = "", *, limit: int | None = 25, ids: list[int] | None = None
) -> tuple[list[ProjectChoice], int]:
    """Running projects (funded, active or completed) matching every word typed, in any order, across
    title, description, partner, venue and town (accents ignored); a day's name ("tuesday", "tue") picks the
    day. With `ids`, just those, whatever their status. Returns up to `limit` choices and how many matched in all."""
    query = select(Project, Partner.name).join(Partner, Partner.id == Project.partner_id)
    if ids is not None:  # exactly these (a project chosen before may have finished since)
        query = query.where(col(Project.id).in_([i for i in ids if 0 < i <= MAX_ID] or [0]))
    else:
        query = query.where(col(Project.status).in_([s.value for s in RUNNING]))
        for word in words(q):
            if word in _DAY_WORDS:
                query = query.where(Project.day_of_week == _DAY_WORDS[word])
            else:
                query = query.where(col(Project.search_text).contains(word, autoescape=True))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    ordered = query.order_by(Project.sort_title, Partner.name, Project.id)
    rows = session.exec(ordered.limit(limit) if limit is not None else ordered)
    return [_choice(project, partner_name) for project, partner_name in rows], total
