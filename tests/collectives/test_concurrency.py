"""Two coordinators confirming at the same moment can never overspend a locality's share."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlmodel import Session

from collectives.decisions import service as decisions
from collectives.funds import ledger
from collectives.membership.models import Constituency
from collectives.rounds import service as rounds
from collectives.rounds.forms import RoundInput
from collectives.rounds.models import Round, Rule
from creative_minds.accounts.models import User
from creative_minds.exceptions import Conflict
from tests.collectives.conftest import Network, make_network


def _decided_round(net: Network, name: str, amount: int) -> Round:
    """Point the network at a new round in the same share, with one application everybody approves."""
    share_id = net.round.share_id
    net.round = rounds.create_round(
        net.db,
        RoundInput(
            share_id=share_id,
            name=name,
            budget_pence=amount,
            applications_close_on=date.today() + timedelta(days=7),
            quorum_min_voters=1,
        ),
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
                decisions.confirm_decision(session, round_id, Rule.GREEDY, by=coordinator, confirmed=True)
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


def test_two_amendments_at_once_cannot_overspend_the_share(db, engine):
    """Each fits what is free on its own, the two together do not: exactly one is saved.
    (Two rounds can no longer promise the same money: a round's budget is held when it opens.)"""
    from collectives.decisions import amendments
    from collectives.decisions.models import AmendmentAction
    from tests.collectives.conftest import pb_notes_case

    net = make_network(db, share_pence=1_500_000, budget_pence=1_000_000)
    pb_notes_case(net)
    net.advance()
    decisions.confirm_decision(db, net.round.id, Rule.MES, by=net.coordinator, confirmed=True)
    db.commit()  # £8,500 committed of £15,000: £6,500 free; cafe asks £4,000, arts £3,500
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def amend(index: int, name: str) -> None:
        with Session(engine, expire_on_commit=False) as session:
            coordinator = session.get(User, net.coordinator.id)
            barrier.wait()
            try:
                amendments.amend(
                    session,
                    net.round.id,
                    net.applications[name].id,
                    AmendmentAction.FUND,
                    "The collective agreed both are needed.",
                    by=coordinator,
                )
                session.commit()
                results[index] = "funded"
            except Conflict as exc:
                session.rollback()
                results[index] = exc

    threads = [threading.Thread(target=amend, args=(i, n)) for i, n in enumerate(["cafe", "arts"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r == "funded" for r in results) == [False, True], results
    assert "more than the locality's share" in str(next(r for r in results if r != "funded"))
    db.expire_all()
    committed = ledger.totals(db, share_id=net.round.share_id).committed_pence
    assert committed in (850_000 + 400_000, 850_000 + 350_000)
    assert committed <= 1_500_000


def test_the_same_round_confirmed_twice_at_once_has_one_decision(db, engine):
    net = make_network(db, share_pence=2_000_000, budget_pence=800_000, min_voters=1)
    net.add_member(Constituency.LIVED_EXPERIENCE)
    only = _decided_round(net, "Only", 500_000)
    results = _confirm_together(engine, net.coordinator.id, [only.id, only.id])
    assert sorted(r == "confirmed" for r in results) == [False, True], results
    assert "already confirmed" in str(next(r for r in results if r != "confirmed"))
    db.expire_all()
    assert ledger.totals(db, round_id=only.id).committed_pence == 500_000
