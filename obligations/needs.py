"""What needs each person now, for the top of their home page (most pressing first)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, func, select

from collectives.applications.models import APPLICATION_LABELS, ApplicationStatus
from collectives.applications.service import applications_of_partner, open_rounds_for_partner
from collectives.membership.models import Membership, MembershipStatus
from collectives.rounds.models import Phase, Round
from collectives.rounds.service import days_waiting
from collectives.voting.service import my_ballot
from creative_minds.accounts.models import Role, User
from creative_minds.timeutil import today
from obligations.models import KIND_LABELS, Obligation, ObligationState
from obligations.service import Need
from stories.participants.service import follow_ups_due


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _when(due, now) -> str:
    left = (due - now).days
    if left < 0:
        return f"overdue by {_days(-left)}"
    if left == 0:
        return "due today"
    return f"due in {_days(left)} ({due.strftime('%-d %B')})"


def _member(session: Session, user: User) -> list[Need]:
    localities = session.exec(
        select(Membership.locality_id).where(
            Membership.user_id == user.id, Membership.status == MembershipStatus.ADMITTED
        )
    ).all()
    if not localities:
        return []
    rounds = session.exec(
        select(Round)
        .where(Round.phase == Phase.VOTING, col(Round.locality_id).in_(list(localities)))
        .order_by(Round.id)
    ).all()
    needs = []
    for round_ in rounds:
        voted = my_ballot(session, round_.id, user.id) is not None
        closes = (
            f"closes {round_.voting_closes_on.strftime('%A %-d %B')}"
            if round_.voting_closes_on
            else "closes when the coordinator ends voting"
        )
        needs.append(
            Need(
                title=f"Vote open: {round_.name}",
                detail=f"Voting {closes}. "
                + ("You have voted; you can still change your ballot." if voted else "You have not voted yet."),
                url=f"/rounds/{round_.id}",
                urgent=not voted,
            )
        )
    return needs


def _partner(session: Session, user: User) -> list[Need]:
    assert user.partner_id is not None
    now = today()
    needs = [
        Need(
            title=f"Open for applications: {round_.name}",
            detail=f"Applications close {round_.applications_close_on.strftime('%A %-d %B')}.",
            url=f"/rounds/{round_.id}/apply",
        )
        for round_ in open_rounds_for_partner(session, user.partner_id)
    ]
    for application in applications_of_partner(session, user.partner_id):
        if application.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE):
            needs.append(
                Need(
                    title=f"Application: {application.project.title}",
                    detail=f"{APPLICATION_LABELS[application.status]} — waiting {_days(days_waiting(application))} "
                    f"({application.round.name}).",
                    url="/applications",
                )
            )
    due = session.exec(
        select(Obligation)
        .where(
            Obligation.partner_id == user.partner_id,
            Obligation.state == ObligationState.DUE,
            col(Obligation.due_on) <= now + timedelta(days=30),
        )
        .order_by(col(Obligation.due_on))
    ).all()
    for obligation in due:
        needs.insert(
            0,
            Need(
                title=obligation.title,
                detail=f"{KIND_LABELS[obligation.kind]} {_when(obligation.due_on, now)}.",
                url=f"/partners/{user.partner_id}",
                urgent=obligation.due_on <= now,
            ),
        )
    return needs


def _reporter(session: Session, user: User) -> list[Need]:
    due = follow_ups_due(session, by=user, within_days=7)
    now = today()
    return [
        Need(
            title=f"Follow-up form: {item.participant.code}",
            detail=f"{item.project.title} — {_when(item.due_on, now)}.",
            url=f"/participants/{item.participant.id}",
            urgent=item.due_on <= now,
        )
        for item in due
    ]


def _coordinator(session: Session) -> list[Need]:
    now = today()
    overdue = session.exec(
        select(Obligation)
        .where(Obligation.state == ObligationState.DUE, col(Obligation.due_on) < now)
        .order_by(col(Obligation.due_on), col(Obligation.id))
        .limit(10)
    ).all()
    needs = [
        Need(
            title=obligation.title,
            detail=f"{KIND_LABELS[obligation.kind]} {_when(obligation.due_on, now)}.",
            url=f"/partners/{obligation.partner_id}" if obligation.partner_id else "/obligations",
            urgent=True,
        )
        for obligation in overdue
    ]
    total = session.exec(
        select(func.count())
        .select_from(Obligation)
        .where(Obligation.state == ObligationState.DUE, col(Obligation.due_on) < now)
    ).one()
    if total > len(overdue):
        needs.append(Need(title=f"Everything overdue: {total}", detail="Across the network.", url="/obligations"))
    waiting = session.exec(select(Membership.id).where(Membership.status == MembershipStatus.REQUESTED)).all()
    if waiting:
        needs.append(
            Need(
                title=f"Requests to join a collective: {len(waiting)}",
                detail="Waiting for a decision.",
                url="/collectives",
            )
        )
    return needs


def for_user(session: Session, user: User) -> list[Need]:
    if user.role == Role.COLLECTIVE_MEMBER or user.role == Role.CHAMPION:
        needs = _member(session, user)
    elif user.role == Role.PARTNER and user.partner_id:
        needs = _partner(session, user)
    elif user.role == Role.REPORTER:
        needs = _reporter(session, user)
    elif user.is_coordinator:
        needs = _coordinator(session)
    else:
        needs = []
    return sorted(needs, key=lambda need: not need.urgent)
