"""In a real browser: an imported member opens the link in their invitation, chooses a password (first
with a typo, which is explained), is signed in, and later the used link says so plainly. Also the
members list a coordinator invites them from, and "Forgot your password?" from the sign-in page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from creative_minds.accounts.models import Role, User
from obligations.models import OutboxMessage
from tests.browser.axe import describe, violations
from tests.browser.test_foundation_journey import sign_in, sign_out
from tests.transfers.test_imports import csv_file, run

pytestmark = pytest.mark.browser

LINK = re.compile(r"\{app\}(/accounts/password/[A-Za-z0-9_-]+)")


def _axe_clean(page) -> None:
    found = violations(page)
    assert not found, "axe-core found problems:\n" + describe(found)


def _link_for(db, email: str) -> str:
    db.expire_all()
    message = db.exec(
        select(OutboxMessage).where(OutboxMessage.to_address == email).order_by(OutboxMessage.id.desc())  # type: ignore[union-attr]
    ).first()
    assert message is not None
    found = LINK.search(message.body)
    assert found
    return found.group(1)


def test_an_imported_member_sets_their_password_from_the_invitation_link(page, db):
    run(db, "members", csv_file("Email,Full name,Locality,Constituency,Lived experience",
                                "ann@example.org,Ann Able,Kirklees,,yes"))  # fmt: skip
    coordinator = db.exec(select(User).where(User.role == Role.COORDINATOR)).one()

    sign_in(page, coordinator.email)
    page.goto("/collectives/members")
    expect(page.get_by_role("heading", level=1)).to_have_text("Collective members")
    expect(page.get_by_role("row", name=re.compile("Ann Able"))).to_contain_text("Never signed in, not invited")
    _axe_clean(page)
    page.get_by_role("button", name="Invite them to choose a password").click()
    expect(page.get_by_role("status")).to_contain_text("1 invitation sent: each link works once, for 14 days.")
    expect(page.get_by_role("row", name=re.compile("Ann Able"))).to_contain_text("Invited, not signed in yet")
    sign_out(page)

    link = _link_for(db, "ann@example.org")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    expect(page.locator("main")).to_contain_text("Welcome, Ann Able.")
    _axe_clean(page)
    page.get_by_label("Password", exact=True).fill("a good long password")
    page.get_by_label("Type the password again").fill("a good long passwrd")
    page.get_by_role("button", name="Set my password and sign in").click()
    expect(page.locator("#password_confirm-error")).to_contain_text("The two passwords are different.")
    _axe_clean(page)
    page.get_by_label("Password", exact=True).fill("a good long password")
    page.get_by_label("Type the password again").fill("a good long password")
    page.get_by_role("button", name="Set my password and sign in").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set. Welcome, Ann Able: you are signed in.")

    sign_out(page)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    expect(page.locator("main")).to_contain_text("This link has been used already.")
    _axe_clean(page)
    sign_in(page, "ann@example.org", "a good long password")


def test_forgot_your_password_from_the_sign_in_page(page, db):
    run(db, "members", csv_file("Email,Full name,Locality,Constituency,Lived experience",
                                "bob@example.org,Bob Baker,Wakefield,Carer,no"))  # fmt: skip
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    _axe_clean(page)
    page.get_by_label("Email address").fill("bob@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("If there is an account with that e-mail address")
    _axe_clean(page)
    page.goto(_link_for(db, "bob@example.org"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("Password", exact=True).fill("bobs brand new password")
    page.get_by_label("Type the password again").fill("bobs brand new password")
    page.get_by_role("button", name="Set my password and sign in").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set.")
