"""Collective membership (anyone may ask to join; a coordinator or the collective admits) and conflicts of interest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from collectives.membership.forms import ConflictInput, JoinInput
from collectives.membership.models import (
    CONSTITUENCY_COUNTED,
    ConflictOfInterest,
    Constituency,
    Membership,
    MembershipStatus,
)
from collectives.rounds.models import Phase, Round
from creative_minds.accounts.models import AccountToken, Role, TokenPurpose, User
from creative_minds.accounts.service import create_user, email_taken
from creative_minds.db import get_or_404
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.forms import parse_id
from creative_minds.labels import LabelledEnum
from creative_minds.localities import Locality
from creative_minds.passwords import hash_password
from creative_minds.timeutil import utcnow
from obligations import events
from partners.forms import AccountInput
from partners.models import Partner


def membership_of(session: Session, user: User | None, locality_id: int | None = None) -> Membership | None:
    if user is None:
        return None
    query = select(Membership).where(Membership.user_id == user.id)
    if locality_id is not None:
        query = query.where(Membership.locality_id == locality_id)
    return session.exec(query.order_by(col(Membership.requested_at).desc())).first()


def is_admitted(session: Session, user: User | None, locality_id: int) -> bool:
    membership = membership_of(session, user, locality_id)
    return membership is not None and membership.status == MembershipStatus.ADMITTED


def members(
    session: Session, locality_id: int, *, status: MembershipStatus | None = MembershipStatus.ADMITTED
) -> list[Membership]:
    query = select(Membership).where(Membership.locality_id == locality_id).options(selectinload(Membership.user))
    if status is not None:
        query = query.where(Membership.status == status.value)
    return list(session.exec(query.order_by(Membership.requested_at)))


@dataclass(frozen=True)
class MemberEntry:
    name: str
    constituency: str | None  # None: this member keeps it to themself


def member_list(session: Session, locality_id: int, *, viewer: User) -> list[MemberEntry]:
    """Names for admitted members and coordinators only; constituency where the member shares it
    (coordinators see every constituency: they check the quorum)."""
    if not (viewer.is_coordinator or is_admitted(session, viewer, locality_id)):
        raise Forbidden("Only the collective's members and coordinators see who its members are.")
    return [
        MemberEntry(
            m.user.full_name,
            m.constituency if (m.show_constituency or viewer.is_coordinator or m.user_id == viewer.id) else None,
        )
        for m in members(session, locality_id)
    ]


def set_constituency_visible(session: Session, user: User, shown: bool) -> Membership:
    mine = membership_of(session, user)
    if mine is None or mine.status != MembershipStatus.ADMITTED:
        raise Forbidden("Only admitted members choose what other members see.")
    mine.show_constituency = shown
    session.add(mine)
    session.flush()
    return mine


def request_to_join(session: Session, user: User, data: JoinInput) -> Membership:
    if session.get(Locality, data.locality_id) is None:
        raise Invalid("Choose a locality.", errors={"locality_id": "Choose a locality from the list."})
    if user.role not in (Role.COLLECTIVE_MEMBER, Role.CHAMPION, Role.REPORTER):
        raise Forbidden("Coordinators and partner accounts cannot join a collective; ask for a personal account.")
    existing = membership_of(session, user, data.locality_id)
    if existing is not None and existing.status in (MembershipStatus.REQUESTED, MembershipStatus.ADMITTED):
        raise Conflict("You have already asked to join this collective.")
    membership = existing or Membership(
        user_id=user.id, locality_id=data.locality_id, constituency=data.constituency.value
    )
    membership.constituency = data.constituency.value
    membership.reason = data.reason
    membership.status = MembershipStatus.REQUESTED.value
    membership.requested_at = utcnow()
    membership.decided_at = None
    membership.decided_by_id = None
    session.add(membership)
    session.flush()
    events.join_requested(session, membership)
    return membership


def join_with_new_account(session: Session, account: AccountInput, choice: JoinInput) -> Membership | None:
    """Someone without an account asks to join. If the e-mail already has an account nothing is made
    (they sign in and ask from there); the caller answers the same either way, so asking never
    reveals whether an e-mail address has an account."""
    if email_taken(session, str(account.email)):
        hash_password(account.password)  # the same work as making an account
        return None
    user = create_user(
        session,
        email=str(account.email),
        full_name=account.full_name,
        password=account.password,
        role=Role.COLLECTIVE_MEMBER,
        locality_id=choice.locality_id,
    )
    return request_to_join(session, user, choice)


def voting_round_in(session: Session, locality_id: int) -> Round | None:
    """A round of this locality's collective that is open for voting now, if any."""
    query = select(Round).where(Round.locality_id == locality_id, Round.phase == Phase.VOTING)
    return session.exec(query.order_by(Round.id)).first()


def can_admit(session: Session, user: User | None, locality_id: int) -> bool:
    """Coordinators always; members of the collective too, except while one of its rounds is voting."""
    if user is None:
        return False
    if user.is_coordinator:
        return True
    return is_admitted(session, user, locality_id) and voting_round_in(session, locality_id) is None


def decide_membership(session: Session, membership_id: int, *, admit: bool, by: User) -> Membership:
    membership = get_or_404(session, Membership, membership_id, "membership request")
    if not by.is_coordinator and not is_admitted(session, by, membership.locality_id):
        raise Forbidden("Only coordinators and members of this collective can admit new members.")
    voting = voting_round_in(session, membership.locality_id)
    if admit and voting is not None and not can_admit(session, by, membership.locality_id):
        raise Forbidden(
            f"Voting is open in {voting.name}, so only a coordinator can admit new members until it closes. "
            "The decision record will list anyone admitted while voting was open."
        )
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


def admit_directly(
    session: Session, user: User, locality_id: int, constituency: Constituency, *, by: User | None = None
) -> Membership:
    """Used for accounts a coordinator creates as collective members, and for demo data."""
    membership = Membership(
        user_id=user.id,
        locality_id=locality_id,
        constituency=constituency.value,
        status=MembershipStatus.ADMITTED.value,
        decided_at=utcnow(),
        decided_by_id=by.id if by else None,
    )
    session.add(membership)
    session.flush()
    return membership


def not_admitted_message(session: Session, user: User | None, locality_id: int, *, doing: str) -> str:
    """Why this person cannot yet see or take part in the collective's rounds, in their terms."""
    mine = membership_of(session, user, locality_id)
    locality = session.get(Locality, locality_id)
    name = locality.name if locality else "this locality's"
    if mine is not None and mine.status == MembershipStatus.REQUESTED:
        return (
            f"Your request to join the {name} collective (sent {mine.requested_at.day} {mine.requested_at:%B %Y}) "
            f"is waiting for a coordinator or a member to decide. Once you are admitted you can {doing}."
        )
    if mine is not None and mine.status == MembershipStatus.DECLINED:
        return f"Your request to join the {name} collective was not accepted, so you cannot {doing}."
    elsewhere = membership_of(session, user)
    if elsewhere is not None and elsewhere.status == MembershipStatus.ADMITTED:
        return f"This round belongs to the {name} collective; you are a member of another locality's collective."
    return f"Only members of the {name} collective and coordinators can {doing}."


def make_up(session: Session, locality_id: int) -> list[tuple[Constituency, int]]:
    """How many admitted members the collective has from each constituency (all four, in order)."""
    counts = {c: 0 for c in Constituency}
    for membership in members(session, locality_id):
        counts[Constituency(membership.constituency)] += 1
    return list(counts.items())


def describe_make_up(counts: list[tuple[Constituency, int]] | list[tuple[str, int]]) -> str:
    """'7 members: 3 people with lived experience, 2 carers, 1 member of trust staff, 1 community representative'."""
    total = sum(n for _, n in counts)
    parts = [f"{n} {CONSTITUENCY_COUNTED[Constituency(c)][0 if n == 1 else 1]}" for c, n in counts if n]
    head = f"{total} member{'' if total == 1 else 's'}"
    return f"{head}: {', '.join(parts)}" if parts else "No members yet"


def admitted_since(session: Session, locality_id: int, since: datetime) -> list[Membership]:
    """Members admitted to the collective at or after a moment (say, when voting opened)."""
    query = (
        select(Membership)
        .where(
            Membership.locality_id == locality_id,
            Membership.status == MembershipStatus.ADMITTED,
            col(Membership.decided_at) >= since,
        )
        .options(selectinload(Membership.user), selectinload(Membership.decided_by))
    )
    return list(session.exec(query.order_by(Membership.decided_at, Membership.id)))


# Conflicts of interest ------------------------------------------------------------------------


def conflicts_of(session: Session, user_id: int) -> list[ConflictOfInterest]:
    query = (
        select(ConflictOfInterest)
        .where(ConflictOfInterest.user_id == user_id)
        .options(selectinload(ConflictOfInterest.partner))
    )
    return list(session.exec(query.order_by(ConflictOfInterest.declared_at)))


def conflicted_partner_ids(session: Session, user_id: int) -> set[int]:
    return set(session.exec(select(ConflictOfInterest.partner_id).where(ConflictOfInterest.user_id == user_id)))


def declared_conflicts(session: Session, locality_id: int, partner_ids: set[int]) -> list[ConflictOfInterest]:
    """Conflicts the collective's admitted members have declared with any of these partners."""
    if not partner_ids:
        return []
    member_ids = [m.user_id for m in members(session, locality_id)]
    query = (
        select(ConflictOfInterest)
        .where(col(ConflictOfInterest.user_id).in_(member_ids), col(ConflictOfInterest.partner_id).in_(partner_ids))
        .options(selectinload(ConflictOfInterest.partner), selectinload(ConflictOfInterest.user))
    )
    return list(session.exec(query.order_by(ConflictOfInterest.declared_at, ConflictOfInterest.id)))


def conflicted_partners_of(session: Session, user_ids: list[int]) -> dict[int, set[int]]:
    """Each of these members' conflicted partner ids, read in one query."""
    conflicts: dict[int, set[int]] = {uid: set() for uid in user_ids}
    for start in range(0, len(user_ids), 500):
        rows = session.exec(
            select(ConflictOfInterest.user_id, ConflictOfInterest.partner_id).where(
                col(ConflictOfInterest.user_id).in_(user_ids[start : start + 500])
            )
        )
        for user_id, partner_id in rows:
            conflicts[user_id].add(partner_id)
    return conflicts


def declare_conflict(session: Session, user: User, data: ConflictInput) -> ConflictOfInterest:
    if session.get(Partner, data.partner_id) is None:
        raise Invalid("Choose a partner.", errors={"partner_id": "Choose a partner from the list."})
    if data.partner_id in conflicted_partner_ids(session, user.id):
        raise Conflict("You have already declared a conflict of interest with this partner.")
    conflict = ConflictOfInterest(user_id=user.id, partner_id=data.partner_id, note=data.note)
    session.add(conflict)
    session.flush()
    return conflict


# The coordinators' list of members (names, e-mails, constituencies: special-category data) ---------


class Access(LabelledEnum):
    """Whether a member can sign in yet: imported members have an account but no password they know."""

    NOT_INVITED = "not_invited", "Never signed in, not invited"
    INVITED = "invited", "Invited, not signed in yet"
    SIGNED_IN = "signed_in", "Has signed in"


@dataclass(frozen=True)
class MemberFilters:
    locality_id: int | None = None
    constituency: str = ""  # a Constituency value, or "" for every one
    status: str = MembershipStatus.ADMITTED.value  # a MembershipStatus value, or "" for every one
    access: str = ""  # an Access value, or ""

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> MemberFilters:
        """From a query string or a form's hidden fields; an unknown value means "every one", never an error."""

        def text(name: str) -> str:
            raw = values.get(name)
            if isinstance(raw, list):
                raw = raw[-1] if raw else ""
            return str(raw or "").strip()

        status = text("status") or MembershipStatus.ADMITTED.value  # "any": every status
        return cls(
            locality_id=parse_id(text("locality")),
            constituency=text("constituency") if text("constituency") in Constituency.labels() else "",
            status=status if status in {s.value for s in MembershipStatus} else "",
            access=text("access") if text("access") in Access.labels() else "",
        )

    def as_query(self) -> dict[str, str]:
        return {
            "locality": str(self.locality_id or ""),
            "constituency": self.constituency,
            "status": self.status or "any",
            "access": self.access,
        }

    def describe(self) -> str:
        parts = [f"{name}={value}" for name, value in self.as_query().items() if value]
        return ", ".join(parts) or "none"


def member_rows(session: Session, filters: MemberFilters, *, by: User) -> list[Membership]:
    """Every membership the filters choose, by locality then name, with the person and locality loaded."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators see the list of members with their details.")
    invited = select(AccountToken.user_id).where(AccountToken.purpose == TokenPurpose.INVITE.value)
    query = (
        select(Membership)
        .join(User, col(User.id) == Membership.user_id)
        .join(Locality, col(Locality.id) == Membership.locality_id)
        .options(selectinload(Membership.user), selectinload(Membership.locality))
        .order_by(col(Locality.name), col(User.full_name), col(Membership.id))
    )
    if filters.locality_id is not None:
        query = query.where(Membership.locality_id == filters.locality_id)
    if filters.constituency:
        query = query.where(Membership.constituency == filters.constituency)
    if filters.status:
        query = query.where(Membership.status == filters.status)
    if filters.access == Access.SIGNED_IN:
        query = query.where(col(User.last_login_at).is_not(None))
    elif filters.access == Access.INVITED:
        query = query.where(col(User.last_login_at).is_(None), col(User.id).in_(invited))
    elif filters.access == Access.NOT_INVITED:
        query = query.where(col(User.last_login_at).is_(None), col(User.id).not_in(invited))
    return list(session.exec(query))


def access_of(user: User, invited_on: datetime | None) -> Access:
    if user.last_login_at is not None:
        return Access.SIGNED_IN
    return Access.INVITED if invited_on is not None else Access.NOT_INVITED
