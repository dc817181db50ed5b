"""Funding rounds: create them, move them through their phases, and log who did it and when."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select

from collectives.forms import RoundInput
from collectives.ledger import share_totals
from collectives.models import (
    NEXT_PHASE,
    PHASE_LABELS,
    Application,
    ApplicationStatus,
    Decision,
    FundShare,
    Phase,
    PhaseChange,
    Round,
)
from creative_minds.accounts.models import Role, User
from creative_minds.exceptions import Conflict, Forbidden, Invalid, NotFound
from creative_minds.money import format_pence
from creative_minds.timeutil import utcnow


def get_round(session: Session, round_id: int) -> Round:
    round_ = session.get(Round, round_id, options=[selectinload(Round.locality), selectinload(Round.share)])
    if round_ is None:
        raise NotFound(f"There is no funding round number {round_id}.")
    return round_


def list_rounds(session: Session, *, locality_id: int | None = None, phases: list[Phase] | None = None) -> list[Round]:
    query = select(Round).options(selectinload(Round.locality))
    if locality_id is not None:
        query = query.where(Round.locality_id == locality_id)
    if phases:
        query = query.where(col(Round.phase).in_([p.value for p in phases]))
    return list(session.exec(query.order_by(Round.created_at.desc(), Round.id.desc())))


def open_rounds_for(session: Session, locality_ids: list[int]) -> list[Round]:
    query = select(Round).where(Round.phase == Phase.OPEN, col(Round.locality_id).in_(locality_ids))
    return list(session.exec(query.options(selectinload(Round.locality)).order_by(Round.applications_close_on)))


def create_round(session: Session, data: RoundInput, *, by: User) -> Round:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators create funding rounds.")
    share = session.get(FundShare, data.share_id)
    if share is None:
        raise Invalid("Choose a locality share.", errors={"share_id": "Choose a fund and locality from the list."})
    remaining = share_totals(session, share).remaining_pence or 0
    if data.budget_pence > remaining:
        raise Invalid(
            "The budget is more than is left in the locality's share.",
            errors={"budget_pence": f"Only {format_pence(remaining)} of this share is not yet committed."},
        )
    round_ = Round(
        share_id=share.id,
        locality_id=share.locality_id,
        name=data.name,
        description=data.description,
        budget_pence=data.budget_pence,
        applications_close_on=data.applications_close_on,
        voting_closes_on=data.voting_closes_on,
        rule=data.rule.value,
        quorum_min_voters=data.quorum_min_voters,
        quorum_lived_experience=data.quorum_lived_experience,
        lot_seed=secrets.randbelow(2**31),
        created_by_id=by.id,
    )
    session.add(round_)
    session.flush()
    session.add(PhaseChange(round_id=round_.id, from_phase=None, to_phase=Phase.OPEN.value, by_id=by.id, note="Round created"))
    session.flush()
    return round_


def phase_history(session: Session, round_id: int) -> list[PhaseChange]:
    query = select(PhaseChange).where(PhaseChange.round_id == round_id).options(selectinload(PhaseChange.by))
    return list(session.exec(query.order_by(PhaseChange.at, PhaseChange.id)))


def _count(session: Session, round_id: int, *statuses: ApplicationStatus) -> int:
    query = select(func.count()).select_from(Application).where(Application.round_id == round_id)
    if statuses:
        query = query.where(col(Application.status).in_([s.value for s in statuses]))
    return session.exec(query).one()


def blockers(session: Session, round_: Round) -> list[str]:
    """Why the round cannot move to its next phase yet (empty when it can)."""
    from collectives.voting import quorum

    phase = Phase(round_.phase)
    problems: list[str] = []
    if phase == Phase.OPEN and _count(session, round_.id) == 0:
        problems.append("No applications yet.")
    if phase == Phase.ELIGIBILITY:
        waiting = _count(session, round_.id, ApplicationStatus.SUBMITTED)
        if waiting:
            problems.append(f"{waiting} application{'s' if waiting != 1 else ''} still need an eligibility decision.")
        if _count(session, round_.id, ApplicationStatus.ELIGIBLE) == 0:
            problems.append("No application is eligible, so there is nothing to vote on.")
    if phase == Phase.VOTING:
        problems.extend(quorum(session, round_).problems)
    if phase == Phase.DECIDED:
        decided = session.exec(select(func.count()).select_from(Decision).where(Decision.round_id == round_.id)).one()
        if not decided:
            problems.append("The decision has not been confirmed yet.")
    if phase == Phase.CLOSED:
        problems.append("The round is closed.")
    return problems


def advance_phase(session: Session, round_: Round, *, by: User, expected: Phase | None = None, note: str = "") -> Round:
    """Move the round to its next phase, if nothing blocks it; the change is logged."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators move a round to its next phase.")
    current = Phase(round_.phase)
    if expected is not None and expected != current:
        raise Conflict(f"The round is already at “{PHASE_LABELS[current]}”. Reload the page to see it.")
    problems = blockers(session, round_)
    if problems:
        raise Conflict("The round cannot move on yet: " + " ".join(problems))
    target = NEXT_PHASE[current]
    round_.phase = target.value
    session.add(round_)
    session.add(PhaseChange(round_id=round_.id, from_phase=current.value, to_phase=target.value, by_id=by.id, note=note[:500]))
    if target == Phase.ELIGIBILITY:
        from collectives.applications import precheck_round

        precheck_round(session, round_)
    session.flush()
    return round_


def can_see_round(user: User | None, round_: Round) -> bool:
    """Coordinators and collective members of its locality see a round; partners see rounds open to them."""
    if user is None:
        return False
    if user.is_coordinator:
        return True
    if user.role == Role.COLLECTIVE_MEMBER:
        return user.locality_id == round_.locality_id
    return user.role == Role.PARTNER


def days_waiting(application: Application) -> int:
    return (utcnow() - application.submitted_at).days
