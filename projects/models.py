"""Projects, their categories, audiences, schedule, champions and status lifecycle."""

from datetime import date, datetime, time
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models  # noqa: F401  (relationship targets must be mapped too)
import creative_minds.localities  # noqa: F401
import partners.models  # noqa: F401
from creative_minds.timeutil import utcnow


class ProjectStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    FUNDED = "funded"
    ACTIVE = "active"
    COMPLETED = "completed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    ProjectStatus.DRAFT: "Draft",
    ProjectStatus.SUBMITTED: "Submitted",
    ProjectStatus.FUNDED: "Funded",
    ProjectStatus.ACTIVE: "Running",
    ProjectStatus.COMPLETED: "Completed",
    ProjectStatus.DECLINED: "Declined",
    ProjectStatus.WITHDRAWN: "Withdrawn",
}

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


class Category(StrEnum):
    ARTS_CRAFTS = "arts_crafts"
    MUSIC_SINGING = "music_singing"
    WRITING_POETRY = "writing_poetry"
    FILM_PHOTOGRAPHY = "film_photography"
    DRAMA_DANCE = "drama_dance"
    POTTERY = "pottery"
    KNITTING_SEWING = "knitting_sewing"
    GARDENING_NATURE = "gardening_nature"
    WALKING = "walking"
    FOOTBALL = "football"
    OTHER_SPORT = "other_sport"
    CLIMBING_OUTDOORS = "climbing_outdoors"
    WATER_SPORTS = "water_sports"
    COOKING = "cooking"
    HERITAGE = "heritage"
    MEMORY_GROUP = "memory_group"
    SOCIAL_CAFE = "social_cafe"
    DIGITAL = "digital"


CATEGORY_LABELS = {
    Category.ARTS_CRAFTS: "Art and crafts",
    Category.MUSIC_SINGING: "Music and singing",
    Category.WRITING_POETRY: "Writing and poetry",
    Category.FILM_PHOTOGRAPHY: "Film and photography",
    Category.DRAMA_DANCE: "Drama and dance",
    Category.POTTERY: "Pottery",
    Category.KNITTING_SEWING: "Knitting and sewing",
    Category.GARDENING_NATURE: "Gardening and nature",
    Category.WALKING: "Walking",
    Category.FOOTBALL: "Football and walking football",
    Category.OTHER_SPORT: "Other sport and fitness",
    Category.CLIMBING_OUTDOORS: "Climbing and outdoors",
    Category.WATER_SPORTS: "Sailing and water sports",
    Category.COOKING: "Cooking and food",
    Category.HERITAGE: "Heritage and history",
    Category.MEMORY_GROUP: "Memory group",
    Category.SOCIAL_CAFE: "Social and cafe",
    Category.DIGITAL: "Digital skills and gaming",
}


class AgeGroup(StrEnum):
    CHILDREN = "children"
    YOUNG_PEOPLE = "young_people"
    ADULTS = "adults"
    OLDER_PEOPLE = "older_people"


AGE_GROUP_LABELS = {
    AgeGroup.CHILDREN: "Children (under 12)",
    AgeGroup.YOUNG_PEOPLE: "Young people (12 to 25)",
    AgeGroup.ADULTS: "Adults (18 to 64)",
    AgeGroup.OLDER_PEOPLE: "Older people (65 and over)",
}

AGE_RANGES = {  # (minimum, maximum) age, used by exports
    AgeGroup.CHILDREN: (0, 11),
    AgeGroup.YOUNG_PEOPLE: (12, 25),
    AgeGroup.ADULTS: (18, 64),
    AgeGroup.OLDER_PEOPLE: (65, None),
}


class ConditionFocus(StrEnum):
    OPEN_TO_ALL = "open_to_all"
    DEMENTIA = "dementia"
    CAMHS = "camhs"
    LEARNING_DISABILITY = "learning_disability"
    FORENSIC = "forensic"
    CARERS = "carers"
    PSYCHOSIS = "psychosis"


CONDITION_LABELS = {
    ConditionFocus.OPEN_TO_ALL: "Open to everyone",
    ConditionFocus.DEMENTIA: "People living with dementia",
    ConditionFocus.CAMHS: "Young people waiting for CAMHS",
    ConditionFocus.LEARNING_DISABILITY: "People with a learning disability",
    ConditionFocus.FORENSIC: "Forensic services",
    ConditionFocus.CARERS: "Carers",
    ConditionFocus.PSYCHOSIS: "People with experience of psychosis",
}


class Weekday(StrEnum):
    MON = "MO"
    TUE = "TU"
    WED = "WE"
    THU = "TH"
    FRI = "FR"
    SAT = "SA"
    SUN = "SU"


WEEKDAY_LABELS = {
    Weekday.MON: "Monday",
    Weekday.TUE: "Tuesday",
    Weekday.WED: "Wednesday",
    Weekday.THU: "Thursday",
    Weekday.FRI: "Friday",
    Weekday.SAT: "Saturday",
    Weekday.SUN: "Sunday",
}


class Frequency(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    ONE_OFF = "one_off"


FREQUENCY_LABELS = {
    Frequency.WEEKLY: "Every week",
    Frequency.FORTNIGHTLY: "Every two weeks",
    Frequency.MONTHLY: "Once a month",
    Frequency.ONE_OFF: "One-off event",
}


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
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

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
