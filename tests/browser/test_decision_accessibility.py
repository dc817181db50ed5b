"""axe-core finds nothing on the round, results, decision and funds pages, wide and narrow (or zoomed)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from collectives.decisions import service as decisions
from collectives.funds import ledger
from collectives.involvement import service as involvement
from collectives.involvement.forms import MeetingInput
from collectives.membership import service as membership
from collectives.membership.forms import ConflictInput
from collectives.rounds.models import Rule
from creative_minds.timeutil import today
from tests.browser.axe import describe, violations
from tests.browser.test_foundation_journey import sign_in, sign_out
from tests.collectives.conftest import make_network, pb_notes_case

pytestmark = pytest.mark.browser

# Every cell of the decision table (its "Why" column above all) lies inside the window: nothing cut off.
CELLS_OUTSIDE = """() => Array.from(document.querySelectorAll('table.decision-lines tbody td, table.decision-lines tbody th'))
  .filter(el => { const r = el.getBoundingClientRect(); return r.left < -1 || r.right > window.innerWidth + 1
                  || el.scrollWidth > el.clientWidth + 1; })
  .map(el => el.textContent.slice(0, 40))"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def rounds_at_every_stage(db):
    decided = make_network(db)
    pb_notes_case(decided)
    membership.declare_conflict(db, decided.members[0], ConflictInput(partner_id=decided.partners["cafe"].id))
    db.commit()
    decided.advance()
    decisions.confirm_decision(db, decided.round.id, Rule.MES, by=decided.coordinator, confirmed=True)
    db.commit()
    ledger.record_payment(db, decided.applications["youth"].id, 100_000, "First half", by=decided.coordinator)
    involvement.record_meeting(
        db,
        MeetingInput(
            locality_id=decided.round.locality_id,
            held_on=today(),
            title="Reading the applications",
            payment_pence=2_000,
            attendee_ids=[m.id for m in decided.members[:3]],
        ),
        by=decided.coordinator,
    )
    db.commit()
    voting = make_network(db, fund_name="Second test fund", round_name="Kirklees summer round")
    for name, pounds in [("Choir", 1500), ("Climbing", 2500), ("Memory cafe", 900)]:
        voting.apply(name, pounds * 100)
    voting.to_voting()
    voting.vote(decided.members[1], "Choir")
    return decided, voting


@pytest.mark.parametrize("width", [1280, 640])
def test_no_axe_violations_on_the_decision_pages(browser, live_server, db, rounds_at_every_stage, width):
    decided, voting = rounds_at_every_stage
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    found: dict[str, str] = {}

    def check(url: str) -> None:
        page.goto(url)
        expect(page.locator("h1")).to_have_count(1)
        problems = violations(page)
        if problems:
            found[url] = describe(problems)
        assert page.evaluate(OVERFLOW) <= 1, f"{url} scrolls sideways at {width}px"

    sign_in(page, decided.coordinator.email)
    for url in [
        f"/rounds/{decided.round.id}",
        f"/rounds/{decided.round.id}/results",
        f"/rounds/{decided.round.id}/decision",
        "/funds",
        f"/rounds/{voting.round.id}",
        f"/rounds/{voting.round.id}/results",
        "/collectives",
        "/collectives/involvement/years",
        f"/collectives/meetings?locality_id={decided.round.locality_id}",
    ]:
        check(url)
    page.goto(f"/rounds/{decided.round.id}/decision")
    assert page.evaluate(CELLS_OUTSIDE) == [], "cells of the decision table are cut off"
    sign_out(page)

    sign_in(page, decided.members[1].email)
    for url in [
        f"/rounds/{voting.round.id}",  # the ballot, in this member's own order
        f"/rounds/{decided.round.id}",  # voting closed: "your ballot was counted"
        f"/rounds/{decided.round.id}/decision",
        "/collectives",
        "/collectives/involvement",
    ]:
        check(url)
    context.close()
    assert not found, "axe-core found problems:\n" + "\n".join(f"{url}\n{text}" for url, text in found.items())
