"""Changing a password, signing out everywhere, and coordinators deactivating accounts."""

from __future__ import annotations

from litestar.testing import TestClient

from creative_minds.accounts.models import Role
from tests.utils import PASSWORD, login, make_user, post_form

NEW = "a-brand-new-password-2027"


def _signed_in(client) -> bool:
    return client.get("/accounts/me", follow_redirects=False).status_code == 200


def test_changing_the_password_signs_out_every_other_device(app, client, db):
    user = make_user(db, Role.CHAMPION)
    with TestClient(app=app, base_url="http://testserver.local") as phone:
        login(client, user.email)
        login(phone, user.email)
        wrong = post_form(
            client,
            "/accounts/me/password",
            {"current_password": "nope", "new_password": NEW, "new_password_confirm": NEW},
        )
        assert wrong.status_code == 422 and "not your current password" in wrong.text
        changed = post_form(
            client,
            "/accounts/me/password",
            {"current_password": PASSWORD, "new_password": NEW, "new_password_confirm": NEW},
        )
        assert changed.status_code == 303
        assert _signed_in(client)  # this device stays signed in
        assert not _signed_in(phone)  # the other one is signed out
    client.cookies.clear()
    login(client, user.email, NEW)
    refused = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert refused.status_code == 400


def test_sign_out_everywhere_ends_every_session(app, client, db):
    user = make_user(db, Role.CHAMPION)
    with TestClient(app=app, base_url="http://testserver.local") as laptop:
        login(client, user.email)
        login(laptop, user.email)
        assert post_form(client, "/accounts/sign-out-everywhere", {}).status_code == 303
        assert not _signed_in(client) and not _signed_in(laptop)
    login(client, user.email)  # signing in again afterwards works
    assert _signed_in(client)


def test_a_coordinator_deactivates_an_account_and_its_sessions_end(app, client, db):
    coordinator = make_user(db)
    user = make_user(db, Role.REPORTER)
    with TestClient(app=app, base_url="http://testserver.local") as theirs:
        login(theirs, user.email)
        login(client, coordinator.email)
        assert post_form(client, f"/accounts/{user.id}/deactivate", {}).status_code == 303
        assert not _signed_in(theirs)
        assert post_form(theirs, "/login", {"email": user.email, "password": PASSWORD}).status_code == 400
        assert post_form(client, f"/accounts/{coordinator.id}/deactivate", {}).status_code == 409  # not yourself
        assert post_form(client, f"/accounts/{user.id}/activate", {}).status_code == 303
    client.cookies.clear()
    login(client, user.email)


def test_only_coordinators_deactivate(client, db):
    user = make_user(db, Role.REPORTER)
    other = make_user(db, Role.CHAMPION)
    login(client, user.email)
    assert post_form(client, f"/accounts/{other.id}/deactivate", {}).status_code == 403
