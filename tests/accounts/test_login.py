"""Signing in and out, sessions, CSRF and rate limits."""

from __future__ import annotations

import uuid

from litestar.testing import TestClient

from creative_minds.accounts.models import Role
from creative_minds.app import create_app
from creative_minds.auth import verify_password
from tests.utils import PASSWORD, csrf_token, login, make_user, post_form


class TestLogin:
    def test_password_is_stored_as_argon2_hash(self, db):
        user = make_user(db, Role.CHAMPION)
        assert user.password_hash.startswith("$argon2")
        assert PASSWORD not in user.password_hash
        assert verify_password(user.password_hash, PASSWORD)

    def test_sign_in_then_pages_show_the_user(self, client, db):
        user = make_user(db, Role.CHAMPION, full_name="Casey Champion")
        login(client, user.email)
        page = client.get("/")
        assert "Hello, Casey Champion" in page.text

    def test_wrong_password_is_refused_with_a_message(self, client, db):
        user = make_user(db, Role.CHAMPION)
        response = post_form(client, "/login", {"email": user.email, "password": "wrong-password"})
        assert response.status_code == 400
        assert "email address or password is wrong" in response.text
        assert client.get("/accounts/me", follow_redirects=False).status_code == 303

    def test_email_is_case_insensitive(self, client, db):
        user = make_user(db, Role.CHAMPION, email="Mixed.Case@Example.org")
        login(client, user.email.upper())
        assert client.get("/accounts/me").status_code == 200

    def test_pages_need_sign_in_and_come_back_after(self, client, db):
        user = make_user(db, Role.CHAMPION)
        response = client.get("/projects?q=walk", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/projects%3Fq%3Dwalk"
        page = client.get(response.headers["location"])
        assert 'name="next" value="/projects?q=walk"' in page.text
        response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": "/projects?q=walk"})
        assert response.headers["location"] == "/projects?q=walk"

    def test_next_cannot_send_people_to_another_site(self, client, db):
        user = make_user(db, Role.CHAMPION)
        response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": "https://evil.example/"})
        assert response.headers["location"] == "/"

    def test_sign_out_ends_the_session(self, client, db):
        user = make_user(db, Role.CHAMPION)
        login(client, user.email)
        old_cookie = client.cookies.get("session")
        response = post_form(client, "/accounts/logout", {})
        assert response.status_code == 303
        assert client.get("/accounts/me", follow_redirects=False).status_code == 303
        # The old session id no longer works either.
        other = TestClient(app=client.app, base_url="http://testserver.local")
        with other:
            other.cookies.set("session", old_cookie)
            assert other.get("/accounts/me", follow_redirects=False).status_code == 303

    def test_session_id_changes_at_sign_in(self, client, db):
        user = make_user(db, Role.CHAMPION)
        planted = "a" * 32  # a fixed id an attacker might plant in the victim's browser
        client.cookies.set("session", planted, domain="testserver.local")
        response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 303
        new_id = response.cookies.get("session")
        assert new_id and new_id != planted

    def test_inactive_account_cannot_sign_in(self, client, db):
        user = make_user(db, Role.CHAMPION)
        user.is_active = False
        db.add(user)
        db.commit()
        response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 400


class TestSessionsAreShared:
    def test_session_survives_a_restart_and_works_on_another_instance(self, client, db, settings):
        user = make_user(db, Role.CHAMPION, full_name="Shared Session")
        login(client, user.email)
        cookie = client.cookies.get("session")
        second_instance = create_app(settings)  # a new process would build exactly this
        with TestClient(app=second_instance, base_url="http://testserver.local") as other:
            other.cookies.set("session", cookie)
            assert "Shared Session" in other.get("/accounts/me").text
        second_instance.state.engine.dispose()


class TestCsrf:
    def test_form_post_without_token_is_refused(self, client, db):
        user = make_user(db, Role.CHAMPION)
        csrf_token(client)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False)
        assert response.status_code == 403
        assert "form has expired" in response.text

    def test_api_write_without_header_is_refused(self, client, db):
        coordinator = make_user(db)
        login(client, coordinator.email)
        response = client.post("/api/partners", json={})
        assert response.status_code == 403


class TestRateLimit:
    def test_repeated_failed_sign_ins_are_slowed_down(self, settings, db):
        from dataclasses import replace

        limited = create_app(replace(settings, login_attempts_per_minute=3))
        user = make_user(db, Role.CHAMPION)
        with TestClient(app=limited, base_url="http://testserver.local") as client:
            codes = [post_form(client, "/login", {"email": user.email, "password": "nope"}).status_code for _ in range(4)]
            assert codes[:3] == [400, 400, 400]
            assert codes[3] == 429
            blocked = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
            assert blocked.status_code == 429
            assert "Too many attempts" in blocked.text
            # Reading the form is not throttled.
            assert client.get("/login").status_code == 200
        limited.state.engine.dispose()


class TestPurge:
    def test_expired_sessions_are_purged_and_live_ones_kept(self, client, db, engine):
        from datetime import datetime, timedelta, timezone

        from sqlalchemy import func, select, update

        from creative_minds.store import StoreItem, purge_expired

        user = make_user(db, Role.CHAMPION)
        login(client, user.email)
        with engine.begin() as connection:
            connection.execute(StoreItem.__table__.insert().values(
                id=uuid.uuid4(), key="old", namespace="sessions", value=b"{}",
                expires_at=datetime.now(timezone.utc) - timedelta(days=1)))
        assert purge_expired(engine) == 1
        assert client.get("/accounts/me").status_code == 200  # the live session still works
        with engine.begin() as connection:
            connection.execute(update(StoreItem).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        assert purge_expired(engine) >= 1
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(StoreItem)).scalar_one() == 0
