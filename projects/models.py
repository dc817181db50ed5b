"""Projects, their categories, audiences, schedule, champions and status lifecycle."""

from datetime import date, datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models
import creative_minds.localities  # noqa: F401
import partners.models  # noqa: F401
from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    from creative_minds.localities import Locality
    from partners.models import Partner


class ProjectStatus(LabelledEnum):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    FUNDED = "funded", "Funded"
    ACTIVE = "active", "Running"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


STATUS_LABELS = ProjectStatus.labels()

# Which status may follow which. Anything else is refused.
TRANSITIONS: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    ProjectStatus.DRAFT: frozenset({ProjectStatus.SUBMITTED, ProjectStatus.WITHDRAWN}),
    ProjectStatus.SUBMITTED: frozenset(
        {ProjectStatus.DRAFT, ProjectStatus.FUNDED, ProjectStatus.DECLINED, ProjectStatus.WITHDRAWN}
    ),
    ProjectStatus.FUNDED: frozenset({ProjectStatus.ACTIVE, ProjectStatus.WITHDRAWN}),
    ProjectStatus.ACTIVE: frozenset({ProjectStatus.COMPLETED, ProjectStatus.WITHDRAWN}),
    ProjectStatus.DECLINED: frozenset({ProjectStatus.DRAFT}),
    ProjectStatus.COMPLETED: frozenset(),
    ProjectStatus.WITHDRAWN: frozenset(),
}

# Moves the funding process makes (applying, withdrawing an application, the eligibility check, a
# confirmed decision and its amendments), beside the ones people make above. Nothing else may set a
# project's status: projects.service.follow_funding applies these, projects.service.change_status
# the ones above.
FUNDING_TRANSITIONS: frozenset[tuple[ProjectStatus, ProjectStatus]] = frozenset(
    {
        (ProjectStatus.DRAFT, ProjectStatus.SUBMITTED),  # applied to a round
        (ProjectStatus.DECLINED, ProjectStatus.SUBMITTED),  # applied again, to a later round
        (ProjectStatus.SUBMITTED, ProjectStatus.DRAFT),  # the application was withdrawn
        (ProjectStatus.SUBMITTED, ProjectStatus.DECLINED),  # not eligible, or not funded
        (ProjectStatus.SUBMITTED, ProjectStatus.FUNDED),  # funded by the decision
        (ProjectStatus.DECLINED, ProjectStatus.FUNDED),  # funded by an amendment to the decision
        (ProjectStatus.FUNDED, ProjectStatus.DECLINED),  # un-funded by an amendment
    }
)

# Moves a partner may make on its own project; coordinators may make every valid move.
PARTNER_TRANSITIONS: frozenset[tuple[ProjectStatus, ProjectStatus]] = frozenset(
    {
        (ProjectStatus.DRAFT, ProjectStatus.SUBMITTED),
        (ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN),
        (ProjectStatus.SUBMITTED, ProjectStatus.DRAFT),
        (ProjectStatus.SUBMITTED, ProjectStatus.WITHDRAWN),
        (ProjectStatus.DECLINED, ProjectStatus.DRAFT),
        (ProjectStatus.FUNDED, ProjectStatus.ACTIVE),
        (ProjectStatus.ACTIVE, ProjectStatus.COMPLETED),
    }
)

ACTION_LABELS = {
    ProjectStatus.DRAFT: "Move back to draft",
    ProjectStatus.SUBMITTED: "Submit for funding",
    ProjectStatus.FUNDED: "Mark as funded",
    ProjectStatus.ACTIVE: "Mark as running",
    ProjectStatus.COMPLETED: "Mark as completed",
    ProjectStatus.DECLINED: "Decline",
    ProjectStatus.WITHDRAWN: "Withdraw",
}


class Category(LabelledEnum):
    ARTS_CRAFTS = "arts_crafts", "Art and crafts"
    MUSIC_SINGING = "music_singing", "Music and singing"
    WRITING_POETRY = "writing_poetry", "Writing and poetry"
    FILM_PHOTOGRAPHY = "film_photography", "Film and photography"
    DRAMA_DANCE = "drama_dance", "Drama and dance"
    POTTERY = "pottery", "Pottery"
    KNITTING_SEWING = "knitting_sewing", "Knitting and sewing"
    GARDENING_NATURE = "gardening_nature", "Gardening and nature"
    WALKING = "walking", "Walking"
    FOOTBALL = "football", "Football and walking football"
    OTHER_SPORT = "other_sport", "Other sport and fitness"
    CLIMBING_OUTDOORS = "climbing_outdoors", "Climbing and outdoors"
    WATER_SPORTS = "water_sports", "Sailing and water sports"
    COOKING = "cooking", "Cooking and food"
    HERITAGE = "heritage", "Heritage and history"
    MEMORY_GROUP = "memory_group", "Memory group"
    SOCIAL_CAFE = "social_cafe", "Social and cafe"
    DIGITAL = "digital", "Digital skills and gaming"


CATEGORY_LABELS = Category.labels()


class AgeGroup(LabelledEnum):
    CHILDREN = "children", "Children (under 12)"
    YOUNG_PEOPLE = "young_people", "Young people (12 to 25)"
    ADULTS = "adults", "Adults (18 to 64)"
    OLDER_PEOPLE = "older_people", "Older people (65 and over)"


AGE_GROUP_LABELS = AgeGroup.labels()

AGE_RANGES = {  # (minimum, maximum) age, used by exports
    AgeGroup.CHILDREN: (0, 11),
    AgeGroup.YOUNG_PEOPLE: (12, 25),
    AgeGroup.ADULTS: (18, 64),
    AgeGroup.OLDER_PEOPLE: (65, None),
}


class ConditionFocus(LabelledEnum):
    OPEN_TO_ALL = "open_to_all", "Open to everyone"
    DEMENTIA = "dementia", "People living with dementia"
    CAMHS = "camhs", "Young people waiting for CAMHS"
    LEARNING_DISABILITY = "learning_disability", "People with a learning disability"
    FORENSIC = "forensic", "Forensic services"
    CARERS = "carers", "Carers"
    PSYCHOSIS = "psychosis", "People with experience of psychosis"


CONDITION_LABELS = ConditionFocus.labels()


class Weekday(LabelledEnum):
    MON = "MO", "Monday"
    TUE = "TU", "Tuesday"
    WED = "WE", "Wednesday"
    THU = "TH", "Thursday"
    FRI = "FR", "Friday"
    SAT = "SA", "Saturday"
    SUN = "SU", "Sunday"


WEEKDAY_LABELS = Weekday.labels()


class Frequency(LabelledEnum):
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Once a month"
    ONE_OFF = "one_off", "One-off event"


FREQUENCY_LABELS = Frequency.labels()


class ScheduleDisplay:
    """Plain-words labels for anything with a project's schedule and cost fields."""

    status: str
    day_of_week: str | None
    frequency: str
    condition_focus: str
    cost_to_attend_pence: int

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[ProjectStatus(self.status)]

    @property
    def is_free(self) -> bool:
        return self.cost_to_attend_pence == 0

    @property
    def day_label(self) -> str:
        return WEEKDAY_LABELS[Weekday(self.day_of_week)] if self.day_of_week else ""

    @property
    def frequency_label(self) -> str:
        return FREQUENCY_LABELS[Frequency(self.frequency)]

    @property
    def condition_label(self) -> str:
        return CONDITION_LABELS[ConditionFocus(self.condition_focus)]


class ProjectCategory(SQLModel, table=True):
    __tablename__ = "project_category"

    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    category: str = Field(max_length=32, primary_key=True, index=True)


class ProjectAgeGroup(SQLModel, table=True):
    __tablename__ = "project_age_group"

    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    age_group: str = Field(max_length=32, primary_key=True, index=True)


class ProjectChampion(SQLModel, table=True):
    __tablename__ = "project_champion"

    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True, ondelete="CASCADE")


class Project(ScheduleDisplay, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    title: str = Field(max_length=200, index=True)
    description: str = Field(default="", sa_type=sa.Text())
    status: str = Field(default=ProjectStatus.DRAFT, max_length=16, index=True)
    condition_focus: str = Field(default=ConditionFocus.OPEN_TO_ALL, max_length=32, index=True)
    # Where
    venue_name: str = Field(default="", max_length=200)
    venue_address: str = Field(default="", max_length=300)
    postcode: str = Field(max_length=10)
    latitude: float
    longitude: float
    # When
    day_of_week: str | None = Field(default=None, max_length=2, index=True)
    starts_at: time | None = None
    ends_at: time | None = None
    frequency: str = Field(default=Frequency.WEEKLY, max_length=16)
    start_date: date | None = None
    end_date: date | None = None
    # Who and how
    capacity: int | None = None
    wheelchair_accessible: bool = False
    accessibility_notes: str = Field(default="", max_length=1000)
    peer_led: bool = False
    cost_to_attend_pence: int = 0
    cost_notes: str = Field(default="", max_length=300)
    contact_name: str = Field(default="", max_length=120)
    contact_email: str = Field(default="", max_length=254)
    contact_phone: str = Field(default="", max_length=40)
    # Money, in pence
    total_cost_pence: int = 0
    match_pence: int = 0
    requested_pence: int = 0
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # Moves on with every saved edit; a save from an older version is refused (creative_minds.db.claim_version).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # Kept up to date on every save (projects/search_text.py): the word search's normalised text,
    # and the title's sort key, compared byte-wise on both databases.
    search_text: str = Field(default="", sa_type=sa.Text())
    sort_title: str = Field(
        default="", sa_type=sa.String(400).with_variant(sa.String(400, collation="C"), "postgresql"), index=True
    )

    partner: "Partner" = Relationship()
    locality: "Locality" = Relationship()
    category_links: list[ProjectCategory] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "ProjectCategory.category"}
    )
    age_group_links: list[ProjectAgeGroup] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "ProjectAgeGroup.age_group"}
    )
    champion_links: list[ProjectChampion] = Relationship(sa_relationship_kwargs={"cascade": "all, delete-orphan"})

    __table_args__ = (
        sa.CheckConstraint("total_cost_pence >= 0", name="ck_project_total_cost_not_negative"),
        sa.CheckConstraint("match_pence >= 0", name="ck_project_match_not_negative"),
        sa.CheckConstraint("requested_pence >= 0", name="ck_project_requested_not_negative"),
        sa.CheckConstraint("cost_to_attend_pence >= 0", name="ck_project_cost_to_attend_not_negative"),
    )

    @property
    def categories(self) -> list[str]:
        return [link.category for link in self.category_links]

    @property
    def age_groups(self) -> list[str]:
        return [link.age_group for link in self.age_group_links]

    @property
    def champion_ids(self) -> list[int]:
        return [link.user_id for link in self.champion_links]

    @property
    def category_labels(self) -> list[str]:
        return [CATEGORY_LABELS[Category(c)] for c in self.categories]

    @property
    def age_group_labels(self) -> list[str]:
        return [AGE_GROUP_LABELS[AgeGroup(a)] for a in self.age_groups]


# Search text ------------------------------------------------------------------------------------

_SEARCHED = ("title", "description", "venue_name", "venue_address", "postcode", "partner_id", "locality_id")


def _needs_search_text(project: Project) -> bool:
    state = sa.inspect(project)
    if state.pending or not project.search_text:
        return True
    return any(state.attrs[name].history.has_changes() for name in (*_SEARCHED, "category_links"))


def refresh_search_text(session: sa.orm.Session, project: Project) -> None:
    from creative_minds.localities import Locality
    from partners.models import Partner
    from projects.search_text import search_text, sort_title

    with session.no_autoflush:
        partner = project.__dict__.get("partner") or (
            session.get(Partner, project.partner_id) if project.partner_id else None
        )
        locality = project.__dict__.get("locality") or (
            session.get(Locality, project.locality_id) if project.locality_id else None
        )
        project.search_text = search_text(
            title=project.title or "",
            description=project.description or "",
            venue_name=project.venue_name or "",
            venue_address=project.venue_address or "",
            postcode=project.postcode or "",
            partner_name=partner.name if partner else "",
            locality_name=locality.name if locality else "",
            categories=[link.category for link in project.category_links],
        )
        project.sort_title = sort_title(project.title or "")


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _keep_search_text(session: sa.orm.Session, _context: object, _instances: object) -> None:
    """Every saved project (or renamed partner's projects) gets its search text worked out again."""
    from partners.models import Partner

    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Project) and _needs_search_text(obj):
            refresh_search_text(session, obj)
        elif (
            isinstance(obj, Partner)
            and not sa.inspect(obj).pending
            and sa.inspect(obj).attrs.name.history.has_changes()
        ):
            with session.no_autoflush:
                for project in session.scalars(sa.select(Project).where(Project.partner_id == obj.id)):
                    refresh_search_text(session, project)


# Single sessions: cancelled, moved, or added --------------------------------------------------------


class SessionChangeKind(LabelledEnum):
    CANCELLED = "cancelled", "Cancelled"
    MOVED = "moved", "Moved"
    ADDED = "added", "Extra session"


class SessionChange(SQLModel, table=True):
    """One change to an activity's regular schedule (projects/sessions.py works out the sessions).

    Cancelled: `original_date` is a regular session that will not happen. Moved: the regular session
    on `original_date` happens on `session_date` from `starts_at` to `ends_at` instead. Added: a
    one-off session on `session_date` (a bank holiday, a special event). `note` is shown to the public.
    """

    __tablename__ = "session_change"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    original_date: date | None = None
    session_date: date | None = None
    starts_at: time | None = None
    ends_at: time | None = None
    note: str = Field(default="", max_length=200)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    __table_args__ = (
        # A regular session is cancelled or moved once; two sessions never start at the same moment.
        sa.UniqueConstraint("project_id", "original_date", name="uq_session_change_project_original"),
        sa.UniqueConstraint("project_id", "session_date", "starts_at", name="uq_session_change_project_slot"),
        sa.CheckConstraint(
            "(kind = 'cancelled' AND original_date IS NOT NULL AND session_date IS NULL)"
            " OR (kind = 'moved' AND original_date IS NOT NULL AND session_date IS NOT NULL AND starts_at IS NOT NULL)"
            " OR (kind = 'added' AND original_date IS NULL AND session_date IS NOT NULL AND starts_at IS NOT NULL)",
            name="ck_session_change_shape",
        ),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ck_session_change_ends_after_start"),
    )

    @property
    def kind_label(self) -> str:
        return SessionChangeKind(self.kind).label
