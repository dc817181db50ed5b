"""Connections and attendance: who may see and change what, and the rules every record follows.

Who sees a connection: the champion who recorded it, the partner running its activity, and
coordinators. Nobody else (collective members see only figures with small numbers hidden)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from connections import summary  # noqa: F401  (keeps the funnel's summary in step with every change)
from connections.forms import AttendanceInput, ConnectionInput, RegisterInput, SourceInput
from connections.models import (
    ActivityIntake,
    Connection,
    Intake,
    Outcome,
    ReferralSource,
    RegisterAttendee,
    SessionRegister,
    Stage,
)
from creative_minds import once
from creative_minds.accounts.models import User
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.db import get_or_404
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.pagination import Page, paginate
from creative_minds.timeutil import today, utcnow
from projects.models import Project, ProjectStatus
from stories.participants.models import Participant
from stories.participants.service import add_months, new_code

NUDGE_AFTER_DAYS = 21  # no first visit three weeks after the connection: the champion checks in
STILL_GOING_AFTER_MONTHS = 3
UNCONFIRMED_AFTER_MONTHS = 3
LIST_LIMIT = 500  # an activity's connections on its group's page
PAGE_SIZE = 50  # the connections list, a page at a time


# Who may do what ------------------------------------------------------------------------------


def visible_to(user: User) -> ColumnElement[bool]:
    """A condition on Connection: the ones this person may see."""
    if user.is_coordinator:
        return sa.true()
    conditions: list[ColumnElement[bool]] = []
    if user.can.connect_people:
        conditions.append(col(Connection.champion_id) == user.id)
    if user.can.record_attendance and user.partner_id is not None:
        own = select(Project.id).where(Project.partner_id == user.partner_id)
        conditions.append(col(Connection.project_id).in_(own))
    return sa.or_(*conditions) if conditions else sa.false()


def check_can_list(user: User) -> None:
    if not user.can.see_connections:
        raise Forbidden("Only champions, partner groups and coordinators see connections.")


def check_can_see(user: User, connection: Connection) -> None:
    check_can_list(user)
    if user.is_coordinator:
        return
    if user.can.connect_people and connection.champion_id == user.id:
        return
    if user.can.record_attendance and user.partner_id is not None and connection.project.partner_id == user.partner_id:
        return
    raise Forbidden(
        "This connection is not one of yours. Champions see the people they connected; a group sees the "
        "people connected to its own activities."
    )


def check_runs_activity(user: User, project: Project) -> None:
    """Attendance, registers, intake and "still running" are for the partner running the activity."""
    if user.is_coordinator:
        return
    if user.can.record_attendance and user.partner_id is not None and project.partner_id == user.partner_id:
        return
    raise Forbidden("Only the group running this activity (or a coordinator) can record this.")


# Referral sources -----------------------------------------------------------------------------


def list_sources(session: Session, *, active_only: bool = True) -> list[ReferralSource]:
    query = select(ReferralSource)
    if active_only:
        query = query.where(col(ReferralSource.active).is_(True))
    return list(session.exec(query.order_by(ReferralSource.name)))


def add_source(session: Session, data: SourceInput, *, by: User) -> ReferralSource:
    if not by.can.keep_referral_sources:
        raise Forbidden("Only coordinators keep the list of teams and services.")
    clash = session.exec(select(ReferralSource).where(func.lower(ReferralSource.name) == data.name.lower())).first()
    if clash is not None:
        if not clash.active:
            clash.active = True
            session.add(clash)
            return clash
        raise Invalid("That team or service is already on the list.", errors={"name": "Already on the list."})
    source = ReferralSource(name=data.name)
    session.add(source)
    session.flush()
    return source


def set_source_active(session: Session, source_id: int, active: bool, *, by: User) -> ReferralSource:
    if not by.can.keep_referral_sources:
        raise Forbidden("Only coordinators keep the list of teams and services.")
    source = get_or_404(session, ReferralSource, source_id, "team or service")
    source.active = active
    session.add(source)
    return source


# Intake and "still running" ---------------------------------------------------------------------


def intake_of(session: Session, project_id: int) -> ActivityIntake:
    """The activity's intake row, or an unsaved one saying it takes new people (the default)."""
    return session.get(ActivityIntake, project_id) or ActivityIntake(project_id=project_id, intake=Intake.OPEN)


def intakes(session: Session, project_ids: list[int]) -> dict[int, ActivityIntake]:
    found: dict[int, ActivityIntake] = {}
    if project_ids:
        query = select(ActivityIntake).where(col(ActivityIntake.project_id).in_(project_ids))
        found = {row.project_id: row for row in session.exec(query)}
    return {pid: found.get(pid) or ActivityIntake(project_id=pid, intake=Intake.OPEN) for pid in project_ids}


def _intake_row(session: Session, project: Project) -> ActivityIntake:
    row = session.get(ActivityIntake, project.id, with_for_update=True)
    if row is None:
        row = ActivityIntake(project_id=project.id)
        session.add(row)
    return row


def set_intake(session: Session, project_id: int, intake: Intake, *, by: User) -> ActivityIntake:
    project = get_or_404(session, Project, project_id, "activity")
    check_runs_activity(by, project)
    row = _intake_row(session, project)
    row.intake, row.updated_at = intake.value, utcnow()
    session.flush()
    return row


def confirm_running(session: Session, project_id: int, *, by: User) -> ActivityIntake:
    """One click: the partner says the activity still runs as listed (today)."""
    project = get_or_404(session, Project, project_id, "activity")
    check_runs_activity(by, project)
    row = _intake_row(session, project)
    row.confirmed_on, row.confirmed_by_id, row.updated_at = today(), by.id, utcnow()
    session.flush()
    return row


def unconfirmed(row: ActivityIntake) -> bool:
    """Not confirmed as running for 3 months (or never)."""
    return row.confirmed_on is None or too_long_ago(row.confirmed_on)


def too_long_ago(confirmed_on: date) -> bool:
    """A listing last confirmed (or edited) on this day has not been confirmed for 3 months."""
    return add_months(confirmed_on, UNCONFIRMED_AFTER_MONTHS) < today()


# Connections ----------------------------------------------------------------------------------


def _running_activity(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None or project.status != ProjectStatus.ACTIVE:
        raise Invalid(
            "Choose an activity that is running now.", errors={"project_id": "Choose an activity that is running now."}
        )
    return project


def _same_day(session: Session, participant_id: int, project_id: int, on: date) -> Connection | None:
    return session.exec(
        select(Connection).where(
            Connection.participant_id == participant_id,
            Connection.project_id == project_id,
            Connection.connected_on == on,
        )
    ).first()


def _made_by_form(session: Session, earlier: str) -> Connection | None:
    """The connection a form's first send made, from where the one-time token says it is shown."""
    found = re.fullmatch(r"/connections/(\d+)", earlier)
    return session.get(Connection, int(found.group(1))) if found else None


def record_connection(session: Session, data: ConnectionInput, *, by: User) -> tuple[Connection, bool]:
    """Record a connection; returns it and whether it is new. Sending the same form twice (its one-time
    token, `data.form_key`, claimed through creative_minds/once.py in this transaction) or the same person,
    activity and day again finds the first record instead of adding a second.

    Only the token counts as "the same form", not the same answers within an hour as on other create
    forms: a champion may well connect two new people to the same group on the same day with the same
    answers, and those are two people."""
    if not by.can.connect_people:
        raise Forbidden("Only champions (and coordinators) record connections.")
    earlier = once.claim(session, data.form_key, user_id=by.id) if data.form_key else None
    if earlier is not None:
        existing = _made_by_form(session, earlier)
        if existing is None or existing.champion_id != by.id:
            raise Conflict("This form was already used by someone else. Open a new form.")
        return existing, False
    connection, created = _record_connection(session, data, by=by)
    once.done(session, data.form_key, f"/connections/{connection.id}")
    return connection, created


def _record_connection(session: Session, data: ConnectionInput, *, by: User) -> tuple[Connection, bool]:
    project = _running_activity(session, data.project_id)
    source = session.get(ReferralSource, data.source_id)
    if source is None or not source.active:
        raise Invalid("Choose a team or service from the list.", errors={"source_id": "Choose one from the list."})
    intake = intake_of(session, project.id).intake
    if intake == Intake.FULL:
        message = f"{project.title} is full and is not taking new people. Find another activity with the person."
        raise Invalid(message, errors={"project_id": message})
    participant: Participant | None = None
    if not data.new_person:
        participant = session.exec(select(Participant).where(Participant.code == data.code)).first()
        if participant is None:
            message = f"There is no person with the code {data.code}. Check it with them, or tick “new person” to make a code."
            raise Invalid(message, errors={"code": message})
        same_day = _same_day(session, participant.id, project.id, data.connected_on)
        if same_day is not None:
            return same_day, False
    try:
        with session.begin_nested():
            if participant is None:
                participant = Participant(code=new_code(session), created_by_id=by.id)
                session.add(participant)
                session.flush()
                audit.record(
                    session,
                    by=by,
                    action=AuditAction.CREATE,
                    subject="participant",
                    subject_id=participant.id,
                    label=participant.code,
                    detail="new person connected by a champion",
                )
            connection = Connection(
                participant_id=participant.id,
                project_id=project.id,
                champion_id=by.id,
                source_id=source.id,
                connected_on=data.connected_on,
                how=data.how.value,
                waiting_list=intake == Intake.WAITING_LIST,
                notes=data.notes or "",
                contact_consent=data.contact_consent,
                contact_preference=data.contact_preference.value if data.contact_preference else None,
            )
            session.add(connection)
            session.flush()
    except IntegrityError:
        # The same person, activity and day was saved by a request running at the same time.
        again = None
        if participant is not None and participant.id is not None:
            again = _same_day(session, participant.id, project.id, data.connected_on)
        if again is None:
            raise
        return again, False
    audit.record(
        session,
        by=by,
        action=AuditAction.CREATE,
        subject="connection",
        subject_id=connection.id,
        label=participant.code,
        detail=f"to {project.title}" + (" (waiting list)" if connection.waiting_list else ""),
    )
    return connection, True


def _load(session: Session, connection_id: int) -> Connection:
    return get_or_404(
        session,
        Connection,
        connection_id,
        "connection",
        options=[
            selectinload(Connection.participant),
            selectinload(Connection.project).selectinload(Project.partner),
            selectinload(Connection.source),
            selectinload(Connection.champion),
        ],
    )


def get_connection(session: Session, connection_id: int, *, by: User) -> Connection:
    connection = _load(session, connection_id)
    check_can_see(by, connection)
    return connection


def read_connection(session: Session, connection_id: int, *, by: User) -> Connection:
    """One connection, for reading: the audit trail notes who read it."""
    connection = get_connection(session, connection_id, by=by)
    audit.record(
        session,
        by=by,
        action=AuditAction.READ,
        subject="connection",
        subject_id=connection.id,
        label=connection.participant.code,
    )
    return connection


def record_attendance(session: Session, connection_id: int, data: AttendanceInput, *, by: User) -> Connection:
    """The partner records the first visit, "did not come", "still coming after 3 months" or "stopped"."""
    connection = get_connection(session, connection_id, by=by)
    check_runs_activity(by, connection.project)
    on = data.on
    if data.action == "came":
        assert on is not None
        if on < connection.connected_on:
            message = f"The first visit cannot be before the connection ({connection.connected_on:%d/%m/%Y})."
            raise Invalid(message, errors={"on": message})
        if connection.outcome_on is not None and on > connection.outcome_on:
            message = f"The first visit cannot be after the {connection.outcome_on:%d/%m/%Y} already recorded."
            raise Invalid(message, errors={"on": message})
        connection.first_attended_on, connection.did_not_come_on = on, None
        detail = f"first visit {on:%d/%m/%Y}"
    elif data.action == "did_not_come":
        if connection.first_attended_on is not None:
            message = (
                f"Their first visit is recorded ({connection.first_attended_on:%d/%m/%Y}): record “stopped” instead."
            )
            raise Invalid(message, errors={"action": message})
        connection.did_not_come_on = today()
        detail = "did not come"
    else:
        first = connection.first_attended_on
        if first is None:
            message = "Record their first visit before this (or “did not come” if they never came)."
            raise Invalid(message, errors={"action": message})
        assert on is not None
        if on < first:
            message = f"This date is before their first visit ({first:%d/%m/%Y})."
            raise Invalid(message, errors={"on": message})
        if data.action == "still_going":
            due = add_months(first, STILL_GOING_AFTER_MONTHS)
            if on < due:
                message = f"“Still coming” is recorded 3 months after the first visit: on or after {due:%d/%m/%Y}."
                raise Invalid(message, errors={"on": message})
            connection.outcome, connection.stop_reason = Outcome.STILL_GOING.value, None
        else:
            connection.outcome = Outcome.STOPPED.value
            connection.stop_reason = data.stop_reason.value if data.stop_reason else None
        connection.outcome_on = on
        detail = f"{Outcome(connection.outcome).label} {on:%d/%m/%Y}"
    connection.updated_at = utcnow()
    session.add(connection)
    session.flush()
    audit.record(
        session,
        by=by,
        action=AuditAction.CHANGE,
        subject="connection",
        subject_id=connection.id,
        label=connection.participant.code,
        detail=detail,
    )
    return connection


def needs_nudge(connection: Connection) -> bool:
    return connection.stage == Stage.WAITING and connection.connected_on <= today() - timedelta(days=NUDGE_AFTER_DAYS)


def _needs_nudge() -> ColumnElement[bool]:
    """needs_nudge as a condition on Connection: waiting for a first visit three weeks after connecting."""
    return sa.and_(
        col(Connection.outcome).is_(None),
        col(Connection.first_attended_on).is_(None),
        col(Connection.did_not_come_on).is_(None),
        col(Connection.waiting_list).is_(False),
        col(Connection.connected_on) <= today() - timedelta(days=NUDGE_AFTER_DAYS),
    )


def _listed(by: User, project_id: int | None) -> SelectOfScalar[Connection]:
    """The connections this person may see, the ones needing a nudge first (longest waiting first),
    then newest first."""
    check_can_list(by)
    nudge = _needs_nudge()
    query = (
        select(Connection)
        .where(visible_to(by))
        .options(
            selectinload(Connection.participant),
            selectinload(Connection.project),
            selectinload(Connection.source),
        )
        .order_by(
            sa.case((nudge, 0), else_=1),
            sa.case((nudge, col(Connection.connected_on)), else_=None),
            col(Connection.connected_on).desc(),
            col(Connection.id).desc(),
        )
    )
    if project_id is not None:
        query = query.where(Connection.project_id == project_id)
    return query


def _audit_list(session: Session, rows: list[Connection], *, by: User, what: str) -> None:
    """Opening a list of connections reads each person on it, like opening one: the trail notes who read
    which codes (a connection says someone was referred from a mental health service)."""
    codes = ", ".join(c.participant.code for c in rows)
    audit.record(
        session,
        by=by,
        action=AuditAction.READ,
        subject="connection list",
        label=what,
        detail=f"{len(rows)} shown: {codes}" if rows else "none shown",
    )


def list_connections(session: Session, *, by: User, project_id: int | None = None) -> list[Connection]:
    """The connections this person may see, the ones needing a nudge first, up to LIST_LIMIT. Not audited:
    pages use read_connections and read_activity_connections."""
    return list(session.exec(_listed(by, project_id).limit(LIST_LIMIT)))


def read_activity_connections(session: Session, project: Project, *, by: User) -> list[Connection]:
    """An activity's connections on its group's page (where the register is ticked), for reading: the
    audit trail notes who read them."""
    rows = list_connections(session, by=by, project_id=project.id)
    _audit_list(session, rows, by=by, what=f"activity: {project.title}"[:120])
    return rows


def read_connections(session: Session, *, by: User, page: int = 1) -> Page:
    """One page (PAGE_SIZE) of the connections this person may see, in _listed's order, for reading: the
    audit trail notes who read which page and which codes were on it."""
    found = paginate(session, _listed(by, None), page=page, page_size=PAGE_SIZE)
    _audit_list(session, found.items, by=by, what=f"page {found.page} of {found.pages}")
    return found


def count_nudges(session: Session, *, by: User) -> int:
    """How many of this person's connections need a nudge (on every page)."""
    check_can_list(by)
    query = select(func.count()).select_from(Connection).where(visible_to(by), _needs_nudge())
    return int(session.exec(query).one())


@dataclass(frozen=True)
class ActivityRow:
    project: Project
    intake: ActivityIntake
    waiting: int  # connected people with no first visit recorded yet


def partner_activities(session: Session, *, by: User) -> list[ActivityRow]:
    """A partner's running activities, with intake and how many connected people are still awaited."""
    if not by.can.record_attendance or (by.partner_id is None and not by.is_coordinator):
        raise Forbidden("Only partner groups record attendance.")
    if by.partner_id is None:
        return []
    projects = list(
        session.exec(
            select(Project)
            .where(Project.partner_id == by.partner_id, Project.status == ProjectStatus.ACTIVE)
            .order_by(Project.title)
        )
    )
    ids = [p.id for p in projects]
    counts = (
        dict(
            session.exec(
                select(Connection.project_id, func.count())
                .where(
                    col(Connection.project_id).in_(ids),
                    col(Connection.first_attended_on).is_(None),
                    col(Connection.did_not_come_on).is_(None),
                )
                .group_by(Connection.project_id)
            ).all()
        )
        if ids
        else {}
    )
    found = intakes(session, [p.id for p in projects if p.id is not None])
    return [ActivityRow(p, found[p.id or 0], counts.get(p.id, 0)) for p in projects]


def get_activity_for_partner(session: Session, project_id: int, *, by: User) -> Project:
    project = get_or_404(session, Project, project_id, "activity")
    check_runs_activity(by, project)
    return project


# Session registers ----------------------------------------------------------------------------


def record_register(session: Session, project_id: int, data: RegisterInput, *, by: User) -> SessionRegister:
    """A session's register: how many came, and which connected people were among them. Ticked people
    get their first visit recorded (the earliest register counts). Sending the same day again replaces it."""
    project = get_activity_for_partner(session, project_id, by=by)
    ids = sorted(set(data.connection_ids))
    people = list(session.exec(select(Connection).where(col(Connection.id).in_(ids)))) if ids else []
    if len(people) != len(ids) or any(c.project_id != project.id for c in people):
        message = "Tick only people connected to this activity."
        raise Invalid(message, errors={"connection_ids": message})
    late = [c for c in people if c.connected_on > data.held_on]
    if late:
        message = "Someone ticked was connected after this session; check the date."
        raise Invalid(message, errors={"connection_ids": message})
    register = session.exec(
        select(SessionRegister)
        .where(SessionRegister.project_id == project.id, SessionRegister.held_on == data.held_on)
        .with_for_update()
    ).first()
    if register is None:
        try:
            with session.begin_nested():
                register = SessionRegister(project_id=project.id, held_on=data.held_on, headcount=data.headcount)
                session.add(register)
                session.flush()
        except IntegrityError:
            register = session.exec(
                select(SessionRegister)
                .where(SessionRegister.project_id == project.id, SessionRegister.held_on == data.held_on)
                .with_for_update()
            ).one()
    register.headcount, register.recorded_by_id = data.headcount, by.id
    session.exec(sa.delete(RegisterAttendee).where(col(RegisterAttendee.register_id) == register.id))
    for connection in people:
        session.add(RegisterAttendee(register_id=register.id, connection_id=connection.id))
        if connection.first_attended_on is None or data.held_on < connection.first_attended_on:
            if connection.outcome_on is None or data.held_on <= connection.outcome_on:
                connection.first_attended_on, connection.did_not_come_on = data.held_on, None
                connection.updated_at = utcnow()
                session.add(connection)
    session.flush()
    audit.record(
        session,
        by=by,
        action=AuditAction.CREATE,
        subject="register",
        subject_id=register.id,
        label=project.title[:120],
        detail=f"{data.held_on:%d/%m/%Y}: {data.headcount} came, {len(people)} of them connected",
    )
    return register


def registers(session: Session, project_id: int, *, by: User, limit: int = 20) -> list[SessionRegister]:
    project = get_activity_for_partner(session, project_id, by=by)
    query = (
        select(SessionRegister)
        .where(SessionRegister.project_id == project.id)
        .options(selectinload(SessionRegister.attendees))
        .order_by(col(SessionRegister.held_on).desc())
        .limit(limit)
    )
    return list(session.exec(query))
