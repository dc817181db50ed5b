"""A realistic fictional network for demonstrations: partners, projects and people in every role.

Everything here is invented. Places are real towns; postcodes are real districts with made-up
inward codes; coordinates sit close to the district centre, so inside the locality.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import time, timedelta

from sqlmodel import Session, func, select

from creative_minds.accounts.models import Role, User
from creative_minds.geo import centroid
from creative_minds.localities import Locality
from creative_minds.passwords import hash_password
from creative_minds.timeutil import today, utcnow
from partners.models import AgreementStatus, BankAccountStatus, Partner, PartnerKind, PartnerStatus
from projects.models import (
    AgeGroup,
    Category,
    ConditionFocus,
    Frequency,
    Project,
    ProjectAgeGroup,
    ProjectCategory,
    ProjectChampion,
    ProjectStatus,
    Weekday,
)

DEMO_PASSWORD = "creative-minds-demo"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    note: str


# Towns of each locality, with the postcode districts they sit in.
TOWNS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "barnsley": [
        ("Barnsley", ("S70", "S71", "S75")),
        ("Penistone", ("S36",)),
        ("Hoyland", ("S74",)),
        ("Wombwell", ("S73",)),
        ("Cudworth", ("S72",)),
        ("Royston", ("S71",)),
        ("Goldthorpe", ("S63",)),
    ],
    "calderdale": [
        ("Halifax", ("HX1", "HX2", "HX3")),
        ("Brighouse", ("HD6",)),
        ("Elland", ("HX5",)),
        ("Sowerby Bridge", ("HX6",)),
        ("Hebden Bridge", ("HX7",)),
        ("Todmorden", ("OL14",)),
        ("Ripponden", ("HX6",)),
    ],
    "kirklees": [
        ("Huddersfield", ("HD1", "HD2", "HD3", "HD4", "HD5")),
        ("Dewsbury", ("WF12", "WF13")),
        ("Batley", ("WF17",)),
        ("Holmfirth", ("HD9",)),
        ("Mirfield", ("WF14",)),
        ("Heckmondwike", ("WF16",)),
        ("Marsden", ("HD7",)),
        ("Cleckheaton", ("BD19",)),
    ],
    "wakefield": [
        ("Wakefield", ("WF1", "WF2")),
        ("Pontefract", ("WF8",)),
        ("Castleford", ("WF10",)),
        ("Ossett", ("WF5",)),
        ("Normanton", ("WF6",)),
        ("Featherstone", ("WF7",)),
        ("Knottingley", ("WF11",)),
        ("Horbury", ("WF4",)),
    ],
}

GROUP_THEMES = [
    ("Arts Collective", PartnerKind.ARTS_ORGANISATION, [Category.ARTS_CRAFTS, Category.POTTERY]),
    ("Community Choir", PartnerKind.COMMUNITY_GROUP, [Category.MUSIC_SINGING]),
    ("Walking Football Club", PartnerKind.SPORTS_CLUB, [Category.FOOTBALL]),
    ("Town AFC Foundation", PartnerKind.CHARITY, [Category.FOOTBALL, Category.OTHER_SPORT]),
    ("Poetry Café", PartnerKind.PEER_LED_GROUP, [Category.WRITING_POETRY, Category.SOCIAL_CAFE]),
    ("Knit and Natter", PartnerKind.PEER_LED_GROUP, [Category.KNITTING_SEWING, Category.SOCIAL_CAFE]),
    ("Climbing Centre", PartnerKind.SOCIAL_ENTERPRISE, [Category.CLIMBING_OUTDOORS]),
    ("Sailing Club", PartnerKind.SPORTS_CLUB, [Category.WATER_SPORTS]),
    ("Community Allotments", PartnerKind.CHARITY, [Category.GARDENING_NATURE]),
    ("Film Club", PartnerKind.CIC, [Category.FILM_PHOTOGRAPHY]),
    ("Memory Café", PartnerKind.CHARITY, [Category.MEMORY_GROUP, Category.MUSIC_SINGING]),
    ("Ramblers", PartnerKind.COMMUNITY_GROUP, [Category.WALKING, Category.GARDENING_NATURE]),
    ("Methodist Church", PartnerKind.FAITH_GROUP, [Category.SOCIAL_CAFE, Category.COOKING]),
    ("Library Service", PartnerKind.COUNCIL_SERVICE, [Category.WRITING_POETRY, Category.DIGITAL, Category.HERITAGE]),
    ("Theatre Company", PartnerKind.ARTS_ORGANISATION, [Category.DRAMA_DANCE]),
    ("Museum Friends", PartnerKind.CHARITY, [Category.HERITAGE, Category.ARTS_CRAFTS]),
    ("Cookery School", PartnerKind.CIC, [Category.COOKING]),
    ("Boxing Club", PartnerKind.SPORTS_CLUB, [Category.OTHER_SPORT]),
    ("Men's Shed", PartnerKind.PEER_LED_GROUP, [Category.ARTS_CRAFTS, Category.SOCIAL_CAFE]),
    ("Gaming Group", PartnerKind.PEER_LED_GROUP, [Category.DIGITAL]),
]

ACTIVITY_TITLES: dict[Category, list[str]] = {
    Category.ARTS_CRAFTS: ["Open Art Studio", "Drawing for Wellbeing", "Collage and Colour", "Craft Club"],
    Category.MUSIC_SINGING: ["Singing for Health", "Ukulele Group", "Drumming Circle", "Open Mic Night"],
    Category.WRITING_POETRY: ["Poetry Workshop", "Creative Writing Circle", "Life Stories Group"],
    Category.FILM_PHOTOGRAPHY: ["Phone Photography Walks", "Short Film Makers", "Film and Chat"],
    Category.DRAMA_DANCE: ["Drama for Confidence", "Dance for All", "Improvisation Club"],
    Category.POTTERY: ["Pottery Wheel Sessions", "Clay and Calm"],
    Category.KNITTING_SEWING: ["Knit and Natter", "Sewing Bee", "Crochet Corner"],
    Category.GARDENING_NATURE: ["Green Gym", "Allotment Growers", "Nature Connection Walks"],
    Category.WALKING: ["Wellbeing Walks", "Canal Strolls", "Hill Walkers"],
    Category.FOOTBALL: ["Walking Football", "Football for Wellbeing", "Five-a-side League"],
    Category.OTHER_SPORT: ["Boxing Fitness", "Table Tennis Club", "Chair Yoga", "Badminton Drop-in"],
    Category.CLIMBING_OUTDOORS: ["Bouldering Beginners", "Climbing Together"],
    Category.WATER_SPORTS: ["Sailing Taster Days", "Paddleboard Club"],
    Category.COOKING: ["Cook and Eat", "Budget Cookery", "Community Kitchen"],
    Category.HERITAGE: ["Local History Group", "Museum Makers"],
    Category.MEMORY_GROUP: ["Memory Café", "Singing Memories", "Reminiscence Group"],
    Category.SOCIAL_CAFE: ["Arts Café", "Friendship Café", "Peer Support Café"],
    Category.DIGITAL: ["Digital Skills Drop-in", "Board and Video Games Night"],
}

STREETS = [
    "Market Street",
    "Church Lane",
    "Station Road",
    "Victoria Road",
    "Park Avenue",
    "Mill Lane",
    "High Street",
    "Queen Street",
    "Northgate",
    "Westgate",
    "Bridge Street",
    "Canal Side",
]
VENUES = [
    "Community Centre",
    "Library",
    "Church Hall",
    "Sports Ground",
    "Arts Centre",
    "Leisure Centre",
    "Community Garden",
    "Town Hall",
    "Cricket Club",
    "Youth Centre",
]
FIRST_NAMES = [
    "Asha",
    "Ben",
    "Carys",
    "Dev",
    "Ellie",
    "Faisal",
    "Grace",
    "Harry",
    "Imran",
    "Jess",
    "Kieran",
    "Leanne",
    "Mo",
    "Nadia",
    "Owen",
    "Priya",
    "Rob",
    "Sadia",
    "Tom",
    "Una",
    "Vic",
    "Wes",
    "Yasmin",
    "Zak",
]
LAST_NAMES = [
    "Ahmed",
    "Brook",
    "Clarke",
    "Dyson",
    "Evans",
    "Firth",
    "Greenwood",
    "Haigh",
    "Iqbal",
    "Jagger",
    "Kaur",
    "Lister",
    "Mitchell",
    "Naylor",
    "Oldroyd",
    "Patel",
    "Quarmby",
    "Rhodes",
    "Sykes",
    "Taylor",
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _inward(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _slug(text: str) -> str:
    return "".join(c for c in text.lower().replace(" ", "-") if c.isalnum() or c == "-").strip("-")


def has_data(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(Partner)).one() > 0


def load_demo(session: Session, *, partners: int = 130, projects: int = 1100, seed: int = 2026) -> list[DemoLogin]:
    """Fill an empty database with a fictional network. Returns the demo logins."""
    rng = random.Random(seed)
    localities = {loc.slug: loc for loc in session.exec(select(Locality))}
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: every demo account shares the password
    logins: list[DemoLogin] = []

    def add_user(email: str, name: str, role: Role, note: str, **extra: object) -> User:
        user = User(email=email, full_name=name, password_hash=password_hash, role=role.value, **extra)
        session.add(user)
        logins.append(DemoLogin(email, role.label, note))
        return user

    coordinator = add_user("coordinator@example.org", "Chris Coordinator", Role.COORDINATOR, "runs the network")
    for slug, loc in localities.items():
        add_user(
            f"member.{slug}@example.org",
            f"{loc.name} Collective Member",
            Role.COLLECTIVE_MEMBER,
            f"member of the {loc.name} collective",
            locality_id=loc.id,
        )
    champions = [
        add_user(
            f"champion{i + 1}@example.org",
            _person(rng),
            Role.CHAMPION,
            "staff or volunteer champion",
            locality_id=list(localities.values())[i % 4].id,
        )
        for i in range(8)
    ]
    add_user("reporter@example.org", "Robin Reporter", Role.REPORTER, "Community Reporter")
    session.flush()

    # Partners ------------------------------------------------------------------------------
    partner_rows: list[tuple[Partner, str, tuple[str, ...], list[Category]]] = []
    slugs = list(localities)
    used_names: set[str] = set()
    now = utcnow()
    for i in range(partners):
        slug = slugs[i % 4]
        town, outcodes = rng.choice(TOWNS[slug])
        theme, kind, categories = GROUP_THEMES[i % len(GROUP_THEMES)]
        name = f"{town} {theme}"
        if name in used_names:
            name = f"{name} {rng.choice(['North', 'South', 'East', 'West', 'Central', 'Valley'])}"
        if name in used_names:
            name = f"{name} {i}"
        used_names.add(name)
        outcode = rng.choice(outcodes)
        agreement = rng.choices(list(AgreementStatus), weights=[2, 3, 6])[0]
        status = PartnerStatus.APPROVED if i >= 6 else PartnerStatus.AWAITING_APPROVAL
        partner = Partner(
            name=name,
            kind=kind.value,
            status=status.value,
            description=f"{name} is a {kind.value.replace('_', ' ')} in {town} offering "
            f"{', '.join(c.value.replace('_', ' ') for c in categories)} for local people.",
            charity_number=str(rng.randint(1_000_000, 1_199_999)) if kind == PartnerKind.CHARITY else None,
            company_number=f"{rng.randint(1, 15_999_999):08d}"
            if kind in (PartnerKind.CIC, PartnerKind.SOCIAL_ENTERPRISE)
            else None,
            contact_name=_person(rng),
            contact_email=f"hello@{_slug(name)}.example.org",
            contact_phone=f"01{rng.randint(200, 999)} {rng.randint(100000, 999999)}",
            address=f"{rng.randint(1, 220)} {rng.choice(STREETS)}, {town}",
            postcode=f"{outcode} {_inward(rng)}",
            website=f"https://{_slug(name)}.example.org",
            agreement_status=agreement.value,
            agreement_signed_on=today() - timedelta(days=rng.randint(30, 900))
            if agreement == AgreementStatus.SIGNED
            else None,
            safeguarding_review_due_on=today() + timedelta(days=rng.randint(-60, 700)),
            insurance_expires_on=today() + timedelta(days=rng.randint(-30, 365)),
            mh_friendly_accredited=rng.random() < 0.4,
            mhfa_trained_staff=rng.randint(0, 8),
            has_constitution=kind == PartnerKind.PEER_LED_GROUP and rng.random() < 0.7,
            bank_account_status=rng.choice(list(BankAccountStatus)).value
            if kind == PartnerKind.PEER_LED_GROUP
            else BankAccountStatus.NONE.value,
            approved_at=now if status == PartnerStatus.APPROVED else None,
            approved_by_id=coordinator.id if status == PartnerStatus.APPROVED else None,
        )
        served = [localities[slug]]
        if rng.random() < 0.15:
            served.append(localities[rng.choice([s for s in slugs if s != slug])])
        partner.localities = served
        session.add(partner)
        partner_rows.append((partner, town, outcodes, categories))
    session.flush()

    # Peer-led groups are hosted by an approved partner in the same locality where possible.
    hosts = [p for p, *_ in partner_rows if p.kind != PartnerKind.PEER_LED_GROUP and p.status == PartnerStatus.APPROVED]
    for partner, *_ in partner_rows:
        if partner.kind == PartnerKind.PEER_LED_GROUP and rng.random() < 0.8:
            partner.host_partner_id = rng.choice(hosts).id

    # Partner users: one for a handful of partners, named so they are easy to find.
    for index, (partner, *_rest) in enumerate(partner_rows[:12]):
        email = "group@example.org" if index == 6 else f"partner{index + 1}@example.org"
        note = f"partner user of {partner.name}" + (
            " (awaiting approval)" if partner.status != PartnerStatus.APPROVED else ""
        )
        add_user(email, partner.contact_name, Role.PARTNER, note, partner_id=partner.id)
    session.flush()

    # Projects ------------------------------------------------------------------------------
    statuses = list(ProjectStatus)
    weights = [6, 10, 8, 60, 10, 3, 3]
    for j in range(projects):
        partner, town, outcodes, categories = partner_rows[j % len(partner_rows)]
        slug = partner.localities[0].slug if j % 7 else partner.localities[-1].slug
        if slug != partner.localities[0].slug:
            town, outcodes = rng.choice(TOWNS[slug])
        outcode = rng.choice(outcodes)
        lat, lon = centroid(outcode) or (localities[slug].latitude, localities[slug].longitude)
        category = rng.choice(categories)
        extra = rng.choice(list(Category)) if rng.random() < 0.25 else None
        title = f"{rng.choice(ACTIVITY_TITLES[category])} – {town}"
        project_status = (
            rng.choices(statuses, weights=weights)[0]
            if partner.status == PartnerStatus.APPROVED
            else ProjectStatus.DRAFT
        )
        total = rng.randint(5, 150) * 10_000
        match = int(total * rng.uniform(0.2, 0.6)) // 100 * 100
        start_hour = rng.choice([9, 10, 10, 11, 13, 14, 18, 19])
        start_date = today() - timedelta(days=rng.randint(-60, 400))
        if category == Category.MEMORY_GROUP:
            focus = ConditionFocus.DEMENTIA
        else:
            focus = rng.choices(list(ConditionFocus), weights=[80, 3, 5, 5, 2, 3, 2])[0]
        project = Project(
            partner_id=partner.id,
            locality_id=localities[slug].id,
            title=title,
            description=f"A friendly {category.value.replace('_', ' ')} session in {town}. "
            "No experience needed; come along, try it and meet people.",
            status=project_status.value,
            condition_focus=focus.value,
            venue_name=f"{town} {rng.choice(VENUES)}",
            venue_address=f"{rng.randint(1, 200)} {rng.choice(STREETS)}, {town}",
            postcode=f"{outcode} {_inward(rng)}",
            latitude=round(lat + rng.uniform(-0.006, 0.006), 5),
            longitude=round(lon + rng.uniform(-0.009, 0.009), 5),
            day_of_week=rng.choice(list(Weekday)).value,
            starts_at=time(start_hour, rng.choice([0, 0, 30])),
            ends_at=time(start_hour + 2, 0),
            frequency=rng.choices(list(Frequency), weights=[70, 15, 12, 3])[0].value,
            start_date=start_date,
            end_date=start_date + timedelta(days=rng.choice([84, 182, 365])),
            capacity=rng.choice([12, 15, 15, 20, 20, 25, 30, 100]),
            wheelchair_accessible=rng.random() < 0.6,
            accessibility_notes=rng.choice(
                [
                    "",
                    "Quiet room available.",
                    "You can bring a supporter.",
                    "Hearing loop in the main hall.",
                    "Step-free entrance at the side door.",
                ]
            ),
            peer_led=partner.kind == PartnerKind.PEER_LED_GROUP,
            cost_to_attend_pence=rng.choice([0, 0, 0, 0, 150, 200, 300]),
            contact_name=partner.contact_name,
            contact_email=partner.contact_email,
            total_cost_pence=total,
            match_pence=match,
            requested_pence=total - match,
            created_at=now,
            updated_at=now,
            status_changed_at=now - timedelta(days=rng.randint(0, 60)),
        )
        project.category_links = [ProjectCategory(category=category.value)] + (  # type: ignore[call-arg]
            [ProjectCategory(category=extra.value)] if extra and extra != category else []  # type: ignore[call-arg]
        )
        if focus == ConditionFocus.CAMHS:
            project.age_group_links = [ProjectAgeGroup(age_group=AgeGroup.YOUNG_PEOPLE.value)]  # type: ignore[call-arg]
        elif rng.random() < 0.3:
            project.age_group_links = [ProjectAgeGroup(age_group=rng.choice(list(AgeGroup)).value)]  # type: ignore[call-arg]
        if rng.random() < 0.3:
            project.champion_links = [ProjectChampion(user_id=rng.choice(champions).id)]  # type: ignore[call-arg]
        session.add(project)
    session.flush()

    from collectives.demo import load as load_collectives

    for email, role, note in load_collectives(session, coordinator=coordinator, password_hash=password_hash, rng=rng):
        logins.append(DemoLogin(email, role, note))

    from stories.demo import load as load_stories

    reporter = session.exec(select(User).where(User.email == "reporter@example.org")).one()
    load_stories(session, reporter=reporter, coordinator=coordinator, rng=rng)

    from obligations.demo import load as load_obligations

    load_obligations(session, coordinator=coordinator)

    from connections.demo import load as load_connections

    group = session.exec(select(User).where(User.email == "group@example.org")).first()
    load_connections(session, champions=champions, group_partner_id=group.partner_id if group else None, rng=rng)

    from projects.demo import load as load_session_changes

    load_session_changes(session, group_partner_id=group.partner_id if group else None, rng=rng)
    return logins
