"""iCalendar feeds: one activity, or every activity in a search.

`calendar_for` builds a feed with the icalendar library. For a feed of thousands of activities
that takes seconds (icalendar adds and folds each property one character at a time), so
`fast_calendar` writes the same bytes directly: the calendar's header and time zone still come from
icalendar, and a test checks that both give identical feeds.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from creative_minds.timeutil import today
from projects import wording
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
        until = datetime.combine(
            project.end_date, project.ends_at or project.starts_at or datetime.min.time(), tzinfo=LONDON
        )
        rule["UNTIL"] = until.astimezone(ZoneInfo("UTC"))
    return vRecur(rule)


UTC = ZoneInfo("UTC")


def _stamp(project: Any) -> datetime:
    """DTSTAMP: when the activity's details were last revised (RFC 5545 for a published calendar)."""
    return project.updated_at.replace(microsecond=0, tzinfo=UTC)


def _description(project: Any) -> str:
    partner = getattr(project, "partner_name", None) or project.partner.name
    lines = [project.description, f"Run by {partner}.", f"Cost: {wording.cost(project)}."]
    if access := wording.access(project):
        lines.append(f"Access: {access}")
    contact = project.contact_phone or project.contact_email
    if contact:
        lines.append(f"Contact: {contact}")
    return "\n".join(line for line in lines if line)


def _where(project: Any) -> str:
    return ", ".join(x for x in (project.venue_name, project.venue_address, project.postcode) if x)


def event_for(project: Any, base_url: str) -> Event | None:
    first = first_session(project)
    if first is None or project.starts_at is None:
        return None  # no time to put in a calendar yet
    start = datetime.combine(first, project.starts_at, tzinfo=LONDON)
    end = datetime.combine(first, project.ends_at, tzinfo=LONDON) if project.ends_at else start + timedelta(hours=2)
    event = Event()
    event.add("uid", f"activity-{project.id}@creative-minds")
    event.add("dtstamp", _stamp(project))
    event.add("summary", project.title)
    event.add("dtstart", start)
    event.add("dtend", end)
    rule = recurrence(project, first)
    if rule is not None:
        event.add("rrule", rule)
    event.add("location", _where(project))
    event.add("geo", (project.latitude, project.longitude))
    event.add("description", _description(project))
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


# The same feed, written directly --------------------------------------------------------------


def _text(value: str) -> str:
    """RFC 5545 TEXT escaping, as icalendar does it."""
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets as icalendar does: at most 74 octets a piece, never inside a
    character, and never right after a backslash or caret (an escape stays whole on the next piece)."""
    if line.isascii():
        if len(line) <= 74:
            return line
        pieces = []
        start = 0
        while len(line) - start > 74:
            end = start + 74
            if line[end - 1] in "\\^":
                end -= 1
            pieces.append(line[start:end])
            start = end
        pieces.append(line[start:])
        return "\r\n ".join(pieces)
    data = line.encode()
    if len(data) <= 74:
        return line
    parts = []
    begin = 0
    while len(data) - begin > 74:
        cut = begin + 74
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            cut -= 1
        if data[cut - 1] in b"\\^":
            cut -= 1
        parts.append(data[begin:cut].decode())
        begin = cut
    parts.append(data[begin:].decode())
    return "\r\n ".join(parts)


def _local(moment: datetime) -> str:
    return moment.isoformat().replace("-", "").replace(":", "")


def _rrule(project: Any, first: date) -> str | None:
    if project.frequency == Frequency.ONE_OFF:
        return None
    if project.frequency in (Frequency.WEEKLY, Frequency.FORTNIGHTLY):
        parts = ["FREQ=WEEKLY"]
        byday = project.day_of_week
    else:
        parts = ["FREQ=MONTHLY"]
        byday = f"{(first.day - 1) // 7 + 1}{project.day_of_week}"
    if project.end_date:
        until = datetime.combine(
            project.end_date, project.ends_at or project.starts_at or datetime.min.time(), tzinfo=LONDON
        )
        parts.append("UNTIL=" + _local(until.astimezone(UTC).replace(tzinfo=None)) + "Z")
    if project.frequency == Frequency.FORTNIGHTLY:
        parts.append("INTERVAL=2")
    parts.append(f"BYDAY={byday}")
    return ";".join(parts)


def _event_lines(project: Any, base_url: str) -> str | None:
    first = first_session(project)
    if first is None or project.starts_at is None:
        return None
    start = datetime.combine(first, project.starts_at)
    end = datetime.combine(first, project.ends_at) if project.ends_at else start + timedelta(hours=2)
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _text(project.title),
        f"DTSTART;TZID=Europe/London:{_local(start)}",
        f"DTEND;TZID=Europe/London:{_local(end)}",
        "DTSTAMP:" + _local(project.updated_at.replace(microsecond=0)) + "Z",
        f"UID:activity-{project.id}@creative-minds",
    ]
    rule = _rrule(project, first)
    if rule is not None:
        lines.append("RRULE:" + rule)
    lines += [
        "DESCRIPTION:" + _text(_description(project)),
        f"GEO:{project.latitude};{project.longitude}",
        "LOCATION:" + _text(_where(project)),
        f"URL:{base_url}/activities/{project.id}",
        "END:VEVENT",
    ]
    return "\r\n".join([_fold(line) for line in lines])


def _frame(name: str, with_zone: bool) -> tuple[bytes, bytes]:
    """The calendar's opening (header, and the London time zone if any event needs it) and closing, from icalendar."""
    cal = Calendar()
    cal.add("prodid", "-//Creative Minds network//Activities//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")
    if with_zone:
        marker = Event()
        marker.add("uid", "frame")
        marker.add("dtstart", datetime(2027, 1, 1, tzinfo=LONDON))
        cal.add_component(marker)
        cal.add_missing_timezones()
    data = cal.to_ical()
    if with_zone:
        head = data[: data.index(b"BEGIN:VEVENT")]
    else:
        head = data[: data.index(b"END:VCALENDAR")]
    return head, b"END:VCALENDAR\r\n"


_ZONE_FRAME: dict[str, tuple[bytes, bytes]] = {}


def fast_calendar(projects: list[Any], *, name: str, base_url: str) -> bytes:
    """The same bytes as `calendar_for`, written directly (thousands of activities in a fraction of a second)."""
    return calendar_from_events([event_piece(p, base_url=base_url) for p in projects], name=name)


def event_piece(project: Any, *, base_url: str) -> bytes:
    """One activity's VEVENT as bytes; empty when it has no time to put in a calendar yet."""
    text = _event_lines(project, base_url)
    return text.encode() if text is not None else b""


def calendar_from_events(pieces: list[bytes], *, name: str) -> bytes:
    """The calendar around the events (`event_piece`s; empty ones are left out)."""
    events = [piece for piece in pieces if piece]
    if name not in _ZONE_FRAME or not events:
        frame = _frame(name, bool(events))
        if not events:
            return frame[0] + frame[1]
        if len(_ZONE_FRAME) > 64:
            _ZONE_FRAME.clear()
        _ZONE_FRAME[name] = frame
    head, tail = _ZONE_FRAME[name]
    return head + b"\r\n".join(events) + b"\r\n" + tail


class FeedRow(NamedTuple):
    """What an event needs, read straight from the database (`ics_columns()`), lighter than a row object."""

    id: int
    title: str
    description: str
    partner_name: str
    day_of_week: str | None
    starts_at: time | None
    ends_at: time | None
    frequency: str
    start_date: date | None
    end_date: date | None
    venue_name: str
    venue_address: str
    postcode: str
    latitude: float
    longitude: float
    cost_to_attend_pence: int
    wheelchair_accessible: bool
    accessibility_notes: str
    contact_phone: str
    contact_email: str
    updated_at: datetime


def ics_columns() -> tuple[Any, ...]:
    from partners.models import Partner
    from projects.models import Project

    return (
        Project.id,
        Project.title,
        Project.description,
        Partner.name,
        Project.day_of_week,
        Project.starts_at,
        Project.ends_at,
        Project.frequency,
        Project.start_date,
        Project.end_date,
        Project.venue_name,
        Project.venue_address,
        Project.postcode,
        Project.latitude,
        Project.longitude,
        Project.cost_to_attend_pence,
        Project.wheelchair_accessible,
        Project.accessibility_notes,
        Project.contact_phone,
        Project.contact_email,
        Project.updated_at,
    )
