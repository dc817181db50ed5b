"""In a real browser (issue 15): the project chooser without scripts, forms that lost what was typed,
Back then Save, and questions asked only where they apply."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import func, select

from collectives.decisions import service as decisions
from collectives.rounds.models import Rule
from creative_minds.accounts.models import Role
from projects.models import Project
from stories.participants.models import Participant
from tests.browser.axe import violations
from tests.collectives.conftest import make_network, pb_notes_case
from tests.utils import PASSWORD, make_partner, make_project, make_user

pytestmark = pytest.mark.browser


def sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


@pytest.fixture
def twin_choirs(db):
    coordinator = make_user(db)
    reporter = make_user(db, Role.REPORTER)
    made = []
    for name, venue, postcode, day in (
        ("Halifax Arts", "Square Chapel", "HX1 1QG", "TU"),
        ("Dewsbury Arts", "Town Hall", "WF13 1AA", "TH"),
    ):
        partner = make_partner(db, coordinator, name=name)
        project = make_project(
            db, partner, coordinator, title="Open Choir", venue_name=venue, postcode=postcode, day_of_week=day
        )
        project.status = "active"
        made.append(project)
    db.commit()
    return reporter, made


def test_project_chooser_works_without_scripts_and_keeps_ticks(browser, live_server, db, twin_choirs):
    reporter, (halifax, dewsbury) = twin_choirs
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, reporter.email)
        page.goto("/participants/new")
        expect(page.locator('input[name="project_ids"]')).to_have_count(0)  # no wall of checkboxes
        page.get_by_label("Find a project").fill("choir tuesday")
        page.get_by_role("button", name="Find projects").click()
        halifax_box = page.get_by_label("Open Choir – Halifax Arts · Square Chapel, HX1 1QG · Tuesday 10:00")
        expect(halifax_box).not_to_be_checked()
        expect(page.get_by_text("Dewsbury Arts")).to_have_count(0)
        halifax_box.check()
        page.get_by_label("Sex (optional)").select_option("Female")
        page.get_by_label("Find a project").fill("dewsbury")
        page.get_by_role("button", name="Find projects").click()
        expect(page.get_by_label("Open Choir – Halifax Arts · Square Chapel, HX1 1QG · Tuesday 10:00")).to_be_checked()
        expect(page.get_by_label("Sex (optional)")).to_have_value("Female")
        page.get_by_label("Open Choir – Dewsbury Arts · Town Hall, WF13 1AA · Thursday 10:00").check()
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".flash")).to_contain_text("added")
    finally:
        context.close()
    person = db.exec(select(Participant)).one()
    db.refresh(person)
    assert sorted(link.project_id for link in person.project_links) == sorted([halifax.id, dewsbury.id])


def test_an_amendment_with_a_missing_choice_keeps_the_reason(page, db):
    net = make_network(db)
    pb_notes_case(net)
    net.advance()
    decisions.confirm_decision(db, net.round.id, Rule.MES, by=net.coordinator, confirmed=True)
    db.commit()
    sign_in(page, net.coordinator.email)
    page.goto(f"/rounds/{net.round.id}/decision")
    page.get_by_text("Record an amendment").click()
    page.get_by_label("Application").select_option(str(net.applications["arts"].id))
    reason = "Match funding doubled since the vote."
    page.get_by_label("Why (shown in the record)").fill(reason)
    page.get_by_role("button", name="Record the amendment").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Change: Choose whether to fund it or not.")
    expect(page.get_by_label("Why (shown in the record)")).to_have_value(reason)
    expect(page.get_by_label("Application")).to_have_value(str(net.applications["arts"].id))
    assert not violations(page), [v["id"] for v in violations(page)]
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Fund it although the rule did not")).to_be_focused()
    page.get_by_label("Fund it although the rule did not").check()
    page.get_by_role("button", name="Record the amendment").click()
    expect(page.locator(".flash")).to_contain_text("Amendment recorded")
    expect(page.get_by_text(reason)).to_be_visible()


def test_back_then_save_adds_one_project(page, db):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator, name="Marsden Makers")
    owner = make_user(db, Role.PARTNER, partner_id=partner.id)
    sign_in(page, owner.email)
    page.goto("/projects/new")
    page.get_by_label("Project title").fill("Pottery for Calm")
    page.get_by_label("What happens at the project").fill("Hand-building with clay.")
    page.get_by_label("Pottery", exact=True).check()
    page.get_by_label("Locality").select_option(label="Kirklees")
    page.get_by_label("Venue postcode").fill("HD1 2AB")
    page.get_by_label("Total cost of the project").fill("2,500")
    page.get_by_label("Your own contribution (match funding)").fill("1,000")
    page.get_by_label("Amount asked of Creative Minds").fill("1,500")
    first_token = page.locator('input[name="form_once"]').input_value()
    page.get_by_role("button", name="Save project").click()
    expect(page.locator(".flash")).to_contain_text("saved as a draft")
    page.go_back()
    # The browser reloads the form (a new token) and puts back what was typed.
    assert page.locator('input[name="form_once"]').input_value() != first_token
    expect(page.get_by_label("Project title")).to_have_value("Pottery for Calm")
    page.get_by_role("button", name="Save project").click()
    expect(page.locator(".flash")).to_contain_text("nothing new was added")
    assert db.exec(select(func.count()).select_from(Project)).one() == 1


def test_peer_led_questions_only_for_peer_led_groups(page, db):
    page.goto("/register")
    questions = page.locator("#peer-led-questions")
    expect(questions).to_be_hidden()  # asked only once the group says it is peer-led
    page.get_by_label("Kind of group").select_option("charity")
    expect(questions).to_be_hidden()
    page.get_by_label("Kind of group").select_option("peer_led_group")
    expect(questions).to_be_visible()
    expect(page.get_by_label("The group has a simple constitution")).to_be_enabled()


def test_the_chooser_with_results_passes_axe(page, db, twin_choirs):
    reporter, _ = twin_choirs
    sign_in(page, reporter.email)
    page.goto("/participants/new")
    page.get_by_label("Find a project").fill("choir")
    page.get_by_role("button", name="Find projects").click()
    expect(page.get_by_label("Open Choir – Dewsbury Arts · Town Hall, WF13 1AA · Thursday 10:00")).to_be_visible()
    assert not violations(page), [v["id"] for v in violations(page)]
