"""The ledger: every commitment, change and payment of money, and the totals built from it.

A locality's commitments can never exceed its share. Every write that adds to commitments first
locks the share's row (an UPDATE, so it works the same on PostgreSQL and SQLite) and only then
reads the committed total, inside the same transaction: two coordinators confirming at the same
moment are served one after the other, and the second sees the first's commitments.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, update
from sqlmodel import Session, col, func, select

from collectives.applications.models import Application, ApplicationStatus
from collectives.funds.models import EntryKind, FundShare, LedgerEntry
from creative_minds.accounts.models import User
from creative_minds.exceptions import Conflict, Forbidden, Invalid, NotFound
from creative_minds.money import format_pence

COMMITTING = (EntryKind.COMMITMENT.value, EntryKind.ADJUSTMENT.value, EntryKind.RELEASE.value)


@dataclass(frozen=True)
class Totals:
    committed_pence: int
    paid_pence: int
    match_pence: int
    available_pence: int | None = None  # share or budget, where there is one
    reserved_pence: int = 0  # budgets of rounds still deciding, held back from the share

    @property
    def remaining_pence(self) -> int | None:
        if self.available_pence is None:
            return None
        return self.available_pence - self.committed_pence - self.reserved_pence

    @property
    def unpaid_pence(self) -> int:
        return self.committed_pence - self.paid_pence

    @property
    def leverage_pence(self) -> int:
        """All the money the commitments bring to projects: ours plus the partners' own."""
        return self.committed_pence + self.match_pence


def lock_share(session: Session, share_id: int) -> FundShare:
    """Take the share's row lock for the rest of this transaction, then read it fresh."""
    result = session.execute(
        update(FundShare).where(FundShare.id == share_id).values(lock_version=FundShare.lock_version + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        raise NotFound(f"There is no fund share number {share_id}.")
    share = session.get(FundShare, share_id, populate_existing=True)
    assert share is not None
    return share


def totals(session: Session, **where: int | None) -> Totals:
    """Committed, paid and match totals for entries matching e.g. share_id=, locality_id=, round_id=."""
    query = select(
        func.coalesce(func.sum(case((col(LedgerEntry.kind).in_(COMMITTING), LedgerEntry.amount_pence), else_=0)), 0),
        func.coalesce(
            func.sum(case((LedgerEntry.kind == EntryKind.PAYMENT.value, LedgerEntry.amount_pence), else_=0)), 0
        ),
        func.coalesce(func.sum(LedgerEntry.match_pence), 0),
    )
    for name, value in where.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    committed, paid, match = session.exec(query).one()
    return Totals(int(committed), int(paid), int(match))


def reserved_pence(session: Session, share_id: int, *, except_round_id: int | None = None) -> int:
    """A round's whole budget is held back from its share from the moment it opens until its
    decision is confirmed (then the commitments take its place) or it closes: so opening a second
    round can never make a decided round impossible to confirm."""
    from collectives.decisions.models import Decision
    from collectives.rounds.models import Phase, Round

    decided = select(Decision.round_id)
    query = select(func.coalesce(func.sum(Round.budget_pence), 0)).where(
        Round.share_id == share_id, Round.phase != Phase.CLOSED, col(Round.id).not_in(decided)
    )
    if except_round_id is not None:
        query = query.where(Round.id != except_round_id)
    return int(session.exec(query).one())


def share_totals(session: Session, share: FundShare) -> Totals:
    base = totals(session, share_id=share.id)
    return Totals(
        base.committed_pence, base.paid_pence, base.match_pence, share.amount_pence, reserved_pence(session, share.id)
    )


def _check_within_share(session: Session, share: FundShare, extra_pence: int, *, round_id: int | None) -> None:
    committed = totals(session, share_id=share.id).committed_pence
    held = reserved_pence(session, share.id, except_round_id=round_id)
    if committed + held + extra_pence > share.amount_pence:
        left = share.amount_pence - committed - held
        held_note = f", after {format_pence(held)} held for rounds still deciding" if held else ""
        raise Conflict(
            f"This would commit {format_pence(committed + extra_pence)}, more than the locality's share of "
            f"{format_pence(share.amount_pence)} allows ({format_pence(left)} is left{held_note}). Nothing was saved."
        )


def add_commitments(
    session: Session, share: FundShare, entries: list[LedgerEntry], *, round_id: int | None = None
) -> None:
    """Write commitment entries after checking them against the (already locked) share. A round's
    own decision draws on the budget held back for it (`round_id`)."""
    _check_within_share(session, share, sum(e.amount_pence for e in entries), round_id=round_id)
    for entry in entries:
        session.add(entry)
    session.flush()


def _funded_application(session: Session, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.status != ApplicationStatus.FUNDED:
        raise Invalid(
            "Choose a funded application.", errors={"application_id": "Choose a funded application from the list."}
        )
    return application


def entry(
    application: Application, share: FundShare, kind: EntryKind, amount: int, note: str, by: User, *, match: int = 0
) -> LedgerEntry:
    """A ledger line for an application's money, tagged with its fund, locality, round, partner and project."""
    return LedgerEntry(
        share_id=share.id,
        fund_id=share.fund_id,
        locality_id=share.locality_id,
        round_id=application.round_id,
        application_id=application.id,
        partner_id=application.partner_id,
        project_id=application.project_id,
        kind=kind.value,
        amount_pence=amount,
        match_pence=match,
        note=note,
        created_by_id=by.id,
    )


def _share_of(session: Session, application: Application) -> int:
    from collectives.rounds.models import Round

    round_ = session.get(Round, application.round_id)
    assert round_ is not None
    return round_.share_id


def record_payment(session: Session, application_id: int, amount_pence: int, note: str, *, by: User) -> LedgerEntry:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators record payments.")
    application = _funded_application(session, application_id)
    share = lock_share(session, _share_of(session, application))
    current = totals(session, application_id=application.id)
    if current.paid_pence + amount_pence > current.committed_pence:
        raise Invalid(
            "A payment cannot be more than what is committed and not yet paid.",
            errors={"amount_pence": f"Only {format_pence(current.unpaid_pence)} is committed and not yet paid."},
        )
    payment = entry(application, share, EntryKind.PAYMENT, amount_pence, note, by)
    session.add(payment)
    session.flush()
    return payment


def change_commitment(session: Session, application_id: int, change_pence: int, note: str, *, by: User) -> LedgerEntry:
    """Raise (positive) or lower (negative) a commitment, within the share and never below what is paid."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators change commitments.")
    if change_pence == 0:
        raise Invalid("Enter a change.", errors={"amount_pence": "Enter the amount to add or take away."})
    application = _funded_application(session, application_id)
    share = lock_share(session, _share_of(session, application))
    current = totals(session, application_id=application.id)
    if current.committed_pence + change_pence < current.paid_pence:
        raise Invalid(
            "A commitment cannot go below what has been paid.",
            errors={"amount_pence": f"{format_pence(current.paid_pence)} is already paid."},
        )
    kind = EntryKind.ADJUSTMENT if change_pence > 0 or current.committed_pence + change_pence > 0 else EntryKind.RELEASE
    change = entry(application, share, kind, change_pence, note, by)
    if change_pence > 0:
        add_commitments(session, share, [change])
    else:
        session.add(change)
        session.flush()
    return change
