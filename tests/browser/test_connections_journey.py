"""In a real browser: a champion connects a new person from the map, the group records their first visit and
later "still going", and the coordinator's funnel moves at each step."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser.axe import violations
from tests.browser.test_foundation_journey import sign_in, sign_out
from tests.connections.conftest import Network, days_ago

pytestmark = pytest.mark.browser


def funnel_cells(page) -> list[str]:
    page.goto("/connections/funnel")
    return [page.locator(f'td[data-stage="{s}"]').inner_text() for s in ("connected", "came", "still_going", "paired")]


def test_champion_connects_from_the_map_partner_records_attendance_funnel_changes(page, db):
    net = Network(db)

    sign_in(page, net.coordinator.email)
    assert funnel_cells(page) == ["0", "0", "0", "0"]
    sign_out(page)

    # The champion finds the activity on the map and connects someone new from its popup.
    sign_in(page, net.champion.email)
    page.get_by_role("link", name="Find activities").first.click()
    page.wait_for_load_state("networkidle")
    marker = page.locator('.leaflet-marker-icon[title="Clay and Calm"]')
    link = page.locator(".leaflet-popup-content").get_by_role("link", name="Connect someone to this activity")
    for attempt in range(3):  # the map may redraw its markers (closing the popup) while a slow machine loads it
        expect(marker).to_be_visible()
        marker.click()
        expect(link).to_be_visible()
        link.click()
        try:
            page.wait_for_url("**/connections/new**", timeout=5000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a connection")
    expect(page.get_by_label("Activity")).to_have_value(str(net.activity.id))
    assert violations(page) == []
    page.get_by_label("New person: make a code for them").check()
    page.get_by_label("Date").fill(days_ago(120).isoformat())
    page.get_by_label("How you connected them").select_option(label="Went along with them")
    page.get_by_label("The team or service they came from").select_option(label="Community mental health team")
    page.get_by_label("Notes for the group").fill("Prefers a quiet start")
    page.get_by_role("button", name="Save the connection").click()
    expect(page.get_by_role("status")).to_contain_text("Connection saved for P-")
    code = re.search(r"P-[A-Z0-9]{6}", page.get_by_role("status").inner_text()).group(0)
    page.get_by_role("link", name="Connections", exact=True).click()
    expect(page.get_by_role("table")).to_contain_text(code)
    expect(page.get_by_role("table")).to_contain_text("Waiting for a first visit")
    expect(page.locator("main")).to_contain_text("Needing a nudge")
    expect(page.locator("main ul").filter(has_text=code)).to_be_visible()  # 120 days with no first visit
    sign_out(page)

    sign_in(page, net.coordinator.email)
    assert funnel_cells(page) == ["1", "0", "0", "0"]
    sign_out(page)

    # The group sees its new connection and records the first visit, then "still going" 3 months on.
    sign_in(page, net.partner_user.email)
    page.get_by_role("link", name="Connections", exact=True).click()
    assert violations(page) == []
    page.get_by_role("link", name=code).click()
    expect(page.locator("main")).to_contain_text("Prefers a quiet start")
    assert violations(page) == []
    page.get_by_label("What happened").select_option(label="They came (first visit)")
    page.get_by_label("Date").fill(days_ago(121).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be before the connection")  # kept, explained
    page.get_by_label("Date").fill(days_ago(110).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved: {code} – Came.")
    sign_out(page)

    sign_in(page, net.coordinator.email)
    assert funnel_cells(page) == ["1", "1", "0", "0"]
    sign_out(page)

    sign_in(page, net.partner_user.email)
    page.goto("/connections/")
    page.get_by_role("link", name="Clay and Calm").click()  # the group's page for its activity
    expect(page.get_by_role("heading", level=1)).to_have_text("Clay and Calm")
    assert violations(page) == []
    page.get_by_role("link", name=code).click()
    page.get_by_label("What happened").select_option(label="Still coming after 3 months")
    page.get_by_label("Date").fill(days_ago(0).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Still going after 3 months")
    sign_out(page)

    sign_in(page, net.coordinator.email)
    assert funnel_cells(page) == ["1", "1", "1", "0"]
    assert violations(page) == []
    sign_out(page)

    # A collective member sees the same funnel with small numbers hidden.
    sign_in(page, net.member.email)
    assert funnel_cells(page) == ["fewer than 5", "fewer than 5", "fewer than 5", "hidden"]
