"""Funds and their locality shares."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from collectives.funds.forms import FundInput
from collectives.funds.ledger import Totals, share_totals, totals
from collectives.funds.models import Fund, FundShare
from creative_minds.accounts.models import User
from creative_minds.db import get_or_404
from creative_minds.exceptions import Forbidden, Invalid
from creative_minds.localities import list_localities


def create_fund(session: Session, data: FundInput, *, by: User) -> Fund:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators record funds.")
    known = {loc.id for loc in list_localities(session)}
    if set(data.shares) - known:
        raise Invalid("Unknown locality.", errors={"shares": "Shares can only go to the four localities."})
    fund = Fund(
        name=data.name,
        total_pence=data.total_pence,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by_id=by.id,
    )
    session.add(fund)
    session.flush()
    for locality_id in sorted(known):  # type: ignore[type-var]
        session.add(FundShare(fund_id=fund.id, locality_id=locality_id, amount_pence=data.shares.get(locality_id, 0)))
    session.flush()
    return fund


def list_funds(session: Session) -> list[Fund]:
    query = (
        select(Fund)
        .options(selectinload(Fund.shares).selectinload(FundShare.locality))
        .order_by(col(Fund.starts_on).desc(), Fund.id)
    )
    return list(session.exec(query))


def get_fund(session: Session, fund_id: int) -> Fund:
    return get_or_404(
        session, Fund, fund_id, "fund", options=[selectinload(Fund.shares).selectinload(FundShare.locality)]
    )


def get_share(session: Session, share_id: int) -> FundShare:
    return get_or_404(session, FundShare, share_id, "fund share")


def share_choices(session: Session) -> list[tuple[int, str]]:
    """Locality shares with money in them, for the new-round form."""
    result = []
    for fund in list_funds(session):
        for share in fund.shares:
            if share.amount_pence > 0:
                result.append((share.id, f"{fund.name}: {share.locality.name}"))
    return result  # type: ignore[return-value]


def fund_totals(session: Session, fund: Fund) -> Totals:
    base = totals(session, fund_id=fund.id)
    return Totals(base.committed_pence, base.paid_pence, base.match_pence, fund.total_pence)


def shares_with_totals(session: Session, fund: Fund) -> list[tuple[FundShare, Totals]]:
    return [(share, share_totals(session, share)) for share in fund.shares]
