"""In a real browser: a champion filters, searches near a postcode, sees markers and the sorted list, opens a popup."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from creative_minds.accounts.models import Role
from tests.browser.test_foundation_journey import sign_in
from tests.utils import make_user

pytestmark = pytest.mark.browser


def test_champion_finds_an_activity_on_the_map(page, db, activities):
    champion = make_user(db, Role.CHAMPION)
    sign_in(page, champion.email)
    page.get_by_role("link", name="Find activities").first.click()
    expect(page.locator(".result-count")).to_contain_text("5 activities")
    # With no tile server reachable, the markers and clusters still show.
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
    page.evaluate("window.__marker = 'same page'")

    page.get_by_label("Locality").select_option(label="Kirklees")
    expect(page.locator(".result-count")).to_contain_text("2 activities")
    page.get_by_label("Activity", exact=True).select_option(label="Football and walking football")
    expect(page.locator(".result-count")).to_contain_text("1 activity")
    expect(page).to_have_url(re.compile(r"locality=kirklees.*category=football|category=football.*locality=kirklees"))

    page.get_by_label("Activity", exact=True).select_option(label="Any activity")
    page.get_by_label("Near postcode").fill("hd1 2ab")
    page.get_by_label("Within").select_option(label="20 miles")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".result-count")).to_contain_text("within 20 miles of HD1 2AB")
    items = page.locator(".activity h3")
    expect(items).to_have_text(["Huddersfield Walking Football", "Holmfirth Knit and Natter"])
    expect(page.locator(".activity").first).to_contain_text("0.2 miles away")
    assert page.evaluate("window.__marker") == "same page"  # filters never reloaded the page

    page.wait_for_load_state("networkidle")
    marker = page.locator('.leaflet-marker-icon[title="Huddersfield Walking Football"]')
    expect(marker).to_be_visible()
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Huddersfield Walking Football")
    expect(popup).to_contain_text("Tuesday, 10am")
    expect(popup.get_by_role("link", name="More about this activity")).to_be_visible()


@pytest.mark.allow_browser_errors  # the map's scripts are blocked on purpose
def test_page_works_without_the_map(page, db, activities):
    page.route(re.compile(r".*/leaflet.*\.js$"), lambda route: route.abort())  # as if the map could not load
    page.goto("/activities?locality=calderdale")
    expect(page.get_by_role("heading", name="List of activities")).to_be_visible()
    expect(page.locator(".activity h3")).to_have_text(["Halifax Choir"])
    page.get_by_role("link", name="Halifax Choir").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Halifax Choir")
