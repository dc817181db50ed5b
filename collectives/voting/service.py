"""Ballots: one per member per round, changeable until voting closes; turnout and quorum."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select

from collectives.applications.models import Application, ApplicationStatus
from collectives.membership.models import Constituency, Membership, MembershipStatus
from collectives.membership.service import conflicted_partner_ids, is_admitted, not_admitted_message
from collectives.rounds.models import Phase, Round
from collectives.voting.models import Ballot, BallotApproval, new_receipt
from creative_minds.accounts.models import User
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.timeutil import utcnow


@dataclass
class Quorum:
    voters: int
    eligible_voters: int
    lived_experience_voters: int
    min_voters: int
    needs_lived_experience: bool
    problems: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return not self.problems

    @property
    def turnout_percent(self) -> int:
        return round(100 * self.voters / self.eligible_voters) if self.eligible_voters else 0


def my_ballot(session: Session, round_id: int, user_id: int) -> Ballot | None:
    return session.exec(select(Ballot).where(Ballot.round_id == round_id, Ballot.voter_id == user_id)).first()


def cast_ballot(session: Session, round_: Round, application_ids: list[int], *, by: User) -> Ballot:
    """Save the member's approvals (replacing any earlier ballot in this round)."""
    if not is_admitted(session, by, round_.locality_id):
        raise Forbidden(not_admitted_message(session, by, round_.locality_id, doing="vote in its rounds"))
    if round_.phase != Phase.VOTING:
        raise Conflict(
            "Voting is not open in this round"
            + (" any more." if round_.phase in (Phase.DECIDED, Phase.CLOSED) else " yet.")
        )
    chosen = set(application_ids)
    eligible = {
        a.id: a
        for a in session.exec(
            select(Application).where(
                Application.round_id == round_.id, Application.status == ApplicationStatus.ELIGIBLE
            )
        )
    }
    unknown = chosen - set(eligible)
    if unknown:
        raise Invalid(
            "You can only approve eligible applications in this round.",
            errors={"approvals": "Some choices are not in this round's list."},
        )
    conflicted = conflicted_partner_ids(session, by.id)
    blocked = sorted(eligible[a].id for a in chosen if eligible[a].partner_id in conflicted)  # type: ignore[type-var]
    if blocked:
        raise Invalid(
            "You declared a conflict of interest with the partner behind some of your choices, so you cannot vote on them.",
            errors={"approvals": "Untick the applications from partners you have a conflict of interest with."},
        )
    ballot = _lock_ballot(session, round_.id, by.id)
    keep = [a for a in ballot.approvals if a.application_id in chosen]
    present = {a.application_id for a in keep}
    ballot.approvals = keep + [BallotApproval(application_id=aid) for aid in sorted(chosen - present)]  # type: ignore[call-arg]
    ballot.updated_at = utcnow()
    session.add(ballot)
    session.flush()
    return ballot


def _lock_ballot(session: Session, round_id: int, voter_id: int) -> Ballot:
    """The member's one ballot, created if need be and locked for this transaction.

    Insert-if-missing then lock the row, so a double submit (two tabs, a double click) waits for
    the first and then updates the same ballot: never two ballots, never a lost update.
    """
    now = utcnow()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Ballot)
        .values(round_id=round_id, voter_id=voter_id, receipt=new_receipt(), created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["round_id", "voter_id"])
    )
    session.execute(
        update(Ballot).where(Ballot.round_id == round_id, Ballot.voter_id == voter_id).values(updated_at=now)
    )
    return session.exec(
        select(Ballot)
        .where(Ballot.round_id == round_id, Ballot.voter_id == voter_id)
        .options(selectinload(Ballot.approvals))
        .execution_options(populate_existing=True)
    ).one()


_Item = TypeVar("_Item")


def ballot_order(round_id: int, voter_id: int, items: list[_Item], key=lambda item: item.id) -> list[_Item]:
    """The applications in this member's own random order for this round (no position bias).

    Each application's place comes from a hash of (round, member, application), so the order is the
    same every time the member comes back, differs from member to member, and an application added
    or withdrawn leaves the others where they were relative to each other.
    """

    def place(item: _Item) -> str:
        return hashlib.sha256(f"ballot-order:{round_id}:{voter_id}:{key(item)}".encode()).hexdigest()

    return sorted(items, key=place)


def quorum_rule(round_: Round) -> str:
    """The round's quorum in words."""
    n = round_.quorum_min_voters
    text = f"At least {n} member{'' if n == 1 else 's'} must vote"
    if round_.quorum_lived_experience:
        text += ", including at least one person with lived experience"
    return text + "."


def _admitted(session: Session, locality_id: int) -> dict[int, str | None]:
    """The admitted members of a locality: user id -> constituency (columns only, one query)."""
    rows = session.exec(
        select(Membership.user_id, Membership.constituency).where(
            Membership.locality_id == locality_id, Membership.status == MembershipStatus.ADMITTED.value
        )
    )
    return dict(rows.all())


def quorum(session: Session, round_: Round) -> Quorum:
    voter_ids = set(session.exec(select(Ballot.voter_id).where(Ballot.round_id == round_.id)))
    admitted = _admitted(session, round_.locality_id)
    eligible_ids = set(admitted)
    counted = voter_ids & eligible_ids
    lived = sum(1 for uid in counted if admitted[uid] == Constituency.LIVED_EXPERIENCE)
    result = Quorum(
        voters=len(counted),
        eligible_voters=len(eligible_ids),
        lived_experience_voters=lived,
        min_voters=round_.quorum_min_voters,
        needs_lived_experience=round_.quorum_lived_experience,
    )
    if result.voters < round_.quorum_min_voters:
        result.problems.append(
            f"Quorum not met: {result.voters} of the {round_.quorum_min_voters} voters needed have voted."
        )
    if round_.quorum_lived_experience and lived == 0:
        result.problems.append("Quorum not met: no member with lived experience has voted yet.")
    return result


def counted_receipts(session: Session, round_id: int, locality_id: int) -> list[str]:
    """The receipts of the ballots that count (admitted members' ballots), in code order: never who, never what."""
    admitted = _admitted(session, locality_id)
    rows = session.exec(select(Ballot.voter_id, Ballot.receipt).where(Ballot.round_id == round_id))
    return sorted(receipt for voter_id, receipt in rows if voter_id in admitted)


def ballots_for_count(session: Session, round_id: int, locality_id: int) -> list[tuple[int, set[int]]]:
    """Each counted voter's approvals (admitted members only), by voter id."""
    admitted = _admitted(session, locality_id)
    rows = session.exec(
        select(Ballot.voter_id, BallotApproval.application_id)
        .join(BallotApproval, BallotApproval.ballot_id == Ballot.id, isouter=True)
        .where(Ballot.round_id == round_id)
    )
    result: dict[int, set[int]] = {}
    for voter_id, application_id in rows:
        if voter_id not in admitted:
            continue
        result.setdefault(voter_id, set())
        if application_id is not None:
            result[voter_id].add(application_id)
    return sorted(result.items())


def lived_experience_member_ids(session: Session, locality_id: int) -> set[int]:
    return set(
        session.exec(
            select(Membership.user_id).where(
                Membership.locality_id == locality_id,
                Membership.status == MembershipStatus.ADMITTED,
                Membership.constituency == Constituency.LIVED_EXPERIENCE,
            )
        )
    )


def approval_counts(session: Session, round_id: int) -> dict[int, int]:
    rows = session.exec(
        select(BallotApproval.application_id, func.count())
        .join(Ballot, Ballot.id == BallotApproval.ballot_id)
        .where(Ballot.round_id == round_id)
        .group_by(BallotApproval.application_id)
    )
    return {aid: n for aid, n in rows}


def has_voted_ids(session: Session, round_id: int, user_ids: list[int]) -> set[int]:
    return set(
        session.exec(select(Ballot.voter_id).where(Ballot.round_id == round_id, col(Ballot.voter_id).in_(user_ids)))
    )
