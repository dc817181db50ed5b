"""In a real browser: a reporter finds a follow-up left out for a missed answer, corrects it with a
reason, and sees the pair counted in the report; the form's history keeps the earlier version."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import describe, violations
from tests.browser.test_foundation_journey import sign_in
from tests.browser.test_stories_journey import answer
from tests.stories.conftest import People
from tests.stories.test_service import _items

pytestmark = pytest.mark.browser


def test_reporter_corrects_an_incomplete_follow_up_and_the_pair_counts(page, db):
    people = People(db)
    for before, after in [(18, 22), (21, 21), (24, 28), (15, 14)]:
        people.pair(_items(before), _items(after))
    person = people.participant()
    people.score(person, "baseline", [2, 2, 2, 1, 2, 1, 2])  # raw 12, metric 14.08
    people.score(person, "follow_up", [3, 3, None, 2, 3, 2, 3])  # statement 3 missed: not scored

    sign_in(page, people.reporter.email)
    page.goto("/reports/evaluation")
    page.get_by_label("Project").select_option(value=str(people.project.id))  # labels name partner and venue too
    page.get_by_role("button", name="Show").click()
    expect(page.locator("body")).to_contain_text("Fewer than 5 people have both a baseline and a follow-up here")
    left_out = page.get_by_role("group").filter(has_text="Follow-up not scored (an answer is missing): 1")
    expect(left_out).to_contain_text("statement 3 unanswered")
    left_out.get_by_role("link", name=person.code).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Participant {person.code}")
    expect(page.get_by_role("row", name=re.compile("Follow-up"))).to_contain_text("statement 3 unanswered")
    page.get_by_role("link", name=re.compile("^Correct the follow-up")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Correct the wellbeing form for {person.code}")
    found = violations(page)
    assert not found, "axe-core found problems:\n" + describe(found)
    answer(page, [3, 3, 3, 2, 3, 2, 3])  # raw 19, metric 17.98
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why you are correcting this form")
    expect(page.get_by_role("group", name=re.compile(r"^3\. ")).get_by_label("Some of the time")).to_be_checked()
    page.get_by_label("Why are you correcting this form?").fill("Statement 3 was on the paper form but missed")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status")).to_contain_text("Corrected. Saved: raw score 19, metric score 17.98")
    page.get_by_text("History (1 earlier version)").click()
    expect(page.get_by_text("Statement 3 was on the paper form but missed")).to_be_visible()

    page.goto("/reports/evaluation")
    page.get_by_label("Project").select_option(value=str(people.project.id))  # labels name partner and venue too
    page.get_by_role("button", name="Show").click()
    figures = page.get_by_role("table", name=re.compile("Paired change in metric SWEMWBS score, n = 5"))
    expect(figures).to_contain_text("+1.88")  # (3.90 + 2.55 + 0 + 3.49 - 0.52) / 5
    expect(page.locator("#too-few")).to_contain_text("Only 5 people have both forms")
