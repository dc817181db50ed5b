"""Collective membership (anyone may ask to join; a coordinator or the collective admits) and conflicts of interest."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from collectives.forms import ConflictInput, JoinInput
from collectives.models import ConflictOfInterest, Constituency, Membership, MembershipStatus
from creative_minds.accounts.models import Role, User
from creative_minds.exceptions import Conflict, Forbidden, Invalid, NotFound
from creative_minds.localities import Locality
from creative_minds.timeutil import utcnow
from partners.models import Partner


def membership_of(session: Session, user: User | None, locality_id: int | None = None) -> Membership | None:
    if user is None:
        return None
    query = select(Membership).where(Membership.user_id == user.id)
    if locality_id is not None:
        query = query.where(Membership.locality_id == locality_id)
    return session.exec(query.order_by(Membership.requested_at.desc())).first()


def is_admitted(session: Session, user: User | None, locality_id: int) -> bool:
    membership = membership_of(session, user, locality_id)
    return membership is not None and membership.status == MembershipStatus.ADMITTED


def members(session: Session, locality_id: int, *, status: MembershipStatus | None = MembershipStatus.ADMITTED) -> list[Membership]:
    query = select(Membership).where(Membership.locality_id == locality_id).options(selectinload(Membership.user))
    if status is not None:
        query = query.where(Membership.status == status.value)
    return list(session.exec(query.order_by(Membership.requested_at)))


def request_to_join(session: Session, user: User, data: JoinInput) -> Membership:
    if session.get(Locality, data.locality_id) is None:
        raise Invalid("Choose a locality.", errors={"locality_id": "Choose a locality from the list."})
    if user.role not in (Role.COLLECTIVE_MEMBER, Role.CHAMPION, Role.REPORTER):
        raise Forbidden("Coordinators and partner accounts cannot join a collective; ask for a personal account.")
    existing = membership_of(session, user, data.locality_id)
    if existing is not None and existing.status in (MembershipStatus.REQUESTED, MembershipStatus.ADMITTED):
        raise Conflict("You have already asked to join this collective.")
    membership = existing or Membership(user_id=user.id, locality_id=data.locality_id, constituency=data.constituency.value)
    membership.constituency = data.constituency.value
    membership.reason = data.reason
    membership.status = MembershipStatus.REQUESTED.value
    membership.requested_at = utcnow()
    membership.decided_at = None
    membership.decided_by_id = None
    session.add(membership)
    session.flush()
    return membership


def can_admit(session: Session, user: User | None, locality_id: int) -> bool:
    return user is not None and (user.is_coordinator or is_admitted(session, user, locality_id))


def decide_membership(session: Session, membership_id: int, *, admit: bool, by: User) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(f"There is no membership request number {membership_id}.")
    if not can_admit(session, by, membership.locality_id):
        raise Forbidden("Only coordinators and members of this collective can admit new members.")
    if membership.status != MembershipStatus.REQUESTED:
        raise Conflict("This request has already been decided.")
    membership.status = (MembershipStatus.ADMITTED if admit else MembershipStatus.DECLINED).value
    membership.decided_at = utcnow()
    membership.decided_by_id = by.id
    if admit:
        user = session.get(User, membership.user_id)
        assert user is not None
        if user.role == Role.CHAMPION or user.role == Role.REPORTER or user.role == Role.COLLECTIVE_MEMBER:
            user.role = Role.COLLECTIVE_MEMBER.value
            user.locality_id = membership.locality_id
            session.add(user)
    session.add(membership)
    session.flush()
    return membership


def admit_directly(session: Session, user: User, locality_id: int, constituency: Constituency, *, by: User | None = None) -> Membership:
    """Used for accounts a coordinator creates as collective members, and for demo data."""
    membership = Membership(
        user_id=user.id, locality_id=locality_id, constituency=constituency.value, status=MembershipStatus.ADMITTED.value,
        decided_at=utcnow(), decided_by_id=by.id if by else None,
    )
    session.add(membership)
    session.flush()
    return membership


# Conflicts of interest ------------------------------------------------------------------------


def conflicts_of(session: Session, user_id: int) -> list[ConflictOfInterest]:
    query = select(ConflictOfInterest).where(ConflictOfInterest.user_id == user_id).options(selectinload(ConflictOfInterest.partner))
    return list(session.exec(query.order_by(ConflictOfInterest.declared_at)))


def conflicted_partner_ids(session: Session, user_id: int) -> set[int]:
    return set(session.exec(select(ConflictOfInterest.partner_id).where(ConflictOfInterest.user_id == user_id)))


def declare_conflict(session: Session, user: User, data: ConflictInput) -> ConflictOfInterest:
    if session.get(Partner, data.partner_id) is None:
        raise Invalid("Choose a partner.", errors={"partner_id": "Choose a partner from the list."})
    if data.partner_id in conflicted_partner_ids(session, user.id):
        raise Conflict("You have already declared a conflict of interest with this partner.")
    conflict = ConflictOfInterest(user_id=user.id, partner_id=data.partner_id, note=data.note)
    session.add(conflict)
    session.flush()
    return conflict
