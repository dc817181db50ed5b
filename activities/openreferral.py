"""Open Referral UK 3.0 (HSDS-UK-3.0) shapes: organisations, services, locations and schedules.

Ids are stable UUIDs (uuid5 of the app's own ids), so they never change between exports.
Fields the app has no value for are left out rather than sent as null (the schema types forbid null).
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from activities.ical import first_session
from activities.search import ActivityRow
from creative_minds.formatting import format_time
from creative_minds.pagination import page_count
from projects import wording
from projects.models import (
    AGE_GROUP_LABELS,
    AGE_RANGES,
    CATEGORY_LABELS,
    CONDITION_LABELS,
    AgeGroup,
    Category,
    ConditionFocus,
    Frequency,
)

VERSION = "HSDS-UK-3.0"
PROFILE = "https://github.com/OpenReferralUK/uk-profile"
NAMESPACE = uuid.UUID("6f1c6a52-52d4-4a7e-9a43-1a1b0c2d3e4f")  # this app's own namespace for uuid5 ids
COUNTY = {
    "barnsley": "South Yorkshire",
    "calderdale": "West Yorkshire",
    "kirklees": "West Yorkshire",
    "wakefield": "West Yorkshire",
}
TAXONOMIES = {
    "category": ("Creative Minds activity categories", "What kind of activity it is."),
    "audience": ("Creative Minds audiences", "Who the activity is for."),
    "locality": ("Creative Minds localities", "The locality whose collective looks after it."),
}


@lru_cache(maxsize=65_536)
def stable_id(kind: str, key: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"creative-minds:{kind}:{key}"))


def _term(taxonomy: str, code: str, name: str) -> dict[str, Any]:
    title, _description = TAXONOMIES[taxonomy]
    return {
        "id": stable_id(f"term:{taxonomy}", code),
        "name": name,
        "description": f"{title}: {name}",
        "taxonomy_id": stable_id("taxonomy", taxonomy),
        "term": code,
    }


def _attribute(service_id: str, term: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": stable_id("attribute", f"{service_id}:{term['id']}"),
        "link_id": service_id,
        "link_type": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }


def organization(
    partner_id: int, name: str, description: str, email: str | None = None, website: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": stable_id("organization", partner_id),
        "name": name,
        "description": description or name,
    }
    if email:
        data["email"] = email
    if website:
        data["website"] = website
    return data


def _schedule(row: ActivityRow, service_id: str) -> dict[str, Any] | None:
    if not row.day_of_week:
        return None
    first = first_session(row)
    data: dict[str, Any] = {"id": stable_id("schedule", row.id), "service_id": service_id}
    if row.frequency == Frequency.MONTHLY and first is not None:
        data.update(freq="MONTHLY", interval=1, byday=f"{(first.day - 1) // 7 + 1}{row.day_of_week}")
    elif row.frequency == Frequency.ONE_OFF:
        data.update(freq="WEEKLY", interval=1, byday=row.day_of_week)
        if first is not None:
            data["valid_to"] = first.isoformat()
    else:
        data.update(freq="WEEKLY", interval=2 if row.frequency == Frequency.FORTNIGHTLY else 1, byday=row.day_of_week)
    if first is not None:
        data["dtstart"] = first.isoformat()
    if row.start_date:
        data["valid_from"] = row.start_date.isoformat()
    if row.end_date and "valid_to" not in data:
        data["valid_to"] = row.end_date.isoformat()
    if row.starts_at:
        data["opens_at"] = row.starts_at.strftime("%H:%M:%S")
    if row.ends_at:
        data["closes_at"] = row.ends_at.strftime("%H:%M:%S")
    when = f"{row.day_label}s" + (f", {format_time(row.starts_at)}" if row.starts_at else "")
    data["description"] = f"{row.frequency_label}: {when}"
    return data


def _location(row: ActivityRow, service_id: str) -> dict[str, Any]:
    location_id = stable_id("location", row.id)
    parts = [p.strip() for p in row.venue_address.split(",") if p.strip()]
    address_1 = parts[0] if parts else (row.venue_name or row.postcode)
    city = parts[-1] if len(parts) > 1 else row.locality_name
    location: dict[str, Any] = {
        "id": location_id,
        "location_type": "physical",
        "name": row.venue_name or row.title,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "addresses": [
            {
                "id": stable_id("address", row.id),
                "location_id": location_id,
                "address_1": address_1,
                "city": city,
                "state_province": COUNTY.get(row.locality_slug, "England"),
                "postal_code": row.postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ],
    }
    if access := wording.access(row):
        location["accessibility"] = [
            {"id": stable_id("accessibility", row.id), "location_id": location_id, "description": access}
        ]
    return {
        "id": stable_id("service_at_location", row.id),
        "service_id": service_id,
        "location_id": location_id,
        "location": location,
    }


def service(
    row: ActivityRow, *, base_url: str, age_groups: list[str], website: str | None = None, nested: bool = True
) -> dict[str, Any]:
    service_id = stable_id("service", row.id)
    data: dict[str, Any] = {
        "id": service_id,
        "organization_id": stable_id("organization", row.partner_id),
        "name": row.title,
        "description": row.description or row.title,
        "url": f"{base_url}/activities/{row.id}",
        "status": "active",
        "last_modified": row.updated_at.replace(microsecond=0).isoformat() + "Z",
    }
    if row.contact_email:
        data["email"] = row.contact_email
    ranges = [AGE_RANGES[AgeGroup(a)] for a in age_groups]
    if ranges:
        data["minimum_age"] = min(low for low, _ in ranges)
        highs = [high for _, high in ranges]
        if None not in highs:
            data["maximum_age"] = max(h for h in highs if h is not None)
    if not nested:
        return data
    cost: dict[str, Any] = {
        "id": stable_id("cost_option", row.id),
        "service_id": service_id,
        "option": "Per session",
        "amount": row.cost_to_attend_pence / 100,
    }
    cost["amount_description"] = row.cost_notes or ("Free" if row.is_free else "Per session")
    data["cost_options"] = [cost]
    schedule = _schedule(row, service_id)
    data["schedules"] = [schedule] if schedule else []
    data["service_at_locations"] = [_location(row, service_id)]
    contact_name = row.contact_name or row.partner_contact_name
    data["contacts"] = (
        [{"id": stable_id("contact", row.id), "service_id": service_id, "name": contact_name}] if contact_name else []
    )
    terms = [_term("category", c, CATEGORY_LABELS[Category(c)]) for c in row.categories]
    terms += [_term("audience", a, AGE_GROUP_LABELS[AgeGroup(a)]) for a in age_groups]
    if row.condition_focus != ConditionFocus.OPEN_TO_ALL:
        terms.append(_term("audience", row.condition_focus, CONDITION_LABELS[ConditionFocus(row.condition_focus)]))
    terms.append(_term("locality", row.locality_slug, row.locality_name))
    data["attributes"] = [_attribute(service_id, term) for term in terms]
    data["organization"] = organization(row.partner_id, row.partner_name, "", row.partner_contact_email, website)
    return data


def page(contents: list[dict[str, Any]], *, total: int, number: int, size: int) -> dict[str, Any]:
    pages = page_count(total, size)
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": size,
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": not contents,
        "contents": contents,
    }
