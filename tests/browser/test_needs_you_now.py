"""In a real browser: each role's home page starts with what needs them now; a coordinator waives
an overdue duty with a reason, and the pages pass axe."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from collectives.membership.models import Constituency
from creative_minds.accounts.models import Role
from creative_minds.timeutil import today
from obligations import service as obligations
from partners.models import Partner
from stories.participants import service as participants
from stories.participants.forms import ParticipantInput
from stories.scores import service as scores
from stories.scores.forms import ScoreInput
from tests.browser.axe import describe, violations
from tests.browser.test_foundation_journey import sign_in, sign_out
from tests.collectives.conftest import make_network
from tests.utils import make_project, make_user

pytestmark = pytest.mark.browser


def _needs(page):
    return page.get_by_role("region", name="Needs you now")


def test_each_role_sees_what_needs_them_now(page, db):
    net = make_network(db, round_name="Kirklees autumn round")
    member = net.add_member(Constituency.LIVED_EXPERIENCE, full_name="Mo Member")
    net.apply("Sea shanties", 200_000)
    net.round.voting_closes_on = date(2030, 1, 4)
    db.add(net.round)
    db.commit()
    net.to_voting()
    partner = db.get(Partner, net.partners["Sea shanties"].id)
    partner.insurance_expires_on = today() - timedelta(days=4)
    db.add(partner)
    reporter = make_user(db, Role.REPORTER, full_name="Rita Reporter")
    project = make_project(db, partner, net.coordinator, title="Clay and Calm")
    project.status = "active"
    db.commit()
    person = participants.create_participant(db, ParticipantInput(project_ids=[project.id]), by=reporter)
    scores.record_score(
        db,
        person,
        ScoreInput(
            project_id=project.id,
            kind="baseline",
            completed_on=participants.add_months(today(), -3) + timedelta(days=3),
            **{f"item_{i}": 4 for i in range(1, 8)},
        ),
        by=reporter,
    )
    obligations.remind(db)
    db.commit()

    # A member: the open vote and when it closes.
    sign_in(page, member.email)
    expect(_needs(page)).to_contain_text("Vote open: Kirklees autumn round")
    expect(_needs(page)).to_contain_text("Voting closes Friday 4 January. You have not voted yet.")
    assert violations(page) == [], describe(violations(page))
    sign_out(page)

    # A partner: its overdue insurance first, then where its application stands.
    sign_in(page, net.owners["Sea shanties"].email)
    items = _needs(page).get_by_role("listitem")
    expect(items.first).to_contain_text("Sea shanties group: insurance renewal")
    expect(items.first).to_contain_text("overdue by 4 days")
    expect(_needs(page)).to_contain_text("Application: Sea shanties")
    expect(_needs(page)).to_contain_text("Eligible — waiting 0 days")
    sign_out(page)

    # A reporter: this week's follow-ups.
    sign_in(page, reporter.email)
    expect(_needs(page)).to_contain_text(f"Follow-up form: {person.code}")
    expect(_needs(page)).to_contain_text("Clay and Calm — due in 3 days")
    sign_out(page)

    # A coordinator: everything overdue across the network; waiving needs a reason.
    sign_in(page, net.coordinator.email)
    expect(_needs(page)).to_contain_text("Insurance renewal overdue by 4 days")
    page.get_by_role("link", name="Dates that matter").click()
    expect(page.get_by_role("heading", name="Dates that matter")).to_be_visible()
    assert violations(page) == [], describe(violations(page))
    page.get_by_role("button", name="Waive").first.click()
    expect(page.locator(".error-message").first).to_contain_text("Give the reason for waiving this (it is kept).")
    page.get_by_label("Reason (needed to waive)").first.fill("Council policy covers the group until March")
    page.get_by_role("button", name="Waive").first.click()
    expect(page.get_by_role("status")).to_contain_text("is waived")
    page.get_by_label("Show").select_option(label="Done or waived")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table")).to_contain_text("Council policy covers the group until March")
    page.goto("/")
    expect(_needs(page)).not_to_contain_text("Insurance renewal overdue")
