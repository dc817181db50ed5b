"""Single sessions: cancelled, moved and extra sessions, worked out by hand.

The activity: weekly on Tuesdays, 10am to 12pm, from Tuesday 5 January 2027, so its January
sessions are the 5th, 12th, 19th and 26th. Monday 31 May 2027 is the spring bank holiday.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlmodel import select

from creative_minds.accounts.models import Role
from creative_minds.exceptions import Conflict, Invalid
from creative_minds.forms import validate
from projects import sessions
from projects.forms import AddSessionInput, CancelSessionInput, MoveSessionInput
from projects.models import SessionChange
from tests.utils import make_partner, make_project, make_user

BEFORE = date(2026, 12, 1)  # "today" for most tests: before the first session


@pytest.fixture
def tuesdays(db):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator)
    owner = make_user(db, Role.PARTNER, partner_id=partner.id)
    project = make_project(db, partner, coordinator, start_date="2027-01-05")
    return project, owner


def cancel(db, project, owner, on, note="", today=BEFORE):
    return sessions.cancel_session(db, project, CancelSessionInput(on=on, note=note), by=owner, today=today)


def move(db, project, owner, on, to, starts=None, ends=None, note="", today=BEFORE):
    data = MoveSessionInput(on=on, to=to, starts_at=starts, ends_at=ends, note=note)
    return sessions.move_session(db, project, data, by=owner, today=today)


def add(db, project, owner, on, starts, ends, note="", today=BEFORE):
    data = AddSessionInput(on=on, starts_at=starts, ends_at=ends, note=note)
    return sessions.add_session(db, project, data, by=owner, today=today)


class TestRegularDates:
    def test_weekly_fortnightly_and_monthly(self, tuesdays, db):
        project, _ = tuesdays
        january = list(sessions.regular_dates(project, date(2027, 1, 1), date(2027, 1, 31)))
        assert january == [date(2027, 1, 5), date(2027, 1, 12), date(2027, 1, 19), date(2027, 1, 26)]
        project.frequency = "fortnightly"
        assert list(sessions.regular_dates(project, date(2027, 1, 6), date(2027, 2, 10))) == [
            date(2027, 1, 19),
            date(2027, 2, 2),
        ]
        project.frequency, project.start_date = "monthly", date(2027, 1, 12)  # the 2nd Tuesday of each month
        assert list(sessions.regular_dates(project, date(2027, 1, 1), date(2027, 3, 31))) == [
            date(2027, 1, 12),
            date(2027, 2, 9),
            date(2027, 3, 9),
        ]
        project.frequency, project.end_date = "weekly", date(2027, 1, 20)
        assert list(sessions.regular_dates(project, date(2027, 1, 1), date(2027, 12, 31))) == [
            date(2027, 1, 12),
            date(2027, 1, 19),
        ]


class TestChanges:
    def test_cancel_move_and_add_a_bank_holiday(self, tuesdays, db):
        project, owner = tuesdays
        cancel(db, project, owner, date(2027, 1, 12), "staff training")
        move(db, project, owner, date(2027, 1, 19), date(2027, 1, 20), time(14), time(16), "hall booked")
        add(db, project, owner, date(2027, 5, 31), time(10), time(12), "Bank holiday special")
        db.commit()
        changes = sessions.list_changes(db, project.id)
        shown = [o.text for o in sessions.upcoming(project, changes, count=4, today=BEFORE)]
        assert shown == [
            "Tuesday 5 January 2027, 10am to 12pm",
            "Tuesday 12 January 2027, 10am to 12pm: cancelled (staff training)",
            "Wednesday 20 January 2027, 2pm to 4pm: moved from Tuesday 19 January 2027 (hall booked)",
            "Tuesday 26 January 2027, 10am to 12pm",
        ]
        may = sessions.sessions_between(project, changes, date(2027, 5, 24), date(2027, 6, 1))
        assert [o.text for o in may] == [
            "Tuesday 25 May 2027, 10am to 12pm",
            "Monday 31 May 2027, 10am to 12pm: extra session (Bank holiday special)",
            "Tuesday 1 June 2027, 10am to 12pm",
        ]
        # The finder, on Wednesday 6 January: the 12th is off, the 19th moved to the 20th.
        seen = sessions.outlook(project, changes, today=date(2027, 1, 6))
        assert seen.next is not None and seen.next.on == date(2027, 1, 20)
        assert seen.next_text == "Wed 20 Jan, 2pm to 4pm (moved)"
        assert seen.cancelled_text == "Cancelled on 12 Jan (staff training)"
        # On the day after the bank holiday's week began, the extra Monday is next.
        assert (
            sessions.outlook(project, changes, today=date(2027, 5, 26)).next_text
            == "Mon 31 May, 10am to 12pm (extra session)"
        )

    def test_a_move_keeps_the_usual_times_when_none_are_given(self, tuesdays, db):
        project, owner = tuesdays
        change = move(db, project, owner, date(2027, 1, 19), date(2027, 1, 21))
        assert (change.starts_at, change.ends_at) == (time(10), time(12))
        # The same day, a longer session: the session being moved does not clash with itself.
        later = move(db, project, owner, date(2027, 1, 26), date(2027, 1, 26), time(10), time(13))
        assert (later.session_date, later.ends_at) == (date(2027, 1, 26), time(13))
        with pytest.raises(Invalid) as unchanged:
            move(db, project, owner, date(2027, 2, 2), date(2027, 2, 2))
        assert unchanged.value.errors["to"] == "That is the session's usual day and time: change the day or the time."
        with pytest.raises(Conflict) as onto_another:  # onto the next regular session's day and time
            move(db, project, owner, date(2027, 2, 2), date(2027, 2, 9))
        assert onto_another.value.message == "There is already a session on Tuesday 9 February 2027 at 10am."

    def test_not_a_session_day(self, tuesdays, db):
        project, owner = tuesdays
        with pytest.raises(Invalid) as wednesday:
            cancel(db, project, owner, date(2027, 1, 13))
        assert wednesday.value.errors["on"] == (
            "Wednesday 13 January 2027 is not a session day: the activity meets Tuesday, 10am to 12pm, every week."
        )
        with pytest.raises(Invalid) as too_early:
            cancel(db, project, owner, date(2026, 12, 29))
        assert too_early.value.errors["on"].endswith("every week, from 5 January 2027.")
        assert db.exec(select(SessionChange)).all() == []

    def test_past_dates(self, tuesdays, db):
        project, owner = tuesdays
        with pytest.raises(Invalid) as cancelled:
            cancel(db, project, owner, date(2027, 1, 5), today=date(2027, 1, 6))
        assert cancelled.value.errors["on"] == "Tuesday 5 January 2027 has passed. Choose a session from today on."
        with pytest.raises(Invalid) as moved:
            move(db, project, owner, date(2027, 1, 12), date(2027, 1, 4), today=date(2027, 1, 6))
        assert moved.value.errors["to"].startswith("Monday 4 January 2027 has passed.")
        with pytest.raises(Invalid):
            add(db, project, owner, date(2027, 1, 4), time(10), time(12), today=date(2027, 1, 6))

    def test_end_before_start(self, tuesdays, db):
        with pytest.raises(Invalid) as extra:
            validate(AddSessionInput, {"on": "2027-05-31", "starts_at": "14:00", "ends_at": "13:00"})
        assert extra.value.errors == {"ends_at": "The session must end after it starts."}
        with pytest.raises(Invalid) as moved:
            validate(
                MoveSessionInput, {"on": "2027-01-19", "to": "2027-01-20", "starts_at": "14:00", "ends_at": "14:00"}
            )
        assert moved.value.errors == {"ends_at": "The session must end after it starts."}
        with pytest.raises(Invalid) as blank:
            validate(CancelSessionInput, {"note": "x"})
        assert "on" in blank.value.errors

    def test_duplicates(self, tuesdays, db):
        project, owner = tuesdays
        first = cancel(db, project, owner, date(2027, 1, 12), "bank holiday")
        again = cancel(db, project, owner, date(2027, 1, 12), "bank holiday")  # the same form sent twice
        assert again.id == first.id
        with pytest.raises(Conflict) as other_reason:
            cancel(db, project, owner, date(2027, 1, 12), "another reason")
        assert "already cancelled" in other_reason.value.message
        with pytest.raises(Conflict) as moving_it:
            move(db, project, owner, date(2027, 1, 12), date(2027, 1, 13))
        assert "already cancelled" in moving_it.value.message
        extra = add(db, project, owner, date(2027, 5, 31), time(10), time(12), "Bank holiday special")
        assert add(db, project, owner, date(2027, 5, 31), time(10), time(12), "Bank holiday special").id == extra.id
        with pytest.raises(Conflict) as clash:
            add(db, project, owner, date(2027, 5, 31), time(10), time(11), "Other")
        assert clash.value.message == "There is already a session on Monday 31 May 2027 at 10am."
        with pytest.raises(Conflict):  # a regular session already starts then
            add(db, project, owner, date(2027, 1, 26), time(10), time(11))
        # ...but the cancelled 12th's slot is free for an extra session
        add(db, project, owner, date(2027, 1, 12), time(10), time(11), "Short session instead")
        db.commit()
        assert len(db.exec(select(SessionChange)).all()) == 3

    def test_undo_brings_the_session_back(self, tuesdays, db):
        project, owner = tuesdays
        change = cancel(db, project, owner, date(2027, 1, 12))
        sessions.undo_change(db, project, change.id, by=owner)
        db.commit()
        days = [
            o.text for o in sessions.upcoming(project, sessions.list_changes(db, project.id), count=2, today=BEFORE)
        ]
        assert days == ["Tuesday 5 January 2027, 10am to 12pm", "Tuesday 12 January 2027, 10am to 12pm"]

    def test_no_regular_day(self, tuesdays, db):
        project, owner = tuesdays
        project.day_of_week = None
        with pytest.raises(Invalid) as refused:
            cancel(db, project, owner, date(2027, 1, 12))
        assert "no regular day" in refused.value.message
        add(db, project, owner, date(2027, 2, 1), time(18), time(20), "Launch evening")
        seen = sessions.outlook(project, sessions.list_changes(db, project.id), today=BEFORE)
        assert seen.next_text == "Mon 1 Feb, 6pm to 8pm (extra session)"


def test_the_same_cancellation_sent_twice_at_the_same_moment_saves_one(tuesdays, db, engine):
    from creative_minds.accounts.models import User
    from projects.models import Project
    from tests.utils import at_once

    project, owner = tuesdays

    def send(session, go) -> int:
        mine, me = session.get(Project, project.id), session.get(User, owner.id)
        go()
        return cancel(session, mine, me, date(2027, 1, 12), "bank holiday").id

    ids, errors = at_once(engine, send)
    assert errors == [] and len(ids) == 2 and ids[0] == ids[1]
    assert len(db.exec(select(SessionChange)).all()) == 1
