"""In a real browser: the printable-sheet shortlist, the finder's layout on a laptop, an activity's own map (issue 15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from projects.models import ProjectStatus
from tests.utils import locality_id, make_partner, make_project, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def many(db, activities):
    """Sixty more running activities, so the list has two pages (50 a page)."""
    coordinator = make_user(db)
    partner = make_partner(db, coordinator, name="Busy Partner")
    for n in range(60):
        project = make_project(
            db,
            partner,
            coordinator,
            title=f"Extra session {n:02d}",
            postcode="HD1 2AB",
            latitude=53.6458,
            longitude=-1.7850,
            locality_id=locality_id(db, "kirklees"),
        )
        project.status = ProjectStatus.ACTIVE.value
    db.commit()
    return activities


def test_shortlist_survives_ticking_filtering_and_paging(page, many):
    page.goto("/activities")
    expect(page.locator(".result-count")).to_contain_text("65 activities")
    page.evaluate("window.__marker = 'same page'")
    climbing = page.get_by_label("Add Barnsley Youth Climbing to the sheet")
    climbing.check()
    page.wait_for_timeout(700)  # a refresh of the list would have happened by now
    expect(climbing).to_be_checked()
    expect(page.locator(".shortlist-count")).to_have_text("1 activity ticked for the sheet.")

    page.get_by_role("link", name="Next page").click()
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 2")
    page.get_by_label("Add Halifax Choir to the sheet").check()

    page.get_by_label("Locality").select_option(label="Calderdale")
    expect(page.locator(".result-count")).to_contain_text("1 activity")
    expect(page.get_by_label("Add Halifax Choir to the sheet")).to_be_checked()
    page.get_by_label("Locality").select_option(label="All localities")
    expect(page.locator(".result-count")).to_contain_text("65 activities")
    expect(page.get_by_label("Add Barnsley Youth Climbing to the sheet")).to_be_checked()
    expect(page.locator(".shortlist-count")).to_have_text("2 activities ticked for the sheet.")
    assert page.evaluate("window.__marker") == "same page"

    page.reload()  # the shortlist is in the address, so a reload keeps it
    expect(page.get_by_label("Add Barnsley Youth Climbing to the sheet")).to_be_checked()
    page.get_by_role("button", name="Make a printable sheet of the ticked activities").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activities chosen for you")
    expect(page.get_by_role("heading", level=2)).to_have_text(["Barnsley Youth Climbing", "Halifax Choir"])


def test_unticking_takes_an_activity_off_the_sheet(page, many):
    page.goto("/activities")
    choir_page = page.get_by_role("link", name="Next page")
    page.get_by_label("Add Barnsley Youth Climbing to the sheet").check()
    choir_page.click()
    page.get_by_label("Add Halifax Choir to the sheet").check()
    page.get_by_role("link", name="Previous page").click()
    page.get_by_label("Add Barnsley Youth Climbing to the sheet").uncheck()
    page.get_by_role("button", name="Make a printable sheet of the ticked activities").click()
    expect(page.get_by_role("heading", level=2)).to_have_text(["Halifax Choir"])


def test_map_and_list_both_in_view_on_a_laptop_with_a_skip_link(page, activities):
    page.goto("/activities")
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
    viewport = page.viewport_size
    assert viewport == {"width": 1280, "height": 900}
    for selector in (".activity-list .activity", ".finder-map .folium-map"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["y"] + 150 < viewport["height"], (selector, box)  # at least 150 px showing
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to the map")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "map"


def test_an_activity_page_has_a_small_map_and_a_phone_number(page, db, activities):
    choir = activities["Halifax Choir"]
    choir.partner.contact_phone = "01422 555 0199"
    db.add(choir.partner)
    db.commit()
    page.goto(f"/activities/{choir.id}")
    expect(page.locator('#activity-map .leaflet-marker-icon[title="Halifax Choir"]')).to_be_visible()
    expect(page.get_by_role("link", name="01422 555 0199")).to_have_attribute("href", "tel:014225550199")
