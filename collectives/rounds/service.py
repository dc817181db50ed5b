"""Funding rounds: create them, move them through their phases, and log who did it and when."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select

from collectives.applications.models import Application, ApplicationStatus
from collectives.decisions.models import Decision, DecisionLine
from collectives.funds.ledger import lock_share, share_totals
from collectives.funds.models import FundShare
from collectives.rounds.forms import RoundInput
from collectives.rounds.models import NEXT_PHASE, PHASE_LABELS, Phase, PhaseChange, Round, TieRule
from creative_minds.accounts.models import User
from creative_minds.db import get_or_404
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.money import format_pence
from creative_minds.timeutil import utcnow
from obligations import events


def get_round(session: Session, round_id: int) -> Round:
    return get_or_404(
        session, Round, round_id, "funding round", options=[selectinload(Round.locality), selectinload(Round.share)]
    )


def list_rounds(session: Session, *, locality_id: int | None = None, phases: list[Phase] | None = None) -> list[Round]:
    query = select(Round).options(selectinload(Round.locality))
    if locality_id is not None:
        query = query.where(Round.locality_id == locality_id)
    if phases:
        query = query.where(col(Round.phase).in_([p.value for p in phases]))
    return list(session.exec(query.order_by(col(Round.created_at).desc(), col(Round.id).desc())))


def open_rounds_for(session: Session, locality_ids: list[int]) -> list[Round]:
    query = select(Round).where(Round.phase == Phase.OPEN, col(Round.locality_id).in_(locality_ids))
    return list(session.exec(query.options(selectinload(Round.locality)).order_by(Round.applications_close_on)))


def create_round(session: Session, data: RoundInput, *, by: User) -> Round:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators create funding rounds.")
    if session.get(FundShare, data.share_id) is None:
        raise Invalid("Choose a locality share.", errors={"share_id": "Choose a fund and locality from the list."})
    share = lock_share(session, data.share_id)  # two rounds opened at once are served in turn
    totals = share_totals(session, share)
    remaining = totals.remaining_pence or 0
    if data.budget_pence > remaining:
        held = (
            f" ({format_pence(totals.reserved_pence)} is held for rounds still deciding)"
            if totals.reserved_pence
            else ""
        )
        raise Invalid(
            "The budget is more than is left in the locality's share.",
            errors={"budget_pence": f"Only {format_pence(remaining)} of this share is free{held}."},
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
        tie_rule=data.tie_rule.value,
        quorum_min_voters=data.quorum_min_voters,
        quorum_lived_experience=data.quorum_lived_experience,
        created_by_id=by.id,
    )
    session.add(round_)
    session.flush()
    session.add(
        PhaseChange(round_id=round_.id, from_phase=None, to_phase=Phase.OPEN.value, by_id=by.id, note="Round created")
    )
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
    from collectives.voting.service import quorum

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


# Steps that cannot be undone: the coordinator must say so explicitly (a ticked box on the page).
IRREVERSIBLE = {
    Phase.VOTING: "Once voting closes nobody can vote or change their ballot, and it cannot be opened again.",
    Phase.DECIDED: "Once the round is closed it cannot be opened again.",
}


def advance_phase(
    session: Session,
    round_: Round,
    *,
    by: User,
    expected: Phase | None = None,
    note: str = "",
    confirmed: bool = False,
) -> Round:
    """Move the round to its next phase, if nothing blocks it; the change is logged.

    Closing voting and closing the round cannot be undone, so they need `confirmed`.
    """
    if not by.is_coordinator:
        raise Forbidden("Only coordinators move a round to its next phase.")
    current = Phase(round_.phase)
    if expected is not None and expected != current:
        raise Conflict(f"The round is already at “{PHASE_LABELS[current]}”. Reload the page to see it.")
    problems = blockers(session, round_)
    if problems:
        raise Conflict("The round cannot move on yet: " + " ".join(problems))
    if current in IRREVERSIBLE and not confirmed:
        raise Invalid(
            "Please confirm: " + IRREVERSIBLE[current],
            errors={"confirm": "Tick the box to confirm that you understand this cannot be undone."},
        )
    target = NEXT_PHASE[current]
    round_.phase = target.value
    session.add(round_)
    session.add(
        PhaseChange(round_id=round_.id, from_phase=current.value, to_phase=target.value, by_id=by.id, note=note[:500])
    )
    if target == Phase.ELIGIBILITY:
        from collectives.applications.service import precheck_round

        precheck_round(session, round_)
    if target == Phase.VOTING and round_.tie_rule == TieRule.LOT:
        _draw_lots(session, round_)
    session.flush()
    if target == Phase.VOTING:
        events.vote_opened(session, round_)
    return round_


def _draw_lots(session: Session, round_: Round) -> None:
    """Draw the lots for ties when voting opens: a random order of the applications on the ballot."""
    eligible = list(
        session.exec(
            select(Application).where(
                Application.round_id == round_.id, Application.status == ApplicationStatus.ELIGIBLE
            )
        )
    )
    secrets.SystemRandom().shuffle(eligible)
    for position, application in enumerate(eligible, start=1):
        application.lot = position
        session.add(application)
    round_.lots_drawn_at = utcnow()
    session.add(round_)


def set_tie_rule(session: Session, round_: Round, tie_rule: TieRule, *, by: User) -> Round:
    """Choose how ties are settled; only before voting opens, so members know the rule before they vote."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators choose how ties are settled.")
    if round_.phase not in (Phase.OPEN, Phase.ELIGIBILITY):
        raise Conflict("Voting has opened, so the tie rule is fixed for this round.")
    round_.tie_rule = tie_rule.value
    session.add(round_)
    session.flush()
    return round_


def tie_order(round_: Round, applications: list[Application]) -> dict[int, int]:
    """The last tie-break as a place for each application (lower goes first), by the round's rule.

    By lot: the place drawn when voting opened (applications without one, if any, after them in
    the order they were sent). By the earlier application: the order they were sent.
    """
    by_sending = sorted(applications, key=lambda a: (a.submitted_at, a.id))
    if round_.tie_rule == TieRule.LOT:
        drawn = sorted((a for a in applications if a.lot is not None), key=lambda a: a.lot)  # type: ignore[return-value]
        rest = [a for a in by_sending if a.lot is None]
        ordered = drawn + rest
    else:
        ordered = by_sending
    return {a.id: place for place, a in enumerate(ordered, start=1)}  # type: ignore[misc]


def published_tie_order(session: Session, round_: Round) -> list[Application]:
    """The applications on the ballot in tie-break order, as the round page publishes it."""
    from collectives.applications.service import applications_in

    on_ballot = applications_in(
        session,
        round_.id,
        statuses=[ApplicationStatus.ELIGIBLE, ApplicationStatus.FUNDED, ApplicationStatus.NOT_FUNDED],
    )
    order = tie_order(round_, on_ballot)
    return sorted(on_ballot, key=lambda a: order[a.id])  # type: ignore[index]


def voting_opened_at(session: Session, round_id: int) -> datetime | None:
    """When voting opened in this round (the latest move to the voting phase), if it has."""
    query = select(PhaseChange.at).where(PhaseChange.round_id == round_id, PhaseChange.to_phase == Phase.VOTING)
    return session.exec(query.order_by(col(PhaseChange.at).desc())).first()


def days_waiting(application: Application) -> int:
    return (utcnow() - application.submitted_at).days


def publish_outcomes(session: Session, round_: Round, *, by: User) -> Round:
    """Let the applicants see the outcome per application (never ballots, turnout or members)."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators publish a round's outcome.")
    if session.exec(select(Decision.id).where(Decision.round_id == round_.id)).first() is None:
        raise Conflict("Confirm the decision before publishing its outcome.")
    if round_.outcomes_published_at is None:
        round_.outcomes_published_at = utcnow()
        session.add(round_)
        session.flush()
        # Applicants hear of the outcome when it is published to them, not before.
        lines = session.exec(
            select(DecisionLine)
            .join(Decision, col(Decision.id) == DecisionLine.decision_id)
            .where(Decision.round_id == round_.id)
            .options(selectinload(DecisionLine.application))
        ).all()
        events.decision_made(session, round_, [(line.application, line.outcome, line.explanation) for line in lines])
    return round_
