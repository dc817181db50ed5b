"""Amendments sit beside the sealed decision: recorded with who, when and why; money moves through the ledger."""

from __future__ import annotations

import pytest

from collectives.decisions import amendments
from collectives.decisions import service as decisions
from collectives.decisions.models import AmendmentAction
from collectives.funds import ledger
from collectives.rounds.models import Rule
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from tests.collectives.conftest import pb_notes_case
from tests.utils import field_error, login, post_form


@pytest.fixture
def decided(network, db):
    pb_notes_case(network)
    network.advance()
    decision = decisions.confirm_decision(db, network.round.id, Rule.MES, by=network.coordinator, confirmed=True)
    db.commit()
    return network, decision


def test_fund_and_unfund_by_amendment_keep_the_decision_and_move_money(db, decided):
    net, decision = decided
    seal = decision.seal
    cafe, youth = net.applications["cafe"], net.applications["youth"]
    amendments.amend(
        db,
        net.round.id,
        youth.id,
        AmendmentAction.UNFUND,
        "Safeguarding concern raised after the vote.",
        by=net.coordinator,
    )
    amendments.amend(
        db,
        net.round.id,
        cafe.id,
        AmendmentAction.FUND,
        "The collective agreed the cafe fills a gap nobody else does.",
        by=net.coordinator,
    )
    db.commit()
    assert (youth.status, youth.project.status, cafe.status, cafe.project.status) == (
        "not_funded",
        "declined",
        "funded",
        "funded",
    )
    assert ledger.totals(db, application_id=youth.id).committed_pence == 0
    assert ledger.totals(db, round_id=net.round.id).committed_pence == 850_000 - 250_000 + 400_000
    db.refresh(decision)
    assert decision.seal == seal and decisions.verify_seal(decision)  # the sealed record is untouched
    recorded = amendments.amendments_of(db, decision.id)
    assert [(a.application_id, a.action, a.by_id) for a in recorded] == [
        (youth.id, "unfund", net.coordinator.id),
        (cafe.id, "fund", net.coordinator.id),
    ]
    assert "Amendments (the decision above is unchanged)" in decisions.decision_csv(decision, recorded)


def test_amendments_are_checked(db, decided):
    net, _ = decided
    walks = net.applications["walks"]
    with pytest.raises(Invalid):
        amendments.amend(db, net.round.id, walks.id, AmendmentAction.UNFUND, "short", by=net.coordinator)
    with pytest.raises(Conflict):
        amendments.amend(
            db, net.round.id, walks.id, AmendmentAction.FUND, "It is already funded by the rule.", by=net.coordinator
        )
    with pytest.raises(Forbidden):
        amendments.amend(
            db, net.round.id, walks.id, AmendmentAction.UNFUND, "Members cannot amend decisions.", by=net.members[0]
        )
    ledger.record_payment(db, walks.id, 100_000, "First instalment", by=net.coordinator)
    with pytest.raises(Conflict, match="already been paid"):
        amendments.amend(
            db, net.round.id, walks.id, AmendmentAction.UNFUND, "Too late: money has gone out.", by=net.coordinator
        )


def test_funding_by_amendment_cannot_overspend_the_share(db, network):
    pb_notes_case(network)
    network.advance()
    decisions.confirm_decision(
        db, network.round.id, Rule.GREEDY, by=network.coordinator, confirmed=True
    )  # £10,000 committed
    share = next(s for s in network.fund.shares if s.id == network.round.share_id)
    share.amount_pence = 1_000_000 + 300_000  # room for £3,000 more only
    db.commit()
    with pytest.raises(Conflict, match="more than the locality"):
        amendments.amend(
            db,
            network.round.id,
            network.applications["arts"].id,
            AmendmentAction.FUND,
            "Arts would take us over the share.",
            by=network.coordinator,
        )


def test_amendment_page_flow(client, db, decided):
    net, _ = decided
    login(client, net.coordinator.email)
    response = post_form(
        client,
        f"/rounds/{net.round.id}/amendments",
        {
            "application_id": str(net.applications["arts"].id),
            "action": "fund",
            "reason": "Match funding doubled since the vote.",
        },
    )
    assert response.status_code == 303
    page = client.get(f"/rounds/{net.round.id}/decision")
    assert "Match funding doubled since the vote." in page.text and "funded by amendment" in page.text
    assert (
        post_form(client, f"/rounds/{net.round.id}/amendments", {"application_id": "x", "action": "fund"}).status_code
        == 422
    )


def test_an_amendment_with_a_missing_choice_comes_back_in_place_with_the_reason_kept(client, db, decided):
    """It landed on a bare error page ("Go to the home page") and the typed reason was lost."""
    net, _ = decided
    login(client, net.coordinator.email)
    arts = net.applications["arts"].id
    reason = "Match funding doubled since the vote & more."
    response = post_form(
        client, f"/rounds/{net.round.id}/amendments", {"application_id": str(arts), "action": "", "reason": reason}
    )
    assert response.status_code == 422
    assert "Go to the home page" not in response.text
    assert '<details class="no-print" open>' in response.text
    assert field_error(response.text, "action") == "Choose whether to fund it or not."
    assert "Match funding doubled since the vote &amp; more.</textarea>" in response.text
    assert f'<option value="{arts}" selected>' in response.text
    assert '<a href="#action-1">Change: Choose whether to fund it or not.</a>' in response.text
    # A rule the service refuses (un-funding what was not funded) is shown beside the choice, too.
    response = post_form(
        client,
        f"/rounds/{net.round.id}/amendments",
        {"application_id": str(arts), "action": "unfund", "reason": reason},
    )
    assert response.status_code == 422
    assert "funded" in (field_error(response.text, "action") or "")
    assert 'value="unfund" checked' in response.text
    assert decisions.require_decision(db, net.round.id) is not None
    assert amendments.amendments_of(db, decisions.require_decision(db, net.round.id).id) == []
