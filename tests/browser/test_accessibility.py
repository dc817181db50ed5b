"""Pages at 200% zoom, by keyboard, with labels and headings (checked in the browser)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from creative_minds.accounts.models import Role
from tests.browser.test_foundation_journey import sign_in
from tests.collectives.conftest import make_network
from tests.utils import make_user

pytestmark = pytest.mark.browser

# Every visible form control has a name a screen reader can read out.
UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"

PAGES = [
    "/",
    "/activities",
    "/stories",
    "/partners",
    "/projects",
    "/collectives",
    "/funds",
    "/rounds/new",
    "/participants",
    "/participants/new",
    "/reports/evaluation",
    "/accounts/new",
    "/partners/new",
    "/projects/new",
]


def check(page, url: str) -> None:
    page.goto(url)
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    expect(page.locator("h1")).to_have_count(1)
    assert page.evaluate(UNLABELLED) == [], url
    assert page.evaluate(OVERFLOW) <= 1, f"{url} scrolls sideways at 200% zoom"


def test_pages_at_200_percent_zoom_have_labels_headings_and_no_sideways_scrolling(browser, live_server, db, activities):
    net = make_network(db)
    context = browser.new_context(base_url=live_server, viewport={"width": 640, "height": 900}, device_scale_factor=2)
    page = context.new_page()
    check(page, "/register")
    check(page, "/collectives/join")
    sign_in(page, net.coordinator.email)
    for url in PAGES + [
        f"/rounds/{net.round.id}",
        f"/projects/{activities['Halifax Choir'].id}",
        f"/activities/{activities['Halifax Choir'].id}",
    ]:
        check(page, url)
    context.close()


def test_keyboard_reaches_the_skip_link_first_and_the_filters(page, db, activities):
    page.goto("/activities")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused, "after the skip link, focus moves into the main content"
    page.get_by_label("Locality").focus()
    page.keyboard.press("ArrowDown")  # choose with the keyboard; the list updates without a reload
    expect(page.locator(".result-count")).not_to_contain_text("5 activities")


def test_signed_in_champion_sees_plain_navigation(page, db):
    champion = make_user(db, Role.CHAMPION, full_name="Cam Champion")
    sign_in(page, champion.email)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Find activities")).to_be_visible()
