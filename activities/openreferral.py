"""Open Referral UK 3.0 (HSDS-UK-3.0) shapes: organisations, services, locations and schedules.

Ids are stable UUIDs (uuid5 of the app's own ids), so they never change between exports.
Fields the app has no value for are left out rather than sent as null (the schema types forbid null).
"""

from __future__ import annotations

import uuid
from datetime import date, time
from functools import lru_cache
from typing import Any

from activities.search import ActivityRow
from creative_minds.formatting import format_date, format_time
from creative_minds.pagination import page_count
from creative_minds.timeutil import today
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
    SessionChangeKind,
)
from projects.sessions import first_session

VERSION = "HSDS-UK-3.0"
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
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


def _day(day: date) -> str:
    return f"{day:%A} {format_date(day)}"


def _session_changes(row: ActivityRow, service_id: str, changes: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    """Single-session changes from today on, in the terms the UK profile's schedule allows.

    The profile's schedule has no EXDATE (nor count/until): it keeps RRULE parts, valid_from/valid_to,
    opens_at/closes_at, description, notes and schedule_link. So a cancelled session is said in the
    regular schedule's `notes` ("Not running on ..."); an extra session is a schedule of its own,
    valid from and to its one date (dtstart the same day, freq WEEKLY on its weekday, so it matches
    exactly one date); a moved session is both: a note on the regular schedule, and a one-date
    schedule on its new day. A regular schedule with such notes links (schedule_link) to the
    activity page, which lists each session.
    """
    now = today()
    notes: list[str] = []
    extra: list[dict[str, Any]] = []
    for change in sorted(changes, key=lambda c: (c.session_date or c.original_date, c.starts_at or time.min, c.id)):
        reason = f" ({change.note})" if change.note else ""
        if change.kind == SessionChangeKind.CANCELLED:
            if change.original_date >= now:
                notes.append(f"Not running on {_day(change.original_date)}{reason}.")
            continue
        if change.session_date < now:
            continue
        if change.kind == SessionChangeKind.MOVED:
            notes.append(
                f"The session on {_day(change.original_date)} moves to {_day(change.session_date)}, "
                f"{format_time(change.starts_at)}{reason}."
            )
            what = f"Moved from {_day(change.original_date)}"
        else:
            what = "Extra session"
        on = change.session_date.isoformat()
        one: dict[str, Any] = {
            "id": stable_id("schedule", f"{row.id}:session:{change.id}"),
            "service_id": service_id,
            "valid_from": on,
            "valid_to": on,
            "dtstart": on,
            "freq": "WEEKLY",
            "interval": 1,
            "byday": WEEKDAY_CODES[change.session_date.weekday()],
            "opens_at": change.starts_at.strftime("%H:%M:%S"),
            "description": f"{what}: {_day(change.session_date)}, {format_time(change.starts_at)}"
            + (f" to {format_time(change.ends_at)}" if change.ends_at else "")
            + reason,
        }
        if change.ends_at:
            one["closes_at"] = change.ends_at.strftime("%H:%M:%S")
        extra.append(one)
    return " ".join(notes), extra


def schedules(row: ActivityRow, service_id: str, changes: list[Any], *, base_url: str) -> list[dict[str, Any]]:
    """The regular schedule (with cancellations and moves in its notes) and one per extra or moved session."""
    notes, extra = _session_changes(row, service_id, changes)
    regular = _schedule(row, service_id)
    if regular is not None and notes:
        regular["notes"] = notes
        regular["schedule_link"] = f"{base_url}/activities/{row.id}"
    return ([regular] if regular else []) + extra


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
    row: ActivityRow,
    *,
    base_url: str,
    age_groups: list[str],
    website: str | None = None,
    nested: bool = True,
    changes: list[Any] | None = None,
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
    data["schedules"] = schedules(row, service_id, changes or [], base_url=base_url)
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
