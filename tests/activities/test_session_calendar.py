"""The calendar written directly (fast_calendar) is byte for byte what icalendar builds, with
cancelled, moved and extra sessions too; and it reads back as RFC 5545 says."""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from icalendar import Calendar

from activities.ical import calendar_for, fast_calendar

LONDON = ZoneInfo("Europe/London")


def activity(**changes):
    data = dict(
        id=7,
        title="Walking, football; fun",
        description="Gentle football for all abilities.",
        partner_name="Holmfirth Group",
        day_of_week="TU",
        starts_at=time(10),
        ends_at=time(12),
        frequency="weekly",
        start_date=date(2027, 1, 5),
        end_date=None,
        venue_name="Hall",
        venue_address="1 Market Street, Holmfirth",
        postcode="HD9 7AB",
        latitude=53.57,
        longitude=-1.787,
        cost_to_attend_pence=0,
        wheelchair_accessible=True,
        accessibility_notes="",
        contact_phone="",
        contact_email="jo@example.org",
        updated_at=datetime(2026, 11, 1, 9, 30),
    )
    data.update(changes)
    return SimpleNamespace(**data)


def change(id, kind, original=None, on=None, starts=None, ends=None, note=""):
    return SimpleNamespace(
        id=id,
        kind=kind,
        original_date=original,
        session_date=on,
        starts_at=starts,
        ends_at=ends,
        note=note,
        created_at=datetime(2026, 11, 20, 8, 15, 30, 123456),
    )


CHANGES = [
    change(1, "cancelled", original=date(2027, 1, 12), note="bank holiday"),
    change(2, "cancelled", original=date(2027, 1, 26)),
    change(
        3, "moved", original=date(2027, 1, 19), on=date(2027, 1, 20), starts=time(14), ends=time(16), note="hall booked"
    ),
    change(
        4,
        "added",
        on=date(2027, 5, 31),
        starts=time(10),
        ends=time(12),
        note="Spring bank holiday special: bring a friend, café open – ✓",
    ),
    change(5, "moved", original=date(2026, 12, 29), on=date(2027, 1, 2), starts=time(11)),  # before the first session
    change(6, "cancelled", original=date(2026, 12, 22)),  # before the first session: not in the series
]


def test_fast_calendar_is_icalendar_byte_for_byte_with_changes():
    rows = [activity(), activity(id=8, starts_at=None, ends_at=None), activity(id=9, frequency="one_off")]
    changes = {7: CHANGES, 8: [change(7, "added", on=date(2027, 2, 1), starts=time(18), ends=None)], 9: CHANGES[:1]}
    built = calendar_for(rows, name="Activities", base_url="https://cm.example", changes=changes)
    assert fast_calendar(rows, name="Activities", base_url="https://cm.example", changes=changes) == built


def test_changes_read_back_as_rfc_5545_says():
    body = fast_calendar([activity()], name="One", base_url="https://cm.example", changes={7: CHANGES})
    events = Calendar.from_ical(body).walk("VEVENT")
    series, early_move, override, extra = events  # after the series, in date order: 2 Jan, 20 Jan, 31 May
    assert str(series["uid"]) == "activity-7@creative-minds"
    # Cancelled sessions from the first one on are EXDATEs at the usual start; the 22 December is not in the series.
    assert [d.dt for d in series["exdate"].dts] == [
        datetime(2027, 1, 12, 10, tzinfo=LONDON),
        datetime(2027, 1, 26, 10, tzinfo=LONDON),
    ]
    # A session moved from before the series began is an event of its own.
    assert str(early_move["uid"]) == "activity-7-session-5@creative-minds" and "recurrence-id" not in early_move
    assert early_move["dtstart"].dt == datetime(2027, 1, 2, 11, tzinfo=LONDON)
    assert early_move["dtend"].dt == datetime(2027, 1, 2, 13, tzinfo=LONDON)  # no end given: two hours
    assert str(override["uid"]) == "activity-7@creative-minds"
    assert override["recurrence-id"].dt == datetime(2027, 1, 19, 10, tzinfo=LONDON)
    assert override["dtstart"].dt == datetime(2027, 1, 20, 14, tzinfo=LONDON)
    assert str(extra["uid"]) == "activity-7-session-4@creative-minds"
    assert str(extra["description"]).startswith(
        "Extra session: Spring bank holiday special: bring a friend, café open – ✓.\n"
    )
    assert extra["dtstamp"].dt == datetime(2026, 11, 20, 8, 15, 30, tzinfo=ZoneInfo("UTC"))
