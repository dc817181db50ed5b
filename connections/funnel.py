"""The funnel: connected → came → still going at 3 months → a SWEMWBS pair, counted in people.

Small numbers (the evaluation report's rule, CM_SMALL_NUMBER_THRESHOLD, 5 by default) for everyone
but coordinators:
1. A count is shown only where at least 5 people make it up (a zero is shown: it is nobody).
2. A stage is hidden too where the people who dropped out since any earlier stage would be fewer
   than 5 (connected 12, came 9 would say 3 did not come).
3. In a table with a total (by referral source, by equality answer, or an activity among its
   partner's or its locality's activities), if only one cell of a column is hidden, the smallest
   shown cell of that column is hidden too, so no hidden count is a subtraction away.
4. Across levels: an activity's, partner's or locality's figures are shown only where they are shown
   in every table it is a row of (its partner's, its locality's and the network's activities; the
   network's partners or localities), so a total minus the rest never gives a hidden count; and a
   breakdown cell (a source, an equality answer) is hidden where the same cell one level up (the
   partner, the locality, the network) minus it would be fewer than 5 people.
A row whose "connected" is hidden is hidden whole.
5. Across dates: figures with small numbers hidden are always for all dates. Two periods that overlap
   (or one inside another) would give a hidden count by subtraction (connected 1 Jan to 30 Jun 14, to
   31 May 11: 3 people connected in June), and so would a calendar year beside "all dates", since the
   same people are counted in each. With one period there is nothing to subtract, whatever is asked
   for; coordinators, who see exact figures, choose any dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from connections import summary
from connections.models import Connection, Outcome, ReferralSource
from connections.summary import FunnelPerson
from creative_minds.localities import Locality
from partners.models import Partner
from projects.models import Project
from stories.equality import NOT_ANSWERED, QUESTIONS
from stories.participants.models import Participant
from stories.scores.models import ScoreKind, WellbeingScore

STAGES = ("connected", "came", "still_going", "paired")
STAGE_LABELS = {
    "connected": "Connected",
    "came": "Came",
    "still_going": "Still going at 3 months",
    "paired": "Wellbeing before and after",
}
EARLIER = {"came": ("connected",), "still_going": ("connected", "came"), "paired": ("connected", "came")}


@dataclass(frozen=True)
class FunnelScope:
    project_id: int | None = None
    partner_id: int | None = None
    locality_id: int | None = None
    date_from: date | None = None  # connected on or after
    date_to: date | None = None  # connected on or before

    @property
    def level(self) -> str:
        if self.project_id:
            return "activity"
        if self.partner_id:
            return "partner"
        if self.locality_id:
            return "locality"
        return "network"


@dataclass
class Row:
    label: str
    counts: dict[str, int]
    hidden: set[str] = field(default_factory=set)

    def shows(self, stage: str) -> bool:
        return stage not in self.hidden


@dataclass
class Funnel:
    scope: FunnelScope
    label: str
    total: Row
    by_source: list[Row]
    by_equality: dict[str, list[Row]]
    exact: bool
    small_number: int
    dates_set_aside: bool = False  # dates were asked for, but figures with small numbers hidden are for all dates

    def display(self, row: Row, stage: str) -> str:
        if self.exact or row.shows(stage):
            return f"{row.counts[stage]:,}"
        return f"fewer than {self.small_number}" if 0 < row.counts[stage] < self.small_number else "hidden"


# Hiding ---------------------------------------------------------------------------------------


def hide(rows: list[Row], threshold: int, *, with_total: bool = True) -> list[Row]:
    """Apply rules 1-3 (see the module's notes) to rows of one table."""
    for row in rows:
        for stage in STAGES:
            n = row.counts[stage]
            if 0 < n < threshold or any(0 < row.counts[e] - n < threshold for e in EARLIER.get(stage, ())):
                row.hidden.add(stage)
        if "connected" in row.hidden:
            row.hidden.update(STAGES)
    if with_total and len(rows) > 1:
        for stage in STAGES:
            hidden = [r for r in rows if stage in r.hidden]
            shown = sorted(
                (r for r in rows if stage not in r.hidden and r.counts[stage] > 0), key=lambda r: r.counts[stage]
            )
            if len(hidden) == 1 and shown:
                shown[0].hidden.add(stage)
    return rows


# Counting -------------------------------------------------------------------------------------


def _pairs() -> Any:
    """(person, activity) with both SWEMWBS forms scored: one grouped pass over the scores, joined once."""
    return (
        sa.select(col(WellbeingScore.participant_id).label("person"), col(WellbeingScore.project_id).label("project"))
        .where(col(WellbeingScore.metric_score).is_not(None))
        .group_by(WellbeingScore.participant_id, WellbeingScore.project_id)
        .having(func.count(func.distinct(WellbeingScore.kind)) == len(ScoreKind))
        .subquery()
    )


def _per_person(scope: FunnelScope, *keys: Any) -> Any:
    """One row per person (and per key): whether they came, are still going, have a wellbeing pair."""
    pairs = _pairs()
    came = col(Connection.first_attended_on).is_not(None)
    query: Any = (
        sa.select(
            col(Connection.participant_id).label("person"),
            *(key.label(f"key{i}") for i, key in enumerate(keys)),
            func.max(sa.case((came, 1), else_=0)).label("came"),
            func.max(sa.case((Connection.outcome == Outcome.STILL_GOING.value, 1), else_=0)).label("still_going"),
            func.max(sa.case((sa.and_(came, pairs.c.person.is_not(None)), 1), else_=0)).label("paired"),
        )
        .select_from(Connection)
        .outerjoin(
            pairs, sa.and_(pairs.c.person == Connection.participant_id, pairs.c.project == Connection.project_id)
        )
    )
    if any(getattr(key, "table", None) is Participant.__table__ for key in keys):  # type: ignore[attr-defined]
        query = query.join(Participant, col(Participant.id) == Connection.participant_id)
    if scope.partner_id or scope.locality_id or any(getattr(key, "table", None) is Project.__table__ for key in keys):  # type: ignore[attr-defined]
        query = query.join(Project, col(Project.id) == Connection.project_id)
    if scope.project_id:
        query = query.where(Connection.project_id == scope.project_id)
    if scope.partner_id:
        query = query.where(Project.partner_id == scope.partner_id)
    if scope.locality_id:
        query = query.where(Project.locality_id == scope.locality_id)
    if scope.date_from:
        query = query.where(Connection.connected_on >= scope.date_from)
    if scope.date_to:
        query = query.where(Connection.connected_on <= scope.date_to)
    return query.group_by(Connection.participant_id, *keys)


def count(session: Session, scope: FunnelScope, key: Any = None) -> dict[Any, dict[str, int]]:
    """People at each stage, by `key` (a column; None for one total under the key None)."""
    people = _per_person(scope, *([key] if key is not None else [])).subquery()
    group = people.c.key0 if key is not None else sa.literal(None)
    totals = sa.select(
        group,
        func.count(),
        func.sum(people.c.came),
        func.sum(people.c.still_going),
        func.sum(people.c.paired),
    ).group_by(group)
    return {
        k: {"connected": int(n), "came": int(c or 0), "still_going": int(s or 0), "paired": int(p or 0)}
        for k, n, c, s, p in session.execute(totals).all()
    }


SOURCE = "source"


Counts = dict[str, int]
Tables = dict[str, dict[Any, Counts]]


def _within(scope: FunnelScope) -> Any:
    """A condition on a connection (joined to its project): inside this scope's activity, partner or locality."""
    if scope.project_id:
        return Connection.project_id == scope.project_id
    if scope.partner_id:
        return Project.partner_id == scope.partner_id
    if scope.locality_id:
        return Project.locality_id == scope.locality_id
    return sa.true()


def by_levels(session: Session, scopes: list[FunnelScope]) -> list[tuple[Counts, Tables]]:
    """For each scope (all with the same dates): the total, the by-source and every equality breakdown,
    all in one statement over one pass of the connections. People are worked out per source once (a CTE,
    with a flag per scope and stage), then per person, then counted by source and by each question's
    answer (joined to their record by primary key)."""
    pairs = _pairs()
    came = col(Connection.first_attended_on).is_not(None)
    stage_conditions = {
        "connected": sa.true(),
        "came": came,
        "still_going": Connection.outcome == Outcome.STILL_GOING.value,
        "paired": sa.and_(came, pairs.c.person.is_not(None)),
    }
    flags = []
    for i, scope in enumerate(scopes):
        within = _within(scope)
        for stage, condition in stage_conditions.items():
            flags.append(func.max(sa.case((sa.and_(within, condition), 1), else_=0)).label(f"{stage}_{i}"))
    query: Any = (
        sa.select(col(Connection.participant_id).label("person"), col(Connection.source_id).label("source"), *flags)
        .select_from(Connection)
        .join(Project, col(Project.id) == Connection.project_id)
        .outerjoin(
            pairs, sa.and_(pairs.c.person == Connection.participant_id, pairs.c.project == Connection.project_id)
        )
    )
    if all(s.level != "network" for s in scopes):
        query = query.where(sa.or_(*(_within(s) for s in scopes)))
    dates = scopes[0]
    if dates.date_from:
        query = query.where(Connection.connected_on >= dates.date_from)
    if dates.date_to:
        query = query.where(Connection.connected_on <= dates.date_to)
    grain = query.group_by(Connection.participant_id, Connection.source_id).cte("grain")
    names = [f"{stage}_{i}" for i in range(len(scopes)) for stage in STAGES]
    per_person = (
        sa.select(grain.c.person, *(func.max(grain.c[n]).label(n) for n in names)).group_by(grain.c.person).subquery()
    )
    people = (
        sa.select(per_person, *(getattr(Participant, q) for q in QUESTIONS))
        .join_from(per_person, Participant, col(Participant.id) == per_person.c.person)
        .cte("people")
    )

    def sums(table: Any) -> list[Any]:
        return [func.sum(table.c[n]) for n in names]

    parts = [
        sa.select(sa.literal("").label("question"), sa.cast(sa.null(), sa.String).label("answer"), *sums(people)),
        sa.select(sa.literal(SOURCE), sa.cast(grain.c.source, sa.String), *sums(grain)).group_by(grain.c.source),
    ] + [sa.select(sa.literal(q), people.c[q], *sums(people)).group_by(people.c[q]) for q in QUESTIONS]
    results: list[tuple[Counts, Tables]] = [
        (dict.fromkeys(STAGES, 0), {name: {} for name in (*QUESTIONS, SOURCE)}) for _ in scopes
    ]
    for row in session.execute(sa.union_all(*parts)):
        question, answer, values = row[0], row[1], [int(v or 0) for v in row[2:]]
        for i, (_, tables) in enumerate(results):
            cell = dict(zip(STAGES, values[i * len(STAGES) : (i + 1) * len(STAGES)]))
            if not question:
                results[i] = (cell, tables)
            elif cell["connected"]:
                key = int(answer) if question == SOURCE else (answer if answer is not None else NOT_ANSWERED)
                tables[question][key] = cell
    return results


def _level_key(scope: FunnelScope) -> tuple[str, int]:
    """Where a scope's people are in the kept summary (connections/summary.py)."""
    if scope.project_id:
        return "activity", scope.project_id
    if scope.partner_id:
        return "partner", scope.partner_id
    if scope.locality_id:
        return "locality", scope.locality_id
    return "network", 0


def kept_levels(session: Session, scopes: list[FunnelScope]) -> list[tuple[Counts, Tables]]:
    """by_levels for all dates, from the kept summary: each person is already one row per activity,
    partner, locality and the network (and per team or service there), so this only adds rows up."""
    summary.settle(session)
    table = FunnelPerson.__table__  # type: ignore[attr-defined]
    wanted = [_level_key(s) for s in scopes]
    within = sa.or_(*(sa.and_(table.c.level == level, table.c.key == key) for level, key in wanted))
    people = (
        sa.select(
            table.c.level,
            table.c.key,
            table.c.came,
            table.c.still_going,
            table.c.paired,
            *(table.c[q] for q in QUESTIONS),
        )
        .where(within, table.c.source_id == summary.ANY_SOURCE)
        .cte("people")
    )

    def sums(t: Any) -> list[Any]:
        return [func.count(), func.sum(t.c.came), func.sum(t.c.still_going), func.sum(t.c.paired)]

    parts = [
        sa.select(people.c.level, people.c.key, sa.literal(""), sa.cast(sa.null(), sa.String), *sums(people)).group_by(
            people.c.level, people.c.key
        ),
        sa.select(table.c.level, table.c.key, sa.literal(SOURCE), sa.cast(table.c.source_id, sa.String), *sums(table))
        .where(within, table.c.source_id > summary.ANY_SOURCE)
        .group_by(table.c.level, table.c.key, table.c.source_id),
    ] + [
        sa.select(people.c.level, people.c.key, sa.literal(q), sa.cast(people.c[q], sa.String), *sums(people)).group_by(
            people.c.level, people.c.key, people.c[q]
        )
        for q in QUESTIONS
    ]
    found: dict[tuple[str, int], tuple[Counts, Tables]] = {
        w: (dict.fromkeys(STAGES, 0), {name: {} for name in (*QUESTIONS, SOURCE)}) for w in wanted
    }
    for level, key, question, answer, *values in session.execute(sa.union_all(*parts)):
        _, tables = found[(level, int(key))]
        cell = dict(zip(STAGES, (int(v or 0) for v in values)))
        if not question:
            found[(level, int(key))] = (cell, tables)
        elif cell["connected"]:
            if question == SOURCE:
                tables[question][int(answer)] = cell
            else:
                tables[question][summary.answer_of(question, int(answer)) or NOT_ANSWERED] = cell
    return [found[w] for w in wanted]


def kept_table(
    session: Session, level: str, *, partner_id: int | None = None, locality_id: int | None = None
) -> dict[Any, Counts]:
    """count() for all dates from the kept summary: people at each stage per activity, partner or locality
    (activities only within a partner or a locality if given)."""
    summary.settle(session)
    table = FunnelPerson.__table__  # type: ignore[attr-defined]
    query = (
        sa.select(
            table.c.key,
            func.count(),
            func.sum(table.c.came),
            func.sum(table.c.still_going),
            func.sum(table.c.paired),
        )
        .where(table.c.level == level, table.c.source_id == summary.ANY_SOURCE)
        .group_by(table.c.key)
    )
    if partner_id is not None or locality_id is not None:
        query = query.join(Project, col(Project.id) == table.c.key)
        if partner_id is not None:
            query = query.where(Project.partner_id == partner_id)
        if locality_id is not None:
            query = query.where(Project.locality_id == locality_id)
    return {
        key: {"connected": int(n), "came": int(c or 0), "still_going": int(g or 0), "paired": int(p or 0)}
        for key, n, c, g, p in session.execute(query).all()
    }


def by_person(session: Session, scope: FunnelScope) -> tuple[Counts, Tables]:
    """One scope's total, by-source and equality breakdowns (see by_levels)."""
    return by_levels(session, [scope])[0]


ZERO = dict.fromkeys(STAGES, 0)


def _sibling_tables(session: Session, scope: FunnelScope) -> list[tuple[dict[Any, dict[str, int]], Any]]:
    """The tables (counts by row, this scope's row) that this scope is one row of."""
    dates = {"date_from": scope.date_from, "date_to": scope.date_to}
    kept = scope.date_from is None and scope.date_to is None
    if scope.project_id:
        project = session.get(Project, scope.project_id)
        if project is None:
            return []
        if kept:
            return [
                (kept_table(session, "activity", partner_id=project.partner_id), project.id),
                (kept_table(session, "activity", locality_id=project.locality_id), project.id),
                (kept_table(session, "activity"), project.id),
            ]
        return [
            (count(session, FunnelScope(partner_id=project.partner_id, **dates), Connection.project_id), project.id),
            (count(session, FunnelScope(locality_id=project.locality_id, **dates), Connection.project_id), project.id),
            (count(session, FunnelScope(**dates), Connection.project_id), project.id),
        ]
    if scope.partner_id:
        table = kept_table(session, "partner") if kept else count(session, FunnelScope(**dates), Project.partner_id)
        return [(table, scope.partner_id)]
    if scope.locality_id:
        table = kept_table(session, "locality") if kept else count(session, FunnelScope(**dates), Project.locality_id)
        return [(table, scope.locality_id)]
    return []


def _parent_scopes(session: Session, scope: FunnelScope) -> list[FunnelScope]:
    """The scopes a reader can also ask for that hold this one: its partner, its locality, the network."""
    dates = {"date_from": scope.date_from, "date_to": scope.date_to}
    if scope.project_id:
        project = session.get(Project, scope.project_id)
        if project is None:
            return []
        return [
            FunnelScope(partner_id=project.partner_id, **dates),
            FunnelScope(locality_id=project.locality_id, **dates),
            FunnelScope(**dates),
        ]
    if scope.partner_id or scope.locality_id:
        return [FunnelScope(**dates)]
    return []


def _labels(session: Session, scope: FunnelScope) -> str:
    if scope.project_id:
        project = session.get(Project, scope.project_id)
        return project.title if project else "this activity"
    if scope.partner_id:
        partner = session.get(Partner, scope.partner_id)
        return partner.name if partner else "this partner"
    if scope.locality_id:
        locality = session.get(Locality, scope.locality_id)
        return locality.name if locality else "this locality"
    return "the whole network"


def funnel(session: Session, scope: FunnelScope, *, small_number: int, exact: bool) -> Funnel:
    """The funnel for one activity, partner, locality or the network, with its breakdowns.
    `exact` (coordinators) shows every figure; otherwise small numbers are hidden (see above), and
    the figures are for all dates (rule 5): any dates asked for are set aside (Funnel.dates_set_aside)."""
    dates_set_aside = not exact and (scope.date_from is not None or scope.date_to is not None)
    if not exact:
        scope = replace(scope, date_from=None, date_to=None)
    # Rule 4 for breakdowns needs the same tables one level up: worked out in the same pass.
    # All dates (every view with small numbers hidden): from the kept summary; chosen dates: counted afresh.
    read = kept_levels if scope.date_from is None and scope.date_to is None else by_levels
    levels = read(session, [scope] + ([] if exact else _parent_scopes(session, scope)))
    counts, equality = levels[0]
    parents = [tables for _, tables in levels[1:]]
    total = Row("Everyone", counts)
    hide([total], small_number, with_total=False)
    for table, own_key in _sibling_tables(session, scope):
        rows = {key: Row(str(key), counts) for key, counts in table.items()}
        hide(list(rows.values()), small_number)
        if own_key in rows:
            total.hidden |= rows[own_key].hidden

    # Rule 4 for breakdowns: a cell is hidden where the same cell one level up, minus it, is small
    # (the network's "Female" minus Kirklees' "Female" must not give a hidden count).

    def breakdown(name: str, counts: dict[Any, dict[str, int]], names: dict[Any, str]) -> list[Row]:
        rows = []
        for key, value in counts.items():
            row = Row(names.get(key, str(key)), value)
            for parent in parents:
                above = parent[name].get(key, value)
                row.hidden.update(s for s in STAGES if 0 < above[s] - value[s] < small_number)
            rows.append(row)
        rows.sort(key=lambda r: r.label)
        hide(rows, small_number)
        for row in rows:  # a stage hidden in the total is hidden in every row of its breakdowns
            row.hidden |= total.hidden
        return rows

    sources = {s.id: s.name for s in session.exec(select(ReferralSource))}
    by_source = breakdown(SOURCE, equality[SOURCE], sources)
    by_equality = {question.label: breakdown(name, equality[name], {}) for name, question in QUESTIONS.items()}
    return Funnel(scope, _labels(session, scope), total, by_source, by_equality, exact, small_number, dates_set_aside)


# Track records on funding applications --------------------------------------------------------


@dataclass
class TrackRecord:
    """What a collective sees of an applicant while it decides: always with small numbers hidden."""

    activity: Row | None  # the project itself, among all the network's activities
    partner: Row | None  # the applicant group, among all partners
    wellbeing_n: int
    wellbeing_change: Decimal | None  # mean change in metric SWEMWBS, shown only where n >= small_number
    small_number: int

    def display(self, row: Row | None, stage: str) -> str:
        if row is None:
            return "0"
        if row.shows(stage):
            return f"{row.counts[stage]:,}"
        return f"fewer than {self.small_number}" if 0 < row.counts[stage] < self.small_number else "hidden"


def _mean_changes(session: Session, project_ids: list[int]) -> dict[int, tuple[int, Decimal]]:
    """Per project: people with both forms scored, and the sum of their exact metric changes."""
    base, follow = aliased(WellbeingScore), aliased(WellbeingScore)
    query = (
        sa.select(col(base.project_id), func.count(), func.sum(col(follow.metric_score) - col(base.metric_score)))
        .join(
            follow,
            sa.and_(
                col(follow.participant_id) == base.participant_id,
                col(follow.project_id) == base.project_id,
                col(follow.kind) == ScoreKind.FOLLOW_UP.value,
            ),
        )
        .where(
            col(base.kind) == ScoreKind.BASELINE.value,
            col(base.metric_score).is_not(None),
            col(follow.metric_score).is_not(None),
            col(base.project_id).in_(project_ids),
        )
        .group_by(base.project_id)
    )
    return {pid: (int(n), Decimal(total)) for pid, n, total in session.execute(query)}


def track_records(session: Session, projects: list[tuple[int, int]], *, small_number: int) -> dict[int, TrackRecord]:
    """For (project id, partner id) pairs: connected, came, still going and wellbeing change, hidden where
    small, worked out against every activity's and every partner's figures (so none can be subtracted)."""
    if not projects:
        return {}
    activities = {k: Row(str(k), v) for k, v in kept_table(session, "activity").items()}
    partners = {k: Row(str(k), v) for k, v in kept_table(session, "partner").items()}
    hide(list(activities.values()), small_number)
    hide(list(partners.values()), small_number)
    changes = _mean_changes(session, [pid for pid, _ in projects])
    records = {}
    for project_id, partner_id in projects:
        n, total = changes.get(project_id, (0, Decimal(0)))
        mean = (total / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if n >= small_number else None
        records[project_id] = TrackRecord(activities.get(project_id), partners.get(partner_id), n, mean, small_number)
    return records
