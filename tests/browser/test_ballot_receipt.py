"""In a real browser: a member votes and gets a receipt; voting closes; the member finds it in the sealed record."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from collectives.membership.models import Constituency
from tests.browser.test_foundation_journey import sign_in, sign_out
from tests.collectives.conftest import make_network

pytestmark = pytest.mark.browser


def test_member_finds_their_receipt_in_the_sealed_record(page, db):
    net = make_network(db, budget_pence=1_000_000, min_voters=2)
    for name, pounds in [("Cafe", 4000), ("Walks", 3000), ("Youth", 2500)]:
        net.apply(name, pounds * 100)
    carer = net.add_member(Constituency.CARER)
    member = net.add_member(Constituency.LIVED_EXPERIENCE, full_name="Robin Receipt")
    net.to_voting()
    net.vote(carer, "Youth")

    # The member votes: the ballot lists applications in the member's own order, and saving gives a receipt.
    sign_in(page, member.email)
    page.goto(f"/rounds/{net.round.id}")
    expect(page.get_by_text("random order made for you")).to_be_visible()
    page.get_by_label("Approve Walks").check()
    page.get_by_label("Approve Cafe").check()
    page.get_by_role("button", name="Save my ballot").click()
    status = page.get_by_role("status").first
    expect(status).to_contain_text("Your receipt is")
    receipt = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", status.inner_text()).group(0)
    sign_out(page)

    # The coordinator closes voting (confirming it) and confirms the decision, which closes the round.
    sign_in(page, net.coordinator.email)
    page.goto(f"/rounds/{net.round.id}")
    page.get_by_role("button", name="Close voting").click()  # without ticking the box: the browser asks first
    assert page.evaluate("document.getElementById('confirm').validity.valueMissing")
    expect(page.get_by_text("Voting (now)")).to_be_visible()
    page.get_by_label("I understand: close voting cannot be undone.").check()
    page.get_by_role("button", name="Close voting").click()
    expect(page.get_by_role("status").first).to_contain_text("Voting closed")
    page.goto(f"/rounds/{net.round.id}/results")
    page.get_by_label("I understand: confirming the decision cannot be undone.").check()
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.get_by_role("status").first).to_contain_text("the round is closed")
    sign_out(page)

    # Back on the round page the member is told the ballot was counted, with the receipt, and finds it.
    sign_in(page, member.email)
    page.goto(f"/rounds/{net.round.id}")
    expect(page.get_by_role("heading", name="Your ballot")).to_be_visible()
    counted = page.get_by_role("status").filter(has_text="your ballot was counted")
    expect(counted).to_contain_text(receipt)
    counted.get_by_role("link", name="find your receipt in the record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision of the Kirklees collective")
    expect(page.get_by_text("2 ballots were counted")).to_be_visible()
    mine = page.locator(f"#receipt-{receipt}")
    expect(mine).to_have_text(receipt)
    expect(mine).to_be_in_viewport()
    assert page.evaluate("location.hash") == f"#receipt-{receipt}"
    assert page.evaluate("getComputedStyle(document.querySelector(':target')).backgroundColor") != "rgba(0, 0, 0, 0)"
    expect(page.locator("main")).not_to_contain_text("Robin Receipt")  # never who
