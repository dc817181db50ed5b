"""Demo dates in every state: due soon, due today, overdue, done and waived, with the reminders
the daily scan would queue (they wait in the outbox: the demo sets no SMTP server)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from creative_minds.accounts.models import User
from creative_minds.timeutil import today
from obligations.models import Obligation, ObligationState
from obligations.service import close, remind
from partners.models import Partner


def load(session: Session, *, coordinator: User) -> None:
    group = session.exec(select(User).where(User.email == "group@example.org")).one()
    partner = session.get(Partner, group.partner_id)
    assert partner is not None
    partner.insurance_expires_on = today() + timedelta(days=10)  # due soon
    partner.safeguarding_review_due_on = today() - timedelta(days=5)  # overdue
    session.add(partner)
    session.flush()
    remind(session, digest=False)
    session.flush()
    overdue = list(
        session.exec(
            select(Obligation)
            .where(
                Obligation.state == ObligationState.DUE,
                col(Obligation.due_on) < today(),
                Obligation.partner_id != partner.id,
                col(Obligation.partner_id).is_not(None),
            )
            .order_by(col(Obligation.id))
            .limit(2)
        )
    )
    if len(overdue) == 2:
        close(session, overdue[0], waive=False, reason="New certificate seen at the partners' meeting", by=coordinator)
        close(session, overdue[1], waive=True, reason="Covered by the host partner's policy", by=coordinator)
