"""Which people an import of collective members brought in (to invite them to choose a password)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from collectives.membership.models import Membership, MembershipStatus
from creative_minds.accounts.models import User
from transfers.models import ImportKey, ImportKind


def imported_members(session: Session) -> list[User]:
    """The accounts of admitted memberships that a members import made or updated, by name."""
    imported = select(ImportKey.record_id).where(ImportKey.kind == ImportKind.MEMBERS.value)
    return list(
        session.exec(
            select(User)
            .join(Membership, col(Membership.user_id) == User.id)
            .where(col(Membership.id).in_(imported), Membership.status == MembershipStatus.ADMITTED.value)
            .order_by(col(User.full_name), col(User.id))
            .distinct()
        )
    )
