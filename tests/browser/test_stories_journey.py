"""In a real browser: a reporter records a baseline, a follow-up and a story; a coordinator publishes it; the report shows the change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journey import sign_in, sign_out
from tests.stories.conftest import BASELINE_ON, FOLLOW_UP_ON, People
from tests.stories.test_service import _items

pytestmark = pytest.mark.browser


def answer(page, items: list[int]) -> None:
    labels = {1: "None of the time", 2: "Rarely", 3: "Some of the time", 4: "Often", 5: "All of the time"}
    for number, value in enumerate(items, start=1):
        page.get_by_role("group", name=re.compile(rf"^{number}\. ")).get_by_label(labels[value]).check()


def test_reporter_records_scores_and_story_coordinator_publishes_report_shows_change(page, db):
    people = People(db)
    for before, after in [(18, 22), (21, 21), (24, 28), (15, 14)]:
        people.pair(_items(before), _items(after))

    sign_in(page, people.reporter.email)
    page.get_by_role("link", name="Participants").click()
    page.get_by_role("link", name="Add a participant").click()
    page.get_by_label("Find a project").fill("clay")  # the chooser finds projects by words, then they are ticked
    page.get_by_role("button", name="Find projects").click()
    page.get_by_label(re.compile("^Clay and Calm")).check()  # the label names the partner, venue and day too
    page.get_by_label("Age band").select_option("25 to 34")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Give them this code")
    code = page.get_by_role("heading", level=1).inner_text().removeprefix("Participant ")

    baseline_day = BASELINE_ON.isoformat()  # the same year as the other four, so all five are one group
    page.get_by_role("link", name="Record a wellbeing form").click()
    page.get_by_label("Project").select_option(label="Clay and Calm")
    page.get_by_label("Which form").select_option(label="Before (baseline)")
    page.get_by_label("Date filled in").fill(baseline_day)
    answer(page, [2, 2, 2, 1, 2, 1, 2])  # raw 12, metric 14.08
    page.get_by_role("button", name="Save the form").click()
    expect(page.get_by_role("status")).to_contain_text("raw score 12, metric score 14.08")

    page.get_by_role("link", name="Record a wellbeing form").click()
    page.get_by_label("Project").select_option(label="Clay and Calm")
    page.get_by_label("Which form").select_option(label="Follow-up (about 3 months in, or at the end)")
    page.get_by_label("Date filled in").fill(FOLLOW_UP_ON.isoformat())
    answer(page, [3, 3, 3, 2, 3, 2, 3])  # raw 19, metric 17.98
    page.get_by_role("button", name="Save the form").click()
    expect(page.get_by_role("status")).to_contain_text("raw score 19, metric score 17.98")

    page.get_by_role("link", name="Record a story").click()
    page.get_by_label("Project").select_option(label="Clay and Calm")
    page.get_by_label("The story, in the participant's own words").fill("The clay group got me out of the house again.")
    page.get_by_label("Connectedness").check()
    page.get_by_label("Public, without a name").check()
    page.get_by_role("button", name="Save the story").click()
    expect(page.get_by_role("status")).to_contain_text("A coordinator reviews it")
    sign_out(page)

    sign_in(page, people.coordinator.email)
    page.goto("/stories/review")
    page.get_by_role("link", name=re.compile("Clay and Calm")).click()
    page.get_by_role("button", name="Publish this story").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    page.get_by_role("link", name="Stories", exact=True).click()
    expect(page.get_by_text("The clay group got me out of the house again.")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(code)

    page.get_by_role("link", name="Wellbeing report").click()
    page.get_by_label("Project").select_option(value=str(people.project.id))  # labels name partner and venue too
    page.get_by_role("button", name="Show").click()
    figures = page.get_by_role("table", name=re.compile("Paired change in metric SWEMWBS score, n = 5"))
    expect(figures).to_contain_text("+1.88")  # (3.90 + 2.55 + 0 + 3.49 - 0.52) / 5
    expect(page.get_by_role("img", name="Wellbeing scores before and at follow-up")).to_be_visible()
