"""Signing in and out, sessions, CSRF and rate limits."""

from __future__ import annotations

import re
import uuid
from datetime import UTC

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from creative_minds.accounts.models import Role
from creative_minds.app import create_app
from creative_minds.passwords import verify_password
from tests.utils import PASSWORD, csrf_token, locality_id, login, make_user, post_form


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
        response = post_form(
            client, "/login", {"email": user.email, "password": PASSWORD, "next": "https://evil.example/"}
        )
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


class TestSignInThrottle:
    """Only failures count: per network address, and per account with a growing wait."""

    @pytest.fixture
    def strict(self, settings):
        app = create_app(settings.model_copy(update=dict(login_attempts_per_minute=10, account_free_failures=5)))
        yield app
        app.state.engine.dispose()

    def test_sixty_members_signing_in_from_one_venue_within_a_minute_all_get_in(self, strict, db):
        members = [make_user(db, Role.COLLECTIVE_MEMBER, locality_id=locality_id(db)) for _ in range(60)]
        with TestClient(app=strict, base_url="http://testserver.local") as client:
            for member in members:
                client.cookies.clear()
                login(client, member.email)  # asserts the 303 into the app

    def test_failures_from_one_address_are_stopped_whatever_forwarded_header_is_sent(self, strict, db):
        with TestClient(app=strict, base_url="http://testserver.local") as client:
            codes = [
                post_form(
                    client,
                    "/login",
                    {"email": f"guess{i}@example.org", "password": "nope"},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"},  # not believed: no trusted proxy
                ).status_code
                for i in range(30)
            ]
        assert codes[:10] == [400] * 10
        assert set(codes[10:]) == {429}

    def test_a_trusted_proxy_gives_each_client_its_own_count(self, settings, db):
        app = create_app(settings.model_copy(update=dict(login_attempts_per_minute=3, trusted_proxies="*")))
        try:
            with TestClient(app=app, base_url="http://testserver.local") as client:
                codes = [
                    post_form(
                        client,
                        "/login",
                        {"email": "guess@example.org", "password": "nope"},
                        headers={"X-Forwarded-For": f"203.0.113.{i}"},
                    ).status_code
                    for i in range(6)
                ]
            assert codes == [400] * 6
        finally:
            app.state.engine.dispose()

    def test_an_account_waits_after_five_wrong_passwords_and_cannot_be_told_from_a_typo(self, strict, db, engine):
        from sqlalchemy import update

        from creative_minds.accounts.throttle import SignInFailure, account_key

        user = make_user(db, Role.CHAMPION)
        with TestClient(app=strict, base_url="http://testserver.local") as client:
            wrong = [post_form(client, "/login", {"email": user.email, "password": "nope"}) for _ in range(5)]
            locked = post_form(client, "/login", {"email": user.email, "password": PASSWORD})

            def page_text(response):
                # Form tokens and the per-response CSP nonce differ on every page; nothing else may.
                text = re.sub(r'value="[^"]*"', "", response.text)
                return re.sub(r'(nonce"?[=:]\s*"?)[A-Za-z0-9_-]+', r"\1", text, flags=re.IGNORECASE)

            assert [r.status_code for r in wrong] == [400] * 5
            assert locked.status_code == 400  # the right password, refused while the account waits
            assert page_text(locked) == page_text(wrong[-1])  # word for word what a typo gets
            # The wait doubles: 30 s after five, 60 s after the sixth wrong one.
            with Session(engine) as check:
                row = check.get(SignInFailure, account_key(user.email))
                assert row.failures == 5
                first_wait = row.locked_until - row.window_started_at
            assert 25 <= first_wait.total_seconds() <= 3600
            # When the wait is over, the right password works again and the count starts afresh.
            with engine.begin() as connection:
                connection.execute(update(SignInFailure).values(locked_until=None))
            assert post_form(client, "/login", {"email": user.email, "password": PASSWORD}).status_code == 303
            with Session(engine) as check:
                assert check.get(SignInFailure, account_key(user.email)) is None


class TestPurge:
    def test_expired_sessions_are_purged_and_live_ones_kept(self, client, db, engine):
        from datetime import datetime, timedelta

        from sqlalchemy import func, select, update

        from creative_minds.store import StoreItem, purge_expired

        user = make_user(db, Role.CHAMPION)
        login(client, user.email)
        with engine.begin() as connection:
            connection.execute(
                StoreItem.__table__.insert().values(
                    id=uuid.uuid4(),
                    key="old",
                    namespace="sessions",
                    value=b"{}",
                    expires_at=datetime.now(UTC) - timedelta(days=1),
                )
            )
        assert purge_expired(engine) == 1
        assert client.get("/accounts/me").status_code == 200  # the live session still works
        with engine.begin() as connection:
            connection.execute(update(StoreItem).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        assert purge_expired(engine) >= 1
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(StoreItem)).scalar_one() == 0
