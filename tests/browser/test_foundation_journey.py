"""In a real browser: a group registers, a coordinator approves it, the group adds a project."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.utils import PASSWORD, make_user

pytestmark = pytest.mark.browser


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_register_approve_add_project(page, db):
    coordinator = make_user(db, full_name="Chris Coordinator")

    # 1. A community group registers itself.
    page.goto("/")
    page.get_by_role("link", name="Register your community group").click()
    page.get_by_label("Your name").fill("Pat Potter")
    page.get_by_label("Your email address").fill("pat@clay.example.org")
    page.get_by_label("Choose a password").fill("clay-and-calm-2027")
    page.get_by_label("Type the password again").fill("clay-and-calm-2027")
    page.get_by_label("Name of the group").fill("Calder Clay Collective")
    page.get_by_label("Kind of group").select_option(label="Community group")
    page.get_by_label("Calderdale").check()
    page.get_by_label("Contact name").fill("Pat Potter")
    page.get_by_label("Contact email").fill("hello@clay.example.org")
    page.get_by_label("Address", exact=True).fill("3 Mill Lane, Hebden Bridge")
    page.get_by_label("Postcode").fill("hx7 8ad")
    page.get_by_role("button", name="Register the group").click()
    # Not signed in by registering (that would tell anyone whether an e-mail had an account):
    # the sign-in page says what happened, with the e-mail filled in.
    expect(page.get_by_role("status")).to_contain_text("waiting for a coordinator to approve")
    expect(page.get_by_label("Email address")).to_have_value("pat@clay.example.org")

    # 2. A coordinator finds it among the groups waiting for approval and approves it.
    sign_in(page, coordinator.email)
    page.get_by_role("link", name=re.compile(r"1 partner waiting for approval")).click()
    page.get_by_role("link", name="Calder Clay Collective").click()
    # No agreement, insurance or safeguarding review recorded yet: approving asks for a reason first.
    expect(page.get_by_role("heading", name="Check before approving")).to_be_visible()
    page.get_by_label("Reason to go on despite this").fill("Agreement and certificates are in the post")
    page.get_by_role("button", name="Approve Calder Clay Collective anyway").click()
    expect(page.get_by_role("status")).to_contain_text("Calder Clay Collective is approved")
    sign_out(page)

    # 3. The group signs in and adds a project.
    sign_in(page, "pat@clay.example.org", "clay-and-calm-2027")
    page.get_by_role("link", name="Add a project").first.click()
    page.get_by_label("Project title").fill("Clay and Calm")
    page.get_by_label("Pottery").check()
    page.get_by_label("Locality", exact=True).select_option(label="Calderdale")
    page.get_by_label("Venue postcode").fill("HX7 8AD")
    page.get_by_label("Day").select_option(label="Thursday")
    page.get_by_label("Total cost of the project").fill("1,800")
    page.get_by_label("Your own contribution (match funding)").fill("600")
    page.get_by_label("Amount asked of Creative Minds").fill("1200")
    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clay and Calm")
    expect(page.get_by_text("£1,200")).to_be_visible()

    # 4. The project appears in the list, found with the htmx search (no full reload).
    page.get_by_role("link", name="Projects", exact=True).click()
    page.evaluate("window.__marker = 'same page'")
    page.get_by_label("Search by title, venue or postcode").fill("clay")
    expect(page.locator("#results")).to_contain_text("1 project found")
    expect(page.get_by_role("link", name="Clay and Calm")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/projects\?.*q=clay"))  # the search is in the address, to share
    assert page.evaluate("window.__marker") == "same page"


def test_form_errors_are_announced_and_linked(page, db):
    page.goto("/register")
    page.get_by_label("Postcode").fill("not a postcode")
    page.get_by_role("button", name="Register the group").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link", name=re.compile("not a full UK postcode")).click()
    expect(page.get_by_label("Postcode")).to_be_focused()
    expect(page.get_by_label("Postcode")).to_have_attribute("aria-invalid", "true")
