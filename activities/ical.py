"""iCalendar feeds: one activity, or every activity in a search.

`calendar_for` builds a feed with the icalendar library.

Single sessions changed on the activity (projects/sessions.py) follow RFC 5545: a cancelled session
is an EXDATE of the recurring event, a moved one an event of the same UID with a RECURRENCE-ID (the
session it replaces), and an extra session an event of its own. For a feed of thousands of activities
that takes seconds (icalendar adds and folds each property one character at a time), so
`fast_calendar` writes the same bytes directly: the calendar's header and time zone still come from
icalendar, and a test checks that both give identical feeds.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from creative_minds.formatting import format_date
from projects import wording
from projects.models import Frequency, SessionChangeKind
from projects.sessions import first_session

LONDON = ZoneInfo("Europe/London")
__all__ = ["first_session"]  # (where the one rule for the first session used to live)


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


def _in_series(project: Any, first: date | None, change: Any) -> bool:
    """A cancelled or moved session the recurring event itself holds (from its first session on)."""
    return (
        first is not None
        and project.starts_at is not None
        and change.original_date is not None
        and change.original_date >= first
    )


def _change_note(change: Any) -> str:
    if change.kind == SessionChangeKind.MOVED:
        text = f"Moved from {change.original_date:%A} {format_date(change.original_date)}"
    else:
        text = "Extra session"
    return text + (f": {change.note}." if change.note else ".")


def _change_uid(project: Any, change: Any, first: date | None) -> str:
    if change.kind == SessionChangeKind.MOVED and _in_series(project, first, change):
        return f"activity-{project.id}@creative-minds"
    return f"activity-{project.id}-session-{change.id}@creative-minds"


def _change_times(change: Any) -> tuple[datetime, datetime]:
    start = datetime.combine(change.session_date, change.starts_at)
    end = datetime.combine(change.session_date, change.ends_at) if change.ends_at else start + timedelta(hours=2)
    return start, end


def _shown(changes: Any) -> list[Any]:
    """Moved and extra sessions, in date and time order."""
    return sorted(
        (c for c in changes if c.session_date is not None),
        key=lambda c: (c.session_date, c.starts_at, c.id),
    )


def _exdates(project: Any, first: date | None, changes: Any) -> list[datetime]:
    return sorted(
        datetime.combine(c.original_date, project.starts_at)
        for c in changes
        if c.kind == SessionChangeKind.CANCELLED and _in_series(project, first, c)
    )


def events_for(project: Any, base_url: str, changes: Any = ()) -> list[Event]:
    """The activity's recurring event (cancelled sessions as EXDATEs), then its moved and extra sessions."""
    first = first_session(project)
    found = []
    if first is not None and project.starts_at is not None:
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
        if exdates := _exdates(project, first, changes):
            event.add("exdate", [moment.replace(tzinfo=LONDON) for moment in exdates])
        event.add("location", _where(project))
        event.add("geo", (project.latitude, project.longitude))
        event.add("description", _description(project))
        event.add("url", f"{base_url}/activities/{project.id}")
        found.append(event)
    for change in _shown(changes):
        start, end = _change_times(change)
        event = Event()
        event.add("uid", _change_uid(project, change, first))
        event.add("dtstamp", change.created_at.replace(microsecond=0, tzinfo=UTC))
        event.add("summary", project.title)
        event.add("dtstart", start.replace(tzinfo=LONDON))
        event.add("dtend", end.replace(tzinfo=LONDON))
        if change.kind == SessionChangeKind.MOVED and _in_series(project, first, change):
            event.add("recurrence-id", datetime.combine(change.original_date, project.starts_at, tzinfo=LONDON))
        event.add("location", _where(project))
        event.add("geo", (project.latitude, project.longitude))
        event.add("description", _change_note(change) + "\n" + _description(project))
        event.add("url", f"{base_url}/activities/{project.id}")
        found.append(event)
    return found


def calendar_for(
    projects: list[Any], *, name: str, base_url: str, changes: dict[int, list[Any]] | None = None
) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Creative Minds network//Activities//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")
    for project in projects:
        for event in events_for(project, base_url, (changes or {}).get(project.id, ())):
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


def _event_lines(project: Any, base_url: str, changes: Any = ()) -> str | None:
    first = first_session(project)
    events = []
    where = [
        f"GEO:{project.latitude};{project.longitude}",
        "LOCATION:" + _text(_where(project)),
        f"URL:{base_url}/activities/{project.id}",
        "END:VEVENT",
    ]
    if first is not None and project.starts_at is not None:
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
        if exdates := _exdates(project, first, changes):
            lines.append("EXDATE;TZID=Europe/London:" + ",".join(_local(moment) for moment in exdates))
        lines += ["DESCRIPTION:" + _text(_description(project)), *where]
        events.append("\r\n".join([_fold(line) for line in lines]))
    for change in _shown(changes):
        start, end = _change_times(change)
        lines = [
            "BEGIN:VEVENT",
            "SUMMARY:" + _text(project.title),
            f"DTSTART;TZID=Europe/London:{_local(start)}",
            f"DTEND;TZID=Europe/London:{_local(end)}",
            "DTSTAMP:" + _local(change.created_at.replace(microsecond=0)) + "Z",
            "UID:" + _change_uid(project, change, first),
        ]
        if change.kind == SessionChangeKind.MOVED and _in_series(project, first, change):
            original = datetime.combine(change.original_date, project.starts_at)
            lines.append(f"RECURRENCE-ID;TZID=Europe/London:{_local(original)}")
        lines += ["DESCRIPTION:" + _text(_change_note(change) + "\n" + _description(project)), *where]
        events.append("\r\n".join([_fold(line) for line in lines]))
    return "\r\n".join(events) if events else None


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


def fast_calendar(
    projects: list[Any], *, name: str, base_url: str, changes: dict[int, list[Any]] | None = None
) -> bytes:
    """The same bytes as `calendar_for`, written directly (thousands of activities in a fraction of a second)."""
    kept = changes or {}
    return calendar_from_events(
        [event_piece(p, base_url=base_url, changes=kept.get(p.id, ())) for p in projects], name=name
    )


def event_piece(project: Any, *, base_url: str, changes: Any = ()) -> bytes:
    """One activity's VEVENTs as bytes (with its moved and extra sessions); empty when nothing has a time yet."""
    text = _event_lines(project, base_url, changes)
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
