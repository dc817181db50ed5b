"""Amendments: when the collective must depart from the rule's outcome, the change is recorded beside it.

The sealed decision and its lines never change. An amendment says who, when and why, and moves
the money through the ledger like any other commitment (inside the share, under the share's lock).
"""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from collectives.applications.models import Application, ApplicationStatus
from collectives.applications.service import get_application
from collectives.decisions.models import AmendmentAction, DecisionAmendment
from collectives.decisions.service import require_decision
from collectives.funds.ledger import add_commitments, entry, lock_share, totals
from collectives.funds.models import EntryKind
from collectives.rounds.service import get_round
from creative_minds.accounts.models import User
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.money import format_pence
from creative_minds.timeutil import utcnow
from projects.models import ProjectStatus
from projects.service import follow_funding


def amendments_of(session: Session, decision_id: int) -> list[DecisionAmendment]:
    query = (
        select(DecisionAmendment)
        .where(DecisionAmendment.decision_id == decision_id)
        .options(
            selectinload(DecisionAmendment.by),
            selectinload(DecisionAmendment.application).selectinload(Application.project),
        )
    )
    return list(session.exec(query.order_by(DecisionAmendment.at, DecisionAmendment.id)))


def amend(
    session: Session, round_id: int, application_id: int, action: AmendmentAction, reason: str, *, by: User
) -> DecisionAmendment:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators record amendments to a decision.")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise Invalid(
            "Say why the decision is amended.",
            errors={"reason": "Give the reason in a sentence (at least 10 characters)."},
        )
    if len(reason) > 2000:
        raise Invalid("The reason is too long.", errors={"reason": "Use 2,000 characters or fewer."})
    decision = require_decision(session, round_id)
    round_ = get_round(session, round_id)
    share = lock_share(session, round_.share_id)  # first write: commitments are checked against fresh totals
    application = get_application(session, application_id)
    session.refresh(application)
    if application.round_id != round_id:
        raise Invalid(
            "This application belongs to another round.",
            errors={"application_id": "Choose an application from this round."},
        )
    now = utcnow()
    note = f"Amendment: {reason[:200]}"
    if action == AmendmentAction.FUND:
        if application.status != ApplicationStatus.NOT_FUNDED:
            raise Conflict("Only an application the rule did not fund can be funded by amendment.")
        add_commitments(
            session,
            share,
            [
                entry(
                    application,
                    share,
                    EntryKind.COMMITMENT,
                    application.amount_pence,
                    note,
                    by,
                    match=application.match_pence,
                )
            ],
        )
        application.status = ApplicationStatus.FUNDED.value
        follow_funding(session, application.project, ProjectStatus.FUNDED)
    else:
        if application.status != ApplicationStatus.FUNDED:
            raise Conflict("Only a funded application can be un-funded by amendment.")
        current = totals(session, application_id=application.id)
        if current.paid_pence:
            raise Conflict(
                f"{format_pence(current.paid_pence)} has already been paid to this project; record a change in the ledger instead."
            )
        session.add(
            entry(application, share, EntryKind.RELEASE, -current.committed_pence, note, by, match=-current.match_pence)
        )
        application.status = ApplicationStatus.NOT_FUNDED.value
        follow_funding(session, application.project, ProjectStatus.DECLINED)
    application.decided_at = now
    amendment = DecisionAmendment(
        decision_id=decision.id, application_id=application.id, action=action.value, reason=reason, by_id=by.id, at=now
    )
    session.add_all([application, application.project, amendment])
    session.flush()
    return amendment
