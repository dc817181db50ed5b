"""Single sessions through the pages: the running partner and coordinators change them, others get
403; bad input is a clear 4xx with nothing saved; and every public view tells the same truth.

Dates are worked out from today: the activity meets on Tuesdays, 10am to 12pm, from the first
Tuesday at least a week away (T0). The partner cancels T0 + 7 days ("bank holiday"), moves
T0 + 14 days to the Wednesday after (2pm to 4pm), and adds the Monday T0 + 20 days.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import Session, func, select

from activities.openreferral import stable_id
from creative_minds.accounts.models import Role
from creative_minds.cache import data_version
from creative_minds.timeutil import today
from projects.models import SessionChange
from tests.activities.test_openreferral import validator
from tests.utils import field_error, login, make_partner, make_project, make_user, post_form

LONDON = ZoneInfo("Europe/London")
T0 = today() + timedelta(days=7 + (1 - today().weekday()) % 7)  # a Tuesday, 7 to 13 days away
CANCELLED, MOVED, MOVED_TO, EXTRA = T0 + timedelta(7), T0 + timedelta(14), T0 + timedelta(15), T0 + timedelta(20)


def long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@pytest.fixture
def running(db):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator)
    owner = make_user(db, Role.PARTNER, partner_id=partner.id)
    other_group = make_partner(db, coordinator, name="Another Group")
    other = make_user(db, Role.PARTNER, partner_id=other_group.id)
    project = make_project(db, partner, coordinator, title="Tuesday Walking Football", start_date=T0.isoformat())
    project.status = "active"
    db.commit()
    return {"project": project, "owner": owner, "coordinator": coordinator, "other": other, "db": db}


def changes(db) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(SessionChange)).one()


def url(project, tail: str = "") -> str:
    return f"/projects/{project.id}/sessions{tail}"


def make_the_three_changes(client, project) -> None:
    assert (
        post_form(
            client, url(project, "/cancel"), {"cancel_on": CANCELLED.isoformat(), "cancel_note": "bank holiday"}
        ).status_code
        == 303
    )
    moved = {
        "move_on": MOVED.isoformat(),
        "move_to": MOVED_TO.isoformat(),
        "move_starts_at": "14:00",
        "move_ends_at": "16:00",
        "move_note": "hall booked",
    }
    assert post_form(client, url(project, "/move"), moved).status_code == 303
    extra = {
        "add_on": EXTRA.isoformat(),
        "add_starts_at": "10:00",
        "add_ends_at": "12:00",
        "add_note": "Bank holiday special",
    }
    assert post_form(client, url(project, "/add"), extra).status_code == 303


class TestWhoMay:
    def test_the_running_partner_changes_sessions(self, client, running):
        project = running["project"]
        login(client, running["owner"].email)
        page = client.get(url(project))
        assert page.status_code == 200 and "Cancel a session" in page.text
        assert "Cancel, move or add sessions" in client.get(f"/projects/{project.id}").text
        response = post_form(
            client, url(project, "/cancel"), {"cancel_on": CANCELLED.isoformat(), "cancel_note": "bank holiday"}
        )
        assert response.status_code == 303 and response.headers["location"] == url(project)
        shown = client.get(url(project)).text
        assert f"Saved: the session on {long(CANCELLED)} is cancelled." in shown
        assert f"{long(CANCELLED)}, 10am to 12pm: <strong>cancelled (bank holiday)</strong>" in shown

    def test_coordinators_may_and_everyone_else_is_refused(self, client, running, db):
        project = running["project"]
        champion = make_user(db, Role.CHAMPION)
        data = {"add_on": EXTRA.isoformat(), "add_starts_at": "10:00", "add_ends_at": "12:00"}
        for user in (running["other"], champion):
            client.cookies.clear()
            login(client, user.email)
            assert client.get(url(project)).status_code == 403
            assert post_form(client, url(project, "/add"), data).status_code == 403
        assert changes(db) == 0
        client.cookies.clear()
        assert client.get(url(project), follow_redirects=False).headers["location"].startswith("/login")
        login(client, running["coordinator"].email)
        assert post_form(client, url(project, "/add"), data).status_code == 303
        assert changes(db) == 1

    def test_an_unknown_action_or_change_is_404(self, client, running, db):
        project = running["project"]
        login(client, running["owner"].email)
        assert post_form(client, url(project, "/delete"), {}).status_code == 404
        assert post_form(client, url(project, "/999/undo"), {}).status_code == 404


class TestBadInput:
    def test_clear_messages_and_nothing_saved(self, client, running, db):
        project = running["project"]
        login(client, running["owner"].email)
        wednesday = T0 + timedelta(days=8)
        response = post_form(client, url(project, "/cancel"), {"cancel_on": wednesday.isoformat(), "cancel_note": "x"})
        assert response.status_code == 422
        assert field_error(response.text, "cancel_on") == (
            f"{long(wednesday)} is not a session day: the activity meets Tuesday, 10am to 12pm, every week."
        )
        assert 'value="x"' in response.text  # what was typed stays
        past = today() - timedelta(days=1)
        response = post_form(client, url(project, "/move"), {"move_on": MOVED.isoformat(), "move_to": past.isoformat()})
        assert response.status_code == 422
        assert (
            field_error(response.text, "move_to")
            == f"{long(past)} has passed. A session can only move to today or a later day."
        )
        response = post_form(
            client,
            url(project, "/add"),
            {"add_on": EXTRA.isoformat(), "add_starts_at": "12:00", "add_ends_at": "11:00"},
        )
        assert response.status_code == 422
        assert field_error(response.text, "add_ends_at") == "The session must end after it starts."
        response = post_form(
            client, url(project, "/add"), {"add_on": "not a date", "add_starts_at": "10:00", "add_ends_at": "11:00"}
        )
        assert response.status_code == 422 and field_error(response.text, "add_on")
        assert changes(db) == 0

    def test_double_submit_makes_one_record_and_a_clash_is_409(self, client, running, db):
        project = running["project"]
        login(client, running["owner"].email)
        data = {"cancel_on": CANCELLED.isoformat(), "cancel_note": "bank holiday"}
        assert post_form(client, url(project, "/cancel"), data).status_code == 303
        assert post_form(client, url(project, "/cancel"), data).status_code == 303
        assert changes(db) == 1
        response = post_form(client, url(project, "/cancel"), {**data, "cancel_note": "other"})
        assert response.status_code == 409
        assert f"The session on {long(CANCELLED)} is already cancelled." in response.text
        assert changes(db) == 1

    def test_a_change_the_schedule_no_longer_has_is_pointed_out(self, client, running, db):
        project = running["project"]
        login(client, running["owner"].email)
        post_form(client, url(project, "/cancel"), {"cancel_on": CANCELLED.isoformat()})
        assert "No longer a session day" not in client.get(url(project)).text
        project.day_of_week = "WE"  # the group now meets on Wednesdays
        db.add(project)
        db.commit()
        page = client.get(url(project)).text
        assert "No longer a session day" in page
        assert f"{long(CANCELLED)}, 10am to 12pm: <strong>cancelled" not in page  # nor listed as cancelled

    def test_undo(self, client, running, db):
        project = running["project"]
        login(client, running["owner"].email)
        post_form(client, url(project, "/cancel"), {"cancel_on": CANCELLED.isoformat()})
        change = db.exec(select(SessionChange)).one()
        response = post_form(client, url(project, f"/{change.id}/undo"), {})
        assert response.status_code == 303 and changes(db) == 0
        assert f"Undone: the session on {long(CANCELLED)} is on as usual." in client.get(url(project)).text


class TestTheSameTruthEverywhere:
    def test_activity_page_sheet_finder_and_popup(self, client, running):
        project = running["project"]
        login(client, running["owner"].email)
        make_the_three_changes(client, project)
        client.cookies.clear()
        page = client.get(f"/activities/{project.id}").text
        assert f"{long(T0)}, 10am to 12pm</li>" in page
        assert f"{long(CANCELLED)}, 10am to 12pm: <strong>cancelled (bank holiday)</strong>" in page
        assert f"{long(MOVED_TO)}, 2pm to 4pm: <strong>moved from {long(MOVED)} (hall booked)</strong>" in page
        assert f"{long(EXTRA)}, 10am to 12pm: <strong>extra session (Bank holiday special)</strong>" in page
        assert f"{long(MOVED)}, 10am" not in page  # the moved session is not also listed on its old day
        assert "Cancel, move or add sessions" not in page  # not for the public
        sheet = client.get("/activities/sheet", params={"id": project.id}).text
        assert f"{long(CANCELLED)}, 10am to 12pm: <strong>cancelled (bank holiday)</strong>" in sheet
        assert f"{long(MOVED_TO)}, 2pm to 4pm: <strong>moved from" in sheet
        finder = client.get("/activities", params={"q": "tuesday walking"}).text
        short = f"{CANCELLED.day} {CANCELLED:%b}"
        assert f"Next session: {T0:%a} {T0.day} {T0:%b}, 10am to 12pm" in finder
        assert f"Cancelled on {short} (bank holiday)" in finder
        popup = client.get(f"/activities/{project.id}/popup").text
        assert f"Cancelled on {short} (bank holiday)" in popup

    def test_icalendar(self, client, running):
        project = running["project"]
        before = client.get("/activities/calendar.ics").content  # the search feed keeps each activity's event
        assert b"EXDATE" not in before
        login(client, running["owner"].email)
        make_the_three_changes(client, project)
        for feed in (client.get(f"/activities/{project.id}/calendar.ics"), client.get("/activities/calendar.ics")):
            events = Calendar.from_ical(feed.content).walk("VEVENT")
            assert len(events) == 3
            series, moved, extra = events
            assert str(series["uid"]) == str(moved["uid"]) == f"activity-{project.id}@creative-minds"
            assert series["dtstart"].dt == datetime.combine(T0, time(10), tzinfo=LONDON)
            assert [d.dt for d in series["exdate"].dts] == [datetime.combine(CANCELLED, time(10), tzinfo=LONDON)]
            assert moved["recurrence-id"].dt == datetime.combine(MOVED, time(10), tzinfo=LONDON)
            assert (moved["dtstart"].dt, moved["dtend"].dt) == (
                datetime.combine(MOVED_TO, time(14), tzinfo=LONDON),
                datetime.combine(MOVED_TO, time(16), tzinfo=LONDON),
            )
            assert str(moved["description"]).startswith(f"Moved from {long(MOVED)}: hall booked.")
            assert "rrule" not in extra and str(extra["uid"]) != str(series["uid"])
            assert extra["dtstart"].dt == datetime.combine(EXTRA, time(10), tzinfo=LONDON)
            assert str(extra["description"]).startswith("Extra session: Bank holiday special.")

    def test_open_referral(self, client, running):
        project = running["project"]
        service_id = stable_id("service", project.id)
        assert len(client.get(f"/openreferral/services/{service_id}").json()["schedules"]) == 1
        login(client, running["owner"].email)
        make_the_three_changes(client, project)
        service = client.get(f"/openreferral/services/{service_id}").json()
        errors = list(validator().iter_errors(service))
        assert not errors, [e.message for e in errors]
        regular, moved, extra = service["schedules"]
        assert regular["byday"] == "TU" and regular["schedule_link"].endswith(f"/activities/{project.id}")
        assert regular["notes"] == (
            f"Not running on {long(CANCELLED)} (bank holiday). "
            f"The session on {long(MOVED)} moves to {long(MOVED_TO)}, 2pm (hall booked)."
        )
        assert {k: moved[k] for k in ("valid_from", "valid_to", "dtstart", "byday", "opens_at", "closes_at")} == {
            "valid_from": MOVED_TO.isoformat(),
            "valid_to": MOVED_TO.isoformat(),
            "dtstart": MOVED_TO.isoformat(),
            "byday": "WE",
            "opens_at": "14:00:00",
            "closes_at": "16:00:00",
        }
        assert extra["byday"] == "MO" and extra["valid_from"] == extra["valid_to"] == EXTRA.isoformat()
        assert extra["description"] == f"Extra session: {long(EXTRA)}, 10am to 12pm (Bank holiday special)"

    def test_a_change_refreshes_the_kept_pages_and_feeds(self, client, running, engine):
        project = running["project"]
        with Session(engine) as session:
            token = data_version(session)
        kept_finder = client.get("/activities", params={"q": "tuesday walking"}).text
        kept_feed = client.get("/activities/calendar.ics").content
        assert "Cancelled on" not in kept_finder and b"EXDATE" not in kept_feed
        login(client, running["owner"].email)
        post_form(client, url(project, "/cancel"), {"cancel_on": CANCELLED.isoformat(), "cancel_note": "bank holiday"})
        with Session(engine) as session:
            assert data_version(session) not in (None, token)
        assert "Cancelled on" in client.get("/activities", params={"q": "tuesday walking"}).text
        assert b"EXDATE" in client.get("/activities/calendar.ics").content
        change = running["db"].exec(select(SessionChange)).one()
        post_form(client, url(project, f"/{change.id}/undo"), {})
        assert "Cancelled on" not in client.get("/activities", params={"q": "tuesday walking"}).text
        assert b"EXDATE" not in client.get("/activities/calendar.ics").content
