"""In a real browser: the running partner cancels a session and adds a one-off from the project page;
the public activity page shows both; every page on the way is axe-clean."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from creative_minds.accounts.models import Role
from creative_minds.timeutil import today
from tests.browser.axe import describe, violations
from tests.browser.test_foundation_journey import sign_in, sign_out
from tests.utils import make_partner, make_project, make_user

pytestmark = pytest.mark.browser

T0 = today() + timedelta(days=7 + (1 - today().weekday()) % 7)  # a Tuesday, 7 to 13 days away
CANCELLED, EXTRA = T0 + timedelta(days=7), T0 + timedelta(days=13)  # the next Tuesday; the Monday after


def long(day) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def test_partner_cancels_a_session_and_adds_a_one_off(page, db):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator)
    owner = make_user(db, Role.PARTNER, partner_id=partner.id)
    project = make_project(db, partner, coordinator, title="Tuesday Walking Football", start_date=T0.isoformat())
    project.status = "active"
    db.commit()

    sign_in(page, owner.email)
    page.goto(f"/projects/{project.id}")
    page.get_by_role("link", name="Cancel, move or add sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tuesday Walking Football: sessions")
    found = violations(page)
    assert found == [], describe(found)

    # A Wednesday is not a session day: said beside the field, nothing saved, the reason kept.
    page.get_by_label("Date of the session", exact=True).fill((CANCELLED + timedelta(days=1)).isoformat())
    page.get_by_label("Reason shown to the public").fill("bank holiday")
    page.get_by_role("button", name="Cancel this session").click()
    expect(page.locator("#cancel_on-error")).to_contain_text("is not a session day")
    expect(page.get_by_label("Reason shown to the public")).to_have_value("bank holiday")
    found = violations(page)
    assert found == [], describe(found)

    page.get_by_label("Date of the session", exact=True).fill(CANCELLED.isoformat())
    page.get_by_role("button", name="Cancel this session").click()
    expect(page.get_by_role("status")).to_contain_text(f"the session on {long(CANCELLED)} is cancelled")

    extra = page.locator("form").filter(has=page.get_by_role("button", name="Add this session"))
    extra.get_by_label("Date").fill(EXTRA.isoformat())
    extra.get_by_label("Start time").fill("10:00")
    extra.get_by_label("End time").fill("12:00")
    extra.get_by_label("Note shown to the public").fill("Bank holiday special")
    page.get_by_role("button", name="Add this session").click()
    expect(page.get_by_role("status")).to_contain_text(f"an extra session on {long(EXTRA)}, 10am")
    expect(page.get_by_role("table")).to_contain_text("Bank holiday special")
    found = violations(page)
    assert found == [], describe(found)
    sign_out(page)

    # Anyone reading the activity page sees both.
    page.goto(f"/activities/{project.id}")
    sessions = page.locator("ul.sessions")
    expect(sessions).to_contain_text(f"{long(CANCELLED)}, 10am to 12pm: cancelled (bank holiday)")
    expect(sessions).to_contain_text(f"{long(EXTRA)}, 10am to 12pm: extra session (Bank holiday special)")
    expect(sessions).to_contain_text(f"{long(T0)}, 10am to 12pm")
    found = violations(page)
    assert found == [], describe(found)
