"""Recognising members' time: meetings attended, votes taken part in, payment choices, expenses.

Payments for taking part can affect benefits, so each member chooses money, vouchers or no
payment, and can change their mind; each attendance keeps the choice and amount as they were on
the day. Money is whole pence. Years run from 1 April to 31 March, like the funds.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from collectives.involvement.forms import ExpenseInput, MeetingInput
from collectives.involvement.models import Attendance, ExpenseClaim, Meeting
from collectives.membership.models import (
    CONSTITUENCY_LABELS,
    PAYMENT_LABELS,
    Membership,
    MembershipStatus,
    PaymentChoice,
)
from collectives.membership.service import members, membership_of
from collectives.rounds.models import Round
from collectives.voting.models import Ballot
from creative_minds.accounts.models import User
from creative_minds.csvout import safe_writer
from creative_minds.db import get_or_404
from creative_minds.exceptions import Forbidden, Invalid, NotFound
from creative_minds.localities import Locality
from creative_minds.timeutil import today

BENEFITS_NOTE = (
    "Payments for taking part, including vouchers, can affect some benefits. If you get benefits, check "
    "before you choose money or vouchers: ask the coordinator, or an adviser such as Citizens Advice. "
    "You can choose no payment, and change your choice at any time. Expenses you claim back are recorded separately."
)


FIRST_YEAR, LAST_YEAR = 2000, 2100  # years anyone may ask for totals of


def financial_year(day: date | datetime) -> int:
    """The year that starts on 1 April: 2026 means 1 April 2026 to 31 March 2027."""
    return day.year if day.month >= 4 else day.year - 1


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def year_label(year: int) -> str:
    return f"{year}–{str(year + 1)[-2:]}"


def is_member(session: Session, user: User) -> bool:
    """Whether this person has (or had) a place in a collective, so has an involvement record."""
    mine = membership_of(session, user)
    return mine is not None and mine.status in (MembershipStatus.ADMITTED, MembershipStatus.LEFT)


def _membership_for(session: Session, user_id: int) -> Membership:
    user = get_or_404(session, User, user_id, "person")
    mine = membership_of(session, user)
    if mine is None or mine.status not in (MembershipStatus.ADMITTED, MembershipStatus.LEFT):
        raise NotFound(f"{user.full_name} is not a member of a collective.")
    return mine


def _may_see(by: User, user_id: int) -> None:
    if not (by.is_coordinator or by.id == user_id):
        raise Forbidden("A member's involvement record is seen only by them and by coordinators.")


# Meetings --------------------------------------------------------------------------------------


def record_meeting(session: Session, data: MeetingInput, *, by: User) -> Meeting:
    """A meeting and who came; each attendee is owed the payment if they chose money or vouchers."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators record meetings.")
    if session.get(Locality, data.locality_id) is None:
        raise Invalid("Choose a collective.", errors={"locality_id": "Choose a locality from the list."})
    admitted = {m.user_id: m for m in members(session, data.locality_id)}
    strangers = set(data.attendee_ids) - set(admitted)
    if strangers:
        raise Invalid(
            "Only members of this collective can be recorded as attending.",
            errors={"attendee_ids": "Tick members of this collective only."},
        )
    meeting = Meeting(
        locality_id=data.locality_id,
        held_on=data.held_on,
        title=data.title,
        payment_pence=data.payment_pence,
        created_by_id=by.id,
    )
    session.add(meeting)
    session.flush()
    for user_id in sorted(set(data.attendee_ids)):
        choice = PaymentChoice(admitted[user_id].payment_choice)
        owed = data.payment_pence if choice in (PaymentChoice.MONEY, PaymentChoice.VOUCHER) else 0
        session.add(Attendance(meeting_id=meeting.id, user_id=user_id, payment_choice=choice.value, payment_pence=owed))
    session.flush()
    return meeting


def list_meetings(session: Session, *, locality_id: int | None = None, limit: int = 100) -> list[Meeting]:
    query = select(Meeting).options(selectinload(Meeting.locality), selectinload(Meeting.attendances))
    if locality_id is not None:
        query = query.where(Meeting.locality_id == locality_id)
    return list(session.exec(query.order_by(col(Meeting.held_on).desc(), col(Meeting.id).desc()).limit(limit)))


# A member's own choices and claims ------------------------------------------------------------


def set_payment_choice(session: Session, user_id: int, choice: PaymentChoice, *, by: User) -> Membership:
    _may_see(by, user_id)
    mine = _membership_for(session, user_id)
    mine.payment_choice = choice.value
    session.add(mine)
    session.flush()
    return mine


def claim_expense(session: Session, user_id: int, data: ExpenseInput, *, by: User) -> ExpenseClaim:
    _may_see(by, user_id)
    mine = _membership_for(session, user_id)
    if data.meeting_id is not None:
        meeting = session.get(Meeting, data.meeting_id)
        if meeting is None or meeting.locality_id != mine.locality_id:
            raise Invalid("Choose one of the collective's meetings.", errors={"meeting_id": "Choose from the list."})
    claim = ExpenseClaim(
        user_id=user_id,
        locality_id=mine.locality_id,
        spent_on=data.spent_on,
        description=data.description,
        amount_pence=data.amount_pence,
        meeting_id=data.meeting_id,
        recorded_by_id=by.id,
    )
    session.add(claim)
    session.flush()
    return claim


# Records and totals ---------------------------------------------------------------------------


@dataclass
class Vote:
    round: Round
    saved_at: datetime
    receipt: str


@dataclass
class YearTotals:
    meetings: int = 0
    votes: int = 0
    money_pence: int = 0
    voucher_pence: int = 0
    expenses_pence: int = 0

    def add(self, other: YearTotals) -> None:
        self.meetings += other.meetings
        self.votes += other.votes
        self.money_pence += other.money_pence
        self.voucher_pence += other.voucher_pence
        self.expenses_pence += other.expenses_pence


@dataclass
class MemberRecord:
    user: User
    membership: Membership
    attendances: list[Attendance]
    votes: list[Vote]
    expenses: list[ExpenseClaim]
    meetings_to_claim_for: list[Meeting]
    years: dict[int, YearTotals] = field(default_factory=dict)


def _attendances(session: Session, user_ids: list[int] | None = None) -> list[Attendance]:
    query = select(Attendance).options(selectinload(Attendance.meeting).selectinload(Meeting.locality))
    if user_ids is not None:
        query = query.where(col(Attendance.user_id).in_(user_ids))
    return list(session.exec(query))


def _votes(session: Session, user_ids: list[int] | None = None) -> list[tuple[int, Vote]]:
    query = select(Ballot, Round).join(Round, col(Round.id) == Ballot.round_id)
    if user_ids is not None:
        query = query.where(col(Ballot.voter_id).in_(user_ids))
    return [
        (ballot.voter_id, Vote(round_, ballot.created_at, ballot.receipt)) for ballot, round_ in session.exec(query)
    ]


def _expenses(session: Session, user_ids: list[int] | None = None) -> list[ExpenseClaim]:
    query = select(ExpenseClaim).options(selectinload(ExpenseClaim.meeting))
    if user_ids is not None:
        query = query.where(col(ExpenseClaim.user_id).in_(user_ids))
    return list(session.exec(query))


def _tally(attendances: list[Attendance], votes: list[Vote], expenses: list[ExpenseClaim]) -> dict[int, YearTotals]:
    years: dict[int, YearTotals] = {}
    for attendance in attendances:
        totals = years.setdefault(financial_year(attendance.meeting.held_on), YearTotals())
        totals.meetings += 1
        if attendance.payment_choice == PaymentChoice.MONEY:
            totals.money_pence += attendance.payment_pence
        elif attendance.payment_choice == PaymentChoice.VOUCHER:
            totals.voucher_pence += attendance.payment_pence
    for vote in votes:
        years.setdefault(financial_year(vote.saved_at), YearTotals()).votes += 1
    for claim in expenses:
        years.setdefault(financial_year(claim.spent_on), YearTotals()).expenses_pence += claim.amount_pence
    return dict(sorted(years.items(), reverse=True))


def member_record(session: Session, user_id: int, *, by: User) -> MemberRecord:
    _may_see(by, user_id)
    mine = _membership_for(session, user_id)
    user = get_or_404(session, User, user_id, "person")
    attendances = sorted(_attendances(session, [user_id]), key=lambda a: a.meeting.held_on, reverse=True)
    votes = sorted((v for _, v in _votes(session, [user_id])), key=lambda v: v.saved_at, reverse=True)
    expenses = sorted(_expenses(session, [user_id]), key=lambda e: (e.spent_on, e.id or 0), reverse=True)
    return MemberRecord(
        user=user,
        membership=mine,
        attendances=attendances,
        votes=votes,
        expenses=expenses,
        meetings_to_claim_for=[a.meeting for a in attendances],
        years=_tally(attendances, votes, expenses),
    )


@dataclass
class MemberYear:
    user: User
    locality: str
    constituency: str
    payment_choice: str
    totals: YearTotals


def year_totals(session: Session, year: int, *, by: User) -> tuple[list[MemberYear], YearTotals]:
    """Each member's meetings, votes, payments and expenses in the year, and the totals of all."""
    if not by.is_coordinator:
        raise Forbidden("Yearly totals are for coordinators.")
    first, last = year_bounds(year)
    memberships = list(
        session.exec(
            select(Membership)
            .where(col(Membership.status).in_([MembershipStatus.ADMITTED.value, MembershipStatus.LEFT.value]))
            .options(selectinload(Membership.user), selectinload(Membership.locality))
        )
    )
    by_user = {m.user_id: m for m in memberships}
    ids = list(by_user)
    attendances: dict[int, list[Attendance]] = {}
    for a in _attendances(session, ids):
        if first <= a.meeting.held_on <= last:
            attendances.setdefault(a.user_id, []).append(a)
    votes: dict[int, list[Vote]] = {}
    for voter_id, vote in _votes(session, ids):
        if financial_year(vote.saved_at) == year:
            votes.setdefault(voter_id, []).append(vote)
    expenses: dict[int, list[ExpenseClaim]] = {}
    for claim in _expenses(session, ids):
        if first <= claim.spent_on <= last:
            expenses.setdefault(claim.user_id, []).append(claim)
    rows: list[MemberYear] = []
    grand = YearTotals()
    for user_id, membership in by_user.items():
        tally = _tally(attendances.get(user_id, []), votes.get(user_id, []), expenses.get(user_id, []))
        totals = tally.get(year, YearTotals())
        if membership.status != MembershipStatus.ADMITTED and totals == YearTotals():
            continue  # a former member with nothing this year
        rows.append(
            MemberYear(
                membership.user,
                membership.locality.name,
                CONSTITUENCY_LABELS[membership.constituency],
                PAYMENT_LABELS[membership.payment_choice],
                totals,
            )
        )
        grand.add(totals)
    rows.sort(key=lambda r: (r.locality, r.user.full_name.lower(), r.user.id or 0))
    return rows, grand


def _pounds(pence: int) -> str:
    pounds, rest = divmod(pence, 100)
    return f"{pounds}.{rest:02d}"


def totals_csv(rows: list[MemberYear], grand: YearTotals, year: int) -> str:
    out = io.StringIO()
    writer = safe_writer(out)  # a name typed as =SUM(...) stays text in a spreadsheet
    writer.writerow([f"Members' involvement, {year_label(year)} (1 April {year} to 31 March {year + 1})"])
    writer.writerow(
        [
            "Member",
            "Collective",
            "Constituency",
            "Payment choice",
            "Meetings attended",
            "Votes taken part in",
            "Paid as money (£)",
            "Paid as vouchers (£)",
            "Expenses claimed (£)",
        ]
    )
    for row in rows:
        t = row.totals
        writer.writerow(
            [
                row.user.full_name,
                row.locality,
                row.constituency,
                row.payment_choice,
                t.meetings,
                t.votes,
                _pounds(t.money_pence),
                _pounds(t.voucher_pence),
                _pounds(t.expenses_pence),
            ]
        )
    writer.writerow(
        [
            "All members",
            "",
            "",
            "",
            grand.meetings,
            grand.votes,
            _pounds(grand.money_pence),
            _pounds(grand.voucher_pence),
            _pounds(grand.expenses_pence),
        ]
    )
    return out.getvalue()


def current_year() -> int:
    return financial_year(today())
