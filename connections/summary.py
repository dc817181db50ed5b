"""The funnel's kept summary: for every person, one row per activity, partner, locality and the network
they were connected within (and one more per team or service they came from there), saying whether they
came, are still going and have a wellbeing pair. The all-dates funnel is then sums over these rows, with
no counting of people at read time.

The rows of a person are worked out again, from their connections, in the same transaction as anything
that changes them (a connection recorded or changed, a register, a SWEMWBS form, equality answers, an
activity moved to another partner or locality, the person erased): the changed people are noted as the session flushes
and refreshed before it commits, or before the funnel is read in that transaction. On PostgreSQL a
transaction-scoped advisory lock per person makes two transactions refreshing the same person take
turns, so the second works from the first one's committed connections (several app instances are
safe); SQLite has one writer at a time. `rebuild` works out every row (the migration's backfill, the
benchmark after bulk inserts, or a repair)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel, col, func

from connections.models import Connection, Outcome
from projects.models import Project
from stories.equality import QUESTIONS
from stories.participants.models import Participant
from stories.scores.models import ScoreKind, WellbeingScore

LEVELS = ("activity", "partner", "locality", "network")
ANY_SOURCE = 0  # the person's row for the whole level key, whichever team or service they came from
PENDING = "cm_funnel_people"  # session.info: people whose rows are to be worked out again
LOCK_CLASS = 7311  # PostgreSQL advisory lock space for "a person's funnel rows"


class FunnelPerson(SQLModel, table=True):
    """One person within one activity, partner, locality or the network (key 0), for all dates."""

    __tablename__ = "funnel_person"

    # In this order, the key reads one level's people by team or service (ANY_SOURCE: each once) and key.
    level: str = Field(primary_key=True, max_length=8)
    source_id: int = Field(primary_key=True)  # a referral source, or ANY_SOURCE
    key: int = Field(primary_key=True)  # the project, partner or locality id; 0 for the network
    participant_id: int = Field(primary_key=True, foreign_key="participant.id", index=True, ondelete="CASCADE")
    came: int = 0
    still_going: int = 0
    paired: int = 0
    # The person's equality answers as codes (answer_code): counted without reading the participant.
    age_band: int = 0
    sex: int = 0
    gender_identity: int = 0
    ethnic_group: int = 0
    disability: int = 0
    sexual_orientation: int = 0
    religion: int = 0


OTHER_ANSWER = -1  # an answer not among the question's options (the forms allow none)


def answer_code(column: Any, question: str) -> Any:
    """0 for no answer, 1.. for the question's options in order, OTHER_ANSWER for anything else."""
    options = QUESTIONS[question].options
    return sa.case(
        (column.is_(None), 0),
        *((column == option, number) for number, option in enumerate(options, start=1)),
        else_=OTHER_ANSWER,
    )


def answer_of(question: str, code: int) -> str | None:
    """The answer a code stands for (None: not answered)."""
    if code == 0:
        return None
    if code == OTHER_ANSWER:
        return "Another answer"
    return QUESTIONS[question].options[code - 1]


def _rows(people: Iterable[int] | None) -> Any:
    """(level, key, source, person, came, still going, paired) for these people (None: everyone)."""
    ids = None if people is None else sorted(set(people))
    pairs_query: Any = (
        sa.select(col(WellbeingScore.participant_id).label("person"), col(WellbeingScore.project_id).label("project"))
        .where(col(WellbeingScore.metric_score).is_not(None))
        .group_by(WellbeingScore.participant_id, WellbeingScore.project_id)
        .having(func.count(func.distinct(WellbeingScore.kind)) == len(ScoreKind))
    )
    if ids is not None:
        pairs_query = pairs_query.where(col(WellbeingScore.participant_id).in_(ids))
    pairs = pairs_query.subquery()
    came = col(Connection.first_attended_on).is_not(None)
    base_query: Any = (
        sa.select(
            col(Connection.participant_id).label("person"),
            col(Connection.project_id).label("project"),
            col(Project.partner_id).label("partner"),
            col(Project.locality_id).label("locality"),
            col(Connection.source_id).label("source"),
            sa.case((came, 1), else_=0).label("came"),
            sa.case((Connection.outcome == Outcome.STILL_GOING.value, 1), else_=0).label("still_going"),
            sa.case((sa.and_(came, pairs.c.person.is_not(None)), 1), else_=0).label("paired"),
            *(answer_code(getattr(Participant, q), q).label(q) for q in QUESTIONS),
        )
        .join(Project, col(Project.id) == Connection.project_id)
        .join(Participant, col(Participant.id) == Connection.participant_id)
        .outerjoin(
            pairs, sa.and_(pairs.c.person == Connection.participant_id, pairs.c.project == Connection.project_id)
        )
    )
    if ids is not None:
        base_query = base_query.where(col(Connection.participant_id).in_(ids))
    base = base_query.cte("funnel_base")
    keys = {"activity": base.c.project, "partner": base.c.partner, "locality": base.c.locality, "network": None}
    parts = []
    for level, key in keys.items():
        key_column = key if key is not None else sa.literal(0)
        for by_source in (False, True):
            source = base.c.source if by_source else sa.literal(ANY_SOURCE)
            groups = [base.c.person, *([key] if key is not None else []), *([base.c.source] if by_source else [])]
            parts.append(
                sa.select(
                    sa.literal(level).label("level"),
                    key_column.label("key"),
                    source.label("source_id"),
                    base.c.person.label("participant_id"),
                    func.max(base.c.came).label("came"),
                    func.max(base.c.still_going).label("still_going"),
                    func.max(base.c.paired).label("paired"),
                    *(func.max(base.c[q]).label(q) for q in QUESTIONS),
                ).group_by(*groups)
            )
    return sa.union_all(*parts)


_COLUMNS = ["level", "key", "source_id", "participant_id", "came", "still_going", "paired", *QUESTIONS]


def refresh(session: Session | OrmSession, people: Iterable[int]) -> None:
    """Work out these people's rows again from their connections, in the session's transaction."""
    ids = sorted({int(p) for p in people if p is not None})
    if not ids:
        return
    connection = session.connection()
    table = FunnelPerson.__table__  # type: ignore[attr-defined]
    if connection.dialect.name == "postgresql":  # take turns per person, in one order (no deadlock)
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:space, person) FROM unnest(CAST(:ids AS integer[])) AS person"),
            {"space": LOCK_CLASS, "ids": ids},
        )
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        connection.execute(sa.delete(table).where(table.c.participant_id.in_(chunk)))
        # Only people with a connection have rows (a SWEMWBS form for anyone else changes nothing here).
        connected = sa.select(col(Connection.participant_id)).where(col(Connection.participant_id).in_(chunk))
        with_rows = sorted(set(connection.execute(connected.distinct()).scalars()))
        if with_rows:
            connection.execute(sa.insert(table).from_select(_COLUMNS, _rows(with_rows)))


def rebuild(session: Session | OrmSession) -> int:
    """Work out every row again (after bulk inserts that bypass the session, or to repair); returns how many."""
    connection = session.connection()
    table = FunnelPerson.__table__  # type: ignore[attr-defined]
    connection.execute(sa.delete(table))
    connection.execute(sa.insert(table).from_select(_COLUMNS, _rows(None)))
    session.info.pop(PENDING, None)
    return int(connection.execute(sa.select(func.count()).select_from(table)).scalar_one())


def settle(session: Session | OrmSession) -> None:
    """Refresh the people noted as changed in this transaction (before reading the funnel, or committing)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    people = session.info.pop(PENDING, None)
    if people:
        refresh(session, people)


# Noting who changed ---------------------------------------------------------------------------


def _note(session: OrmSession, people: Iterable[int | None]) -> None:
    found = {p for p in people if p is not None}
    if found:
        session.info.setdefault(PENDING, set()).update(found)


@event.listens_for(OrmSession, "before_flush")
def _projects_moving(session: OrmSession, _context: object, _instances: object) -> None:
    """An activity moved to another partner or locality, or deleted (its connections go with it): everyone
    connected to it is refreshed. Read before the flush, while the connections are still there."""
    moved = []
    for obj in (*session.dirty, *session.deleted):
        if not isinstance(obj, Project) or obj.id is None:
            continue
        state = sa.inspect(obj)
        if (
            obj in session.deleted
            or state.attrs.partner_id.history.has_changes()
            or state.attrs.locality_id.history.has_changes()
        ):
            moved.append(obj.id)
    if moved:
        with session.no_autoflush:
            query = sa.select(col(Connection.participant_id)).where(col(Connection.project_id).in_(moved)).distinct()
            _note(session, session.execute(query).scalars())


@event.listens_for(OrmSession, "after_flush")
def _people_changed(session: OrmSession, _context: object) -> None:
    """Connections and SWEMWBS forms added, changed or removed, and equality answers changed: their people
    are refreshed before commit."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Connection, WellbeingScore)):
            _note(session, [obj.participant_id])
        elif isinstance(obj, Participant) and obj not in session.deleted:  # equality answers changed
            _note(session, [obj.id])


@event.listens_for(OrmSession, "before_commit")
def _refresh_before_commit(session: OrmSession) -> None:
    if session.info.get(PENDING) or session.new or session.dirty or session.deleted:
        settle(session)


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(PENDING, None)
