"""iCalendar feeds (icalendar library): one activity, or every activity in a search."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from creative_minds.money import format_pence
from creative_minds.timeutil import today, utcnow
from projects.models import Frequency, Weekday

LONDON = ZoneInfo("Europe/London")
WEEKDAY_INDEX = {d.value: i for i, d in enumerate(Weekday)}  # MO=0 ... SU=6


def first_session(project: Any, *, on_or_after: date | None = None) -> date | None:
    """The first date the activity meets, from its start date (or today) and its day of the week."""
    if project.day_of_week is None:
        return project.start_date if project.frequency == Frequency.ONE_OFF else None
    start = project.start_date or on_or_after or today()
    days_ahead = (WEEKDAY_INDEX[project.day_of_week] - start.weekday()) % 7
    return start + timedelta(days=days_ahead)


def recurrence(project: Any, first: date) -> vRecur | None:
    """RRULE in the same iCalendar terms the Open Referral UK schedules use."""
    if project.frequency == Frequency.ONE_OFF:
        return None
    rule: dict[str, object] = {}
    if project.frequency in (Frequency.WEEKLY, Frequency.FORTNIGHTLY):
        rule["FREQ"] = "WEEKLY"
        rule["BYDAY"] = project.day_of_week
        if project.frequency == Frequency.FORTNIGHTLY:
            rule["INTERVAL"] = 2
    else:  # monthly: the same weekday in the same week of each month, e.g. the 2nd Tuesday
        rule["FREQ"] = "MONTHLY"
        rule["BYDAY"] = f"{(first.day - 1) // 7 + 1}{project.day_of_week}"
    if project.end_date:
        until = datetime.combine(project.end_date, project.ends_at or project.starts_at or datetime.min.time(), tzinfo=LONDON)
        rule["UNTIL"] = until.astimezone(ZoneInfo("UTC"))
    return vRecur(rule)


def event_for(project: Any, base_url: str) -> Event | None:
    first = first_session(project)
    if first is None or project.starts_at is None:
        return None  # no time to put in a calendar yet
    start = datetime.combine(first, project.starts_at, tzinfo=LONDON)
    end = datetime.combine(first, project.ends_at, tzinfo=LONDON) if project.ends_at else start + timedelta(hours=2)
    event = Event()
    event.add("uid", f"activity-{project.id}@creative-minds")
    event.add("dtstamp", utcnow().replace(tzinfo=ZoneInfo("UTC")))
    event.add("summary", project.title)
    event.add("dtstart", start)
    event.add("dtend", end)
    rule = recurrence(project, first)
    if rule is not None:
        event.add("rrule", rule)
    where = ", ".join(x for x in (project.venue_name, project.venue_address, project.postcode) if x)
    event.add("location", where)
    event.add("geo", (project.latitude, project.longitude))
    cost = "Free" if project.is_free else f"{format_pence(project.cost_to_attend_pence)} per session"
    partner = getattr(project, "partner_name", None) or project.partner.name
    lines = [project.description, f"Run by {partner}.", f"Cost: {cost}."]
    if project.wheelchair_accessible or project.accessibility_notes:
        lines.append("Access: " + ("step-free and wheelchair accessible. " if project.wheelchair_accessible else "") + project.accessibility_notes)
    contact = project.contact_phone or project.contact_email
    if contact:
        lines.append(f"Contact: {contact}")
    event.add("description", "\n".join(line for line in lines if line))
    event.add("url", f"{base_url}/activities/{project.id}")
    return event


def calendar_for(projects: list[Any], *, name: str, base_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Creative Minds network//Activities//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")
    for project in projects:
        event = event_for(project, base_url)
        if event is not None:
            cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
