"""Two coordinators confirming at the same moment can never overspend a locality's share."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlmodel import Session, func, select

from collectives import decisions, ledger, rounds
from collectives.forms import RoundInput
from collectives.models import Constituency, Decision, Round, Rule
from creative_minds.accounts.models import User
from creative_minds.exceptions import Conflict
from tests.collectives.conftest import Network, make_network


def _decided_round(net: Network, name: str, amount: int) -> Round:
    """Point the network at a new round in the same share, with one application everybody approves."""
    share_id = net.round.share_id
    net.round = rounds.create_round(
        net.db, RoundInput(share_id=share_id, name=name, budget_pence=amount, applications_close_on=date.today() + timedelta(days=7),
                           quorum_min_voters=1),
        by=net.coordinator,
    )
    net.db.commit()
    net.apply(f"{name} project", amount)
    net.to_voting()
    net.vote(net.members[0], f"{name} project")
    net.advance()
    return net.round


def _confirm_together(engine, coordinator_id: int, round_ids: list[int]) -> list[object]:
    barrier = threading.Barrier(len(round_ids))
    results: list[object] = [None] * len(round_ids)

    def confirm(index: int, round_id: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            coordinator = session.get(User, coordinator_id)
            barrier.wait()
            try:
                decisions.confirm_decision(session, round_id, Rule.GREEDY, by=coordinator)
                session.commit()
                results[index] = "confirmed"
            except Conflict as exc:
                session.rollback()
                results[index] = exc

    threads = [threading.Thread(target=confirm, args=(i, rid)) for i, rid in enumerate(round_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_rounds_confirmed_at_once_cannot_overspend_the_share(db, engine):
    net = make_network(db, share_pence=1_000_000, budget_pence=800_000, min_voters=1)
    net.add_member(Constituency.LIVED_EXPERIENCE)
    first = _decided_round(net, "First", 700_000)
    second = _decided_round(net, "Second", 700_000)
    results = _confirm_together(engine, net.coordinator.id, [first.id, second.id])
    assert sorted(r == "confirmed" for r in results) == [False, True], results
    refused = next(r for r in results if r != "confirmed")
    assert "more than the locality's share" in str(refused)
    db.expire_all()
    share = net.fund.shares[0] if net.fund.shares[0].id == first.share_id else next(s for s in net.fund.shares if s.id == first.share_id)
    assert ledger.totals(db, share_id=share.id).committed_pence == 700_000
    assert db.exec(select(func.count()).select_from(Decision)).one() == 1


def test_the_same_round_confirmed_twice_at_once_has_one_decision(db, engine):
    net = make_network(db, share_pence=2_000_000, budget_pence=800_000, min_voters=1)
    net.add_member(Constituency.LIVED_EXPERIENCE)
    only = _decided_round(net, "Only", 500_000)
    results = _confirm_together(engine, net.coordinator.id, [only.id, only.id])
    assert sorted(r == "confirmed" for r in results) == [False, True], results
    assert "already confirmed" in str(next(r for r in results if r != "confirmed"))
    db.expire_all()
    assert ledger.totals(db, round_id=only.id).committed_pence == 500_000
