"""Running activities at known places."""

from __future__ import annotations

from datetime import time

import pytest

from creative_minds.accounts.models import Role
from projects.models import ProjectStatus
from tests.utils import locality_id, make_partner, make_project, make_user

# (title, postcode, lat, lon, locality, extra fields)
PLACES = [
    (
        "Huddersfield Walking Football",
        "HD1 2AB",
        53.6458,
        -1.7850,
        "kirklees",
        {
            "categories": ["football"],
            "day_of_week": "TU",
            "starts_at": "10:00",
            "ends_at": "12:00",
            "wheelchair_accessible": True,
        },
    ),
    (
        "Holmfirth Knit and Natter",
        "HD9 7AB",
        53.5700,
        -1.7870,
        "kirklees",
        {
            "categories": ["knitting_sewing"],
            "day_of_week": "WE",
            "starts_at": "14:00",
            "ends_at": "16:00",
            "cost_to_attend_pence": 200,
        },
    ),
    (
        "Halifax Choir",
        "HX1 1AA",
        53.7210,
        -1.8720,
        "calderdale",
        {
            "categories": ["music_singing"],
            "day_of_week": "TH",
            "starts_at": "19:00",
            "ends_at": "21:00",
            "peer_led": True,
        },
    ),
    (
        "Wakefield Memory Cafe",
        "WF1 1AA",
        53.6833,
        -1.4977,
        "wakefield",
        {
            "categories": ["memory_group"],
            "day_of_week": "FR",
            "starts_at": "10:30",
            "ends_at": "12:00",
            "condition_focus": "dementia",
            "age_groups": ["older_people"],
        },
    ),
    (
        "Barnsley Youth Climbing",
        "S70 2TA",
        53.5526,
        -1.4797,
        "barnsley",
        {
            "categories": ["climbing_outdoors"],
            "day_of_week": "SA",
            "starts_at": "13:00",
            "ends_at": "15:00",
            "age_groups": ["young_people"],
        },
    ),
]


@pytest.fixture
def activities(db):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator, name="Activity Partner")
    made = {}
    for title, postcode, lat, lon, slug, extra in PLACES:
        project = make_project(
            db,
            partner,
            coordinator,
            title=title,
            postcode=postcode,
            latitude=lat,
            longitude=lon,
            locality_id=locality_id(db, slug),
            **extra,
        )
        project.status = ProjectStatus.ACTIVE.value
        made[title] = project
    draft = make_project(
        db, partner, coordinator, title="Secret Draft", postcode="HD1 2AB", latitude=53.6458, longitude=-1.7850
    )
    made["Secret Draft"] = draft
    db.commit()
    return made


__all__ = ["PLACES", "Role", "time"]
