"""Single sessions: an activity's regular dates, and the changes to them (cancelled, moved, added).

`sessions_between` is the one place that says which sessions happen: the activity page, the
printable sheet, the finder, the iCalendar feeds and the Open Referral UK schedules all read it (or,
for the feeds, the same changes), so they tell the same truth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from creative_minds.accounts.models import User
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.db import MAX_ID
from creative_minds.exceptions import Conflict, Invalid, NotFound
from creative_minds.formatting import format_date, format_time
from creative_minds.timeutil import today as _today
from projects import wording
from projects.forms import AddSessionInput, CancelSessionInput, MoveSessionInput
from projects.models import Frequency, Project, SessionChange, SessionChangeKind, Weekday

WEEKDAY_INDEX = {d.value: i for i, d in enumerate(Weekday)}  # MO=0 ... SU=6
UPCOMING = 8  # sessions listed on the activity page and the printable sheet
NOTICE_DAYS = 28  # the finder mentions cancellations this far ahead
LOOK_AHEAD_DAYS = 400  # the next session is looked for this far ahead (a monthly 5th weekday can skip months)


def first_session(project: Any, *, on_or_after: date | None = None) -> date | None:
    """The first date the activity meets, from its start date (or today) and its day of the week."""
    if project.day_of_week is None:
        return project.start_date if project.frequency == Frequency.ONE_OFF else None
    start = project.start_date or on_or_after or _today()
    days_ahead = (WEEKDAY_INDEX[project.day_of_week] - start.weekday()) % 7
    return start + timedelta(days=days_ahead)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


def regular_dates(project: Any, start: date, end: date) -> Iterator[date]:
    """The regular sessions' dates from `start` to `end` (both included), by the schedule alone: the
    same dates as the calendar feed's RRULE (weekly, every two weeks from the first session, or the
    same weekday in the same week of each month), from the first session to the end date."""
    first = first_session(project)
    if first is None:
        return
    last = min(end, project.end_date) if project.end_date else end
    if project.frequency == Frequency.ONE_OFF or project.day_of_week is None:
        if start <= first <= last:
            yield first
        return
    if project.frequency in (Frequency.WEEKLY, Frequency.FORTNIGHTLY):
        step = 14 if project.frequency == Frequency.FORTNIGHTLY else 7
        day = first
        if start > first:
            day = first + timedelta(days=-(-(start - first).days // step) * step)
        while day <= last:
            yield day
            day += timedelta(days=step)
        return
    nth, weekday = (first.day - 1) // 7 + 1, WEEKDAY_INDEX[project.day_of_week]
    year, month = max(first, start).year, max(first, start).month
    while date(year, month, 1) <= last:
        nth_day = _nth_weekday(year, month, weekday, nth)
        if nth_day is not None and first <= nth_day and start <= nth_day <= last:
            yield nth_day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def is_session_day(project: Any, day: date) -> bool:
    return any(True for _ in regular_dates(project, day, day))


@dataclass(frozen=True)
class Occurrence:
    """One session as people see it: on as usual, cancelled, moved here from another day, or extra."""

    on: date
    starts_at: time | None
    ends_at: time | None
    status: str  # "regular", or a SessionChangeKind value
    note: str = ""
    moved_from: date | None = None
    change_id: int | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == SessionChangeKind.CANCELLED

    @property
    def day_text(self) -> str:
        return f"{self.on:%A} {format_date(self.on)}"

    @property
    def time_text(self) -> str:
        if self.starts_at is None:
            return ""
        return format_time(self.starts_at) + (f" to {format_time(self.ends_at)}" if self.ends_at else "")

    @property
    def when_text(self) -> str:
        """'Tuesday 12 January 2027, 10am to 12pm'."""
        return ", ".join(part for part in (self.day_text, self.time_text) if part)

    @property
    def change_text(self) -> str:
        """What changed, in plain words ('' for a session on as usual)."""
        note = f" ({self.note})" if self.note else ""
        if self.status == SessionChangeKind.CANCELLED:
            return f"cancelled{note}"
        if self.status == SessionChangeKind.MOVED and self.moved_from is not None:
            return f"moved from {self.moved_from:%A} {format_date(self.moved_from)}{note}"
        if self.status == SessionChangeKind.ADDED:
            return f"extra session{note}"
        return ""

    @property
    def text(self) -> str:
        """'Tuesday 12 January 2027, 10am to 12pm: cancelled (bank holiday)'."""
        return self.when_text + (f": {self.change_text}" if self.change_text else "")


def sessions_between(project: Any, changes: Iterable[Any], start: date, end: date) -> list[Occurrence]:
    """Every session from `start` to `end`, in date and time order: the regular ones (cancelled ones
    kept, marked), moved ones on their new day, and extra ones."""
    by_original = {c.original_date: c for c in changes if c.original_date is not None}
    found: list[Occurrence] = []
    for day in regular_dates(project, start, end):
        change = by_original.get(day)
        if change is None:
            found.append(Occurrence(day, project.starts_at, project.ends_at, "regular"))
        elif change.kind == SessionChangeKind.CANCELLED:
            found.append(Occurrence(day, project.starts_at, project.ends_at, change.kind, change.note, None, change.id))
    for change in changes:
        if change.session_date is not None and start <= change.session_date <= end:
            found.append(
                Occurrence(
                    change.session_date,
                    change.starts_at,
                    change.ends_at,
                    change.kind,
                    change.note,
                    change.original_date,
                    change.id,
                )
            )
    found.sort(key=lambda o: (o.on, o.starts_at or time.min))
    return found


def upcoming(
    project: Any, changes: Iterable[Any], *, count: int = UPCOMING, today: date | None = None
) -> list[Occurrence]:
    """The next `count` sessions from today, cancelled ones included (and marked)."""
    start = today or _today()
    return sessions_between(project, list(changes), start, start + timedelta(days=LOOK_AHEAD_DAYS))[:count]


@dataclass(frozen=True)
class Outlook:
    """What the finder says: the next session that happens, and cancellations in the next four weeks."""

    next: Occurrence | None
    cancelled: list[Occurrence]

    @property
    def next_text(self) -> str:
        if self.next is None:
            return ""
        extra = {SessionChangeKind.MOVED: " (moved)", SessionChangeKind.ADDED: " (extra session)"}
        when = ", ".join(part for part in (short_day(self.next.on), self.next.time_text) if part)
        return when + extra.get(self.next.status, "")  # type: ignore[call-overload]

    @property
    def cancelled_text(self) -> str:
        """'Cancelled on 25 Dec (Christmas Day)' and on further days, in one line."""
        if not self.cancelled:
            return ""
        parts = [f"{o.on.day} {o.on:%b}" + (f" ({o.note})" if o.note else "") for o in self.cancelled]
        return "Cancelled on " + ", ".join(parts)


def short_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def outlook(project: Any, changes: Iterable[Any], *, today: date | None = None) -> Outlook:
    start = today or _today()
    window = sessions_between(project, list(changes), start, start + timedelta(days=LOOK_AHEAD_DAYS))
    happening = next((o for o in window if not o.cancelled), None)
    notice = [o for o in window if o.cancelled and o.on <= start + timedelta(days=NOTICE_DAYS)]
    return Outlook(happening, notice)


# Reading changes -------------------------------------------------------------------------------------


def changes_for(session: Session, project_ids: list[int] | None = None) -> dict[int, list[SessionChange]]:
    """Each activity's changes (every activity's when `project_ids` is None), oldest session first."""
    query = select(SessionChange).order_by(col(SessionChange.id))
    if project_ids is not None:
        if not project_ids:
            return {}
        query = query.where(col(SessionChange.project_id).in_(project_ids))
    found: dict[int, list[SessionChange]] = {}
    for change in session.exec(query):
        found.setdefault(change.project_id, []).append(change)
    return found


def list_changes(session: Session, project_id: int, *, since: date | None = None) -> list[SessionChange]:
    """An activity's changes whose session (new or original) is on or after `since`."""
    query = select(SessionChange).where(SessionChange.project_id == project_id)
    if since is not None:
        query = query.where(or_(col(SessionChange.original_date) >= since, col(SessionChange.session_date) >= since))
    changes = list(session.exec(query))
    changes.sort(key=lambda c: (c.session_date or c.original_date or date.min, c.starts_at or time.min))
    return changes


# Changing sessions ------------------------------------------------------------------------------------


def _long(day: date) -> str:
    return f"{day:%A} {format_date(day)}"


def _not_past(field: str, day: date, today: date, what: str) -> None:
    if day < today:
        message = f"{_long(day)} has passed. {what}"
        raise Invalid(message, errors={field: message})


def _regular_session(session: Session, project: Project, day: date, today: date, field: str = "on") -> None:
    """`day` is a regular session still to come, not already cancelled or moved."""
    if project.day_of_week is None and project.frequency != Frequency.ONE_OFF:
        message = (
            "This activity has no regular day yet, so there is no session to change. Add an extra session instead."
        )
        raise Invalid(message, errors={field: message})
    _not_past(field, day, today, "Choose a session from today on.")
    if not is_session_day(project, day):
        message = f"{_long(day)} is not a session day: the activity meets {wording.when(project)}"
        if project.start_date and day < project.start_date:
            message += f", from {format_date(project.start_date)}"
        elif project.end_date and day > project.end_date:
            message += f", until {format_date(project.end_date)}"
        raise Invalid(message + ".", errors={field: message + "."})
    earlier = session.exec(
        select(SessionChange).where(SessionChange.project_id == project.id, SessionChange.original_date == day)
    ).first()
    if earlier is not None:
        if earlier.kind == SessionChangeKind.CANCELLED:
            message = f"The session on {_long(day)} is already cancelled."
        else:
            message = f"The session on {_long(day)} is already moved to {_long(earlier.session_date)}."
        raise Conflict(message + " Undo that change first to change it again.", errors={field: message})


def _free_slot(
    session: Session, project: Project, day: date, starts_at: time, field: str = "on", moving: date | None = None
) -> None:
    """No other session (regular, moved or extra) starts at the same moment (`moving`: the regular
    session being moved, which will not be there)."""
    clash = session.exec(
        select(SessionChange).where(
            SessionChange.project_id == project.id,
            SessionChange.session_date == day,
            SessionChange.starts_at == starts_at,
        )
    ).first()
    cancelled = session.exec(
        select(SessionChange.id).where(
            SessionChange.project_id == project.id,
            SessionChange.original_date == day,
        )
    ).first()
    regular = project.starts_at == starts_at and day != moving and is_session_day(project, day) and cancelled is None
    if clash is not None or regular:
        message = f"There is already a session on {_long(day)} at {format_time(starts_at)}."
        raise Conflict(message, errors={field: message})


def _same(change: SessionChange, **values: Any) -> bool:
    return all(getattr(change, name) == value for name, value in values.items())


def _save(session: Session, project: Project, by: User, **values: Any) -> SessionChange:
    """Save a change in a savepoint: the same change sent twice at the same moment is saved once (the
    second finds the first); a different change to the same session is a clear 409."""
    change = SessionChange(project_id=project.id, created_by_id=by.id, **values)
    try:
        with session.begin_nested():
            session.add(change)
            session.flush()
    except IntegrityError as exc:
        key = values.get("original_date")
        query = select(SessionChange).where(SessionChange.project_id == project.id)
        if key is not None:
            query = query.where(SessionChange.original_date == key)
        else:
            query = query.where(
                SessionChange.session_date == values["session_date"], SessionChange.starts_at == values["starts_at"]
            )
        earlier = session.exec(query).first()
        if earlier is not None and _same(earlier, **values):
            return earlier
        raise Conflict(
            "That session was changed a moment ago by someone else. Look at the list and try again."
        ) from exc
    audit.record(
        session,
        by=by,
        action=AuditAction.CHANGE,
        subject="project",
        subject_id=project.id,
        label=project.title,
        detail=f"session {change.kind_label.lower()}: {change.original_date or ''} {change.session_date or ''}".strip(),
    )
    return change


def _existing(session: Session, project: Project, **values: Any) -> SessionChange | None:
    """The very same change, already saved (a form sent twice): nothing new is made."""
    query = select(SessionChange).where(SessionChange.project_id == project.id)
    for name, value in values.items():
        query = query.where(getattr(SessionChange, name) == value)
    return session.exec(query).first()


def _save_new(
    session: Session, project: Project, by: User, values: dict[str, Any], check: Callable[[], None]
) -> SessionChange:
    """The very same change already saved (a form sent twice) is returned as it is; otherwise the
    change is checked and saved. A twin sent at the same moment may be saved between our look and
    our check (SQLite shows another transaction's commit to the next statement), so a clash found
    by the check is looked at again: if it is that twin, it is the answer, not a 409."""
    if (same := _existing(session, project, **values)) is not None:
        return same
    try:
        check()
    except Conflict:
        if (same := _existing(session, project, **values)) is not None:
            return same
        raise
    return _save(session, project, by, **values)


def cancel_session(
    session: Session, project: Project, data: CancelSessionInput, *, by: User, today: date | None = None
) -> SessionChange:
    values = {"kind": SessionChangeKind.CANCELLED.value, "original_date": data.on, "note": data.note}
    return _save_new(
        session, project, by, values, lambda: _regular_session(session, project, data.on, today or _today())
    )


def move_session(
    session: Session, project: Project, data: MoveSessionInput, *, by: User, today: date | None = None
) -> SessionChange:
    starts_at = data.starts_at or project.starts_at
    ends_at = data.ends_at if data.starts_at or data.ends_at else project.ends_at
    if starts_at is None:
        message = "This activity has no usual start time: give the moved session's start time."
        raise Invalid(message, errors={"starts_at": message})
    if ends_at is not None and ends_at <= starts_at:
        message = "The session must end after it starts."
        raise Invalid(message, errors={"ends_at": message})
    values = {
        "kind": SessionChangeKind.MOVED.value,
        "original_date": data.on,
        "session_date": data.to,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "note": data.note,
    }
    now = today or _today()

    def check() -> None:
        _regular_session(session, project, data.on, now)
        _not_past("to", data.to, now, "A session can only move to today or a later day.")
        if data.to == data.on and starts_at == project.starts_at and ends_at == project.ends_at:
            message = "That is the session's usual day and time: change the day or the time."
            raise Invalid(message, errors={"to": message})
        _free_slot(session, project, data.to, starts_at, field="to", moving=data.on)

    return _save_new(session, project, by, values, check)


def add_session(
    session: Session, project: Project, data: AddSessionInput, *, by: User, today: date | None = None
) -> SessionChange:
    values = {
        "kind": SessionChangeKind.ADDED.value,
        "session_date": data.on,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "note": data.note,
    }

    def check() -> None:
        _not_past("on", data.on, today or _today(), "An extra session can be added from today on.")
        _free_slot(session, project, data.on, data.starts_at)

    return _save_new(session, project, by, values, check)


def undo_change(session: Session, project: Project, change_id: int, *, by: User) -> SessionChange:
    """Take a change back: a cancelled or moved session is on as usual again; an extra one is gone."""
    change = session.get(SessionChange, change_id) if 0 < change_id <= MAX_ID else None
    if change is None or change.project_id != project.id:
        raise NotFound("That session change is not on this activity (it may have been undone already).")
    session.delete(change)
    session.flush()
    audit.record(
        session,
        by=by,
        action=AuditAction.CHANGE,
        subject="project",
        subject_id=project.id,
        label=project.title,
        detail=f"session change undone: {change.kind_label.lower()} {change.original_date or change.session_date}",
    )
    return change
