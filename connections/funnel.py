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
   network's partners or localities), so a total minus the rest never gives a hidden count.
A row whose "connected" is hidden is hidden whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from connections.models import Connection, Outcome, ReferralSource
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


def _pair_exists() -> sa.ColumnElement[bool]:
    base, follow = aliased(WellbeingScore), aliased(WellbeingScore)
    return sa.exists(
        sa.select(1)
        .select_from(base)
        .join(
            follow,
            sa.and_(
                col(follow.participant_id) == base.participant_id,
                col(follow.project_id) == base.project_id,
                col(follow.kind) == ScoreKind.FOLLOW_UP.value,
                col(follow.metric_score).is_not(None),
            ),
        )
        .where(
            col(base.participant_id) == Connection.participant_id,
            col(base.project_id) == Connection.project_id,
            col(base.kind) == ScoreKind.BASELINE.value,
            col(base.metric_score).is_not(None),
        )
    )


def count(session: Session, scope: FunnelScope, key: Any = None) -> dict[Any, dict[str, int]]:
    """People at each stage, by `key` (a column; None for one total under the key None)."""
    came = col(Connection.first_attended_on).is_not(None)
    per_person = (
        sa.select(
            col(Connection.participant_id).label("person"),
            (key if key is not None else sa.literal(None)).label("key"),
            func.max(sa.case((came, 1), else_=0)).label("came"),
            func.max(sa.case((Connection.outcome == Outcome.STILL_GOING.value, 1), else_=0)).label("still_going"),
            func.max(sa.case((sa.and_(came, _pair_exists()), 1), else_=0)).label("paired"),
        )
        .select_from(Connection)
        .join(Project, col(Project.id) == Connection.project_id)
        .join(Participant, col(Participant.id) == Connection.participant_id)
    )
    if scope.project_id:
        per_person = per_person.where(Connection.project_id == scope.project_id)
    if scope.partner_id:
        per_person = per_person.where(Project.partner_id == scope.partner_id)
    if scope.locality_id:
        per_person = per_person.where(Project.locality_id == scope.locality_id)
    if scope.date_from:
        per_person = per_person.where(Connection.connected_on >= scope.date_from)
    if scope.date_to:
        per_person = per_person.where(Connection.connected_on <= scope.date_to)
    group = [Connection.participant_id] + ([key] if key is not None else [])
    people = per_person.group_by(*group).subquery()
    totals = sa.select(
        people.c.key,
        func.count(),
        func.sum(people.c.came),
        func.sum(people.c.still_going),
        func.sum(people.c.paired),
    ).group_by(people.c.key)
    return {
        k: {"connected": int(n), "came": int(c or 0), "still_going": int(s or 0), "paired": int(p or 0)}
        for k, n, c, s, p in session.execute(totals).all()
    }


ZERO = dict.fromkeys(STAGES, 0)


def _total(session: Session, scope: FunnelScope) -> dict[str, int]:
    return count(session, scope).get(None, dict(ZERO))


def _sibling_tables(session: Session, scope: FunnelScope) -> list[tuple[dict[Any, dict[str, int]], Any]]:
    """The tables (counts by row, this scope's row) that this scope is one row of."""
    dates = {"date_from": scope.date_from, "date_to": scope.date_to}
    if scope.project_id:
        project = session.get(Project, scope.project_id)
        if project is None:
            return []
        return [
            (count(session, FunnelScope(partner_id=project.partner_id, **dates), Connection.project_id), project.id),
            (count(session, FunnelScope(locality_id=project.locality_id, **dates), Connection.project_id), project.id),
            (count(session, FunnelScope(**dates), Connection.project_id), project.id),
        ]
    if scope.partner_id:
        return [(count(session, FunnelScope(**dates), Project.partner_id), scope.partner_id)]
    if scope.locality_id:
        return [(count(session, FunnelScope(**dates), Project.locality_id), scope.locality_id)]
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
    `exact` (coordinators) shows every figure; otherwise small numbers are hidden (see above)."""
    total = Row("Everyone", _total(session, scope))
    hide([total], small_number, with_total=False)
    for table, own_key in _sibling_tables(session, scope):
        rows = {key: Row(str(key), counts) for key, counts in table.items()}
        hide(list(rows.values()), small_number)
        if own_key in rows:
            total.hidden |= rows[own_key].hidden

    def breakdown(counts: dict[Any, dict[str, int]], names: dict[Any, str]) -> list[Row]:
        rows = [Row(names.get(key, str(key)), value) for key, value in counts.items()]
        rows.sort(key=lambda r: r.label)
        hide(rows, small_number)
        for row in rows:  # a stage hidden in the total is hidden in every row of its breakdowns
            row.hidden |= total.hidden
        return rows

    sources = {s.id: s.name for s in session.exec(select(ReferralSource))}
    by_source = breakdown(count(session, scope, Connection.source_id), sources)
    by_equality = {}
    for name, question in QUESTIONS.items():
        counts = count(session, scope, getattr(Participant, name))
        labelled = {key if key is not None else NOT_ANSWERED: value for key, value in counts.items()}
        by_equality[question.label] = breakdown(labelled, {})
    return Funnel(scope, _labels(session, scope), total, by_source, by_equality, exact, small_number)
