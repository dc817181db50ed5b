"""In a real browser: a member votes, a coordinator closes voting, the results show the allocation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from collectives.membership.models import Constituency
from tests.browser.test_foundation_journey import sign_in, sign_out
from tests.collectives.conftest import make_network

pytestmark = pytest.mark.browser


def test_member_votes_coordinator_closes_results_show_allocation(page, db):
    net = make_network(db, budget_pence=1_000_000, min_voters=2)
    for name, pounds in [("Cafe", 4000), ("Walks", 3000), ("Allotment", 3000), ("Arts", 3500), ("Youth", 2500)]:
        net.apply(name, pounds * 100)
    net.to_voting()
    others = [net.add_member(Constituency.CARER) for _ in range(2)]
    for other in others:
        net.vote(other, "Arts", "Youth")
    member = net.add_member(Constituency.LIVED_EXPERIENCE, full_name="Lee Lived")

    # The member votes in the browser.
    sign_in(page, member.email)
    page.get_by_role("link", name="Collective", exact=True).click()
    page.get_by_role("link", name="Kirklees spring round").click()
    for name in ("Cafe", "Walks", "Allotment"):
        page.get_by_label(f"Approve {name}").check()
    page.get_by_role("button", name="Save my ballot").click()
    expect(page.get_by_role("status").first).to_contain_text("you approve 3 applications")
    expect(page.get_by_role("status").first).to_contain_text("Your receipt is")
    expect(page.locator("#turnout")).to_contain_text("3 of 3 members have voted")
    sign_out(page)

    # The coordinator watches turnout, closes voting and reads the allocation.
    sign_in(page, net.coordinator.email)
    page.goto(f"/rounds/{net.round.id}")
    page.get_by_label("I understand: close voting cannot be undone.").check()
    page.get_by_role("button", name="Close voting").click()
    expect(page.get_by_role("status").first).to_contain_text("Voting closed")
    page.get_by_role("link", name="Turnout and results").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Most approvals first")
    row = page.get_by_role("row", name=re.compile("^Youth"))
    expect(row).to_contain_text("✔ Funded")  # Equal Shares gives the smaller group its share
    page.get_by_label(re.compile("^Equal Shares, then most approvals")).check()
    page.get_by_label("I understand: confirming the decision cannot be undone.").check()
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision of the Kirklees collective")
    expect(page.get_by_role("cell", name="Funded").first).to_be_visible()
    expect(page.get_by_text("record intact")).to_be_visible()


def test_turnout_updates_live_during_voting(page, db):
    net = make_network(db, min_voters=2)
    net.apply("Walks", 300_000)
    net.to_voting()
    first, second = net.add_member(Constituency.LIVED_EXPERIENCE), net.add_member(Constituency.CARER)
    net.vote(first, "Walks")
    sign_in(page, net.coordinator.email)
    page.clock.install()  # the page's own timers, moved on below instead of waited for
    page.goto(f"/rounds/{net.round.id}/results")
    expect(page.locator("#turnout")).to_contain_text("1 of 2 members have voted")
    page.evaluate("window.__marker = 'no reload'")
    net.vote(second, "Walks")  # somebody votes elsewhere
    page.clock.run_for(4_000)
    expect(page.locator("#turnout")).to_contain_text("1 of 2 members have voted")  # not before 5 s
    page.clock.run_for(1_100)  # the page asks again every 5 seconds
    expect(page.locator("#turnout")).to_contain_text("2 of 2 members have voted")
    expect(page.locator("#turnout")).to_contain_text("Quorum met")
    assert page.evaluate("window.__marker") == "no reload"
