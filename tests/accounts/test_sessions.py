"""Server-side sessions are written only when something must be kept (issue 9, issue 17)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, update

from creative_minds.accounts.models import Role
from creative_minds.auth import RENEWED_KEY
from creative_minds.store import StoreItem
from tests.utils import PASSWORD, login, make_user, post_form


def session_rows(engine) -> list[StoreItem]:
    with engine.connect() as connection:
        return list(connection.execute(select(StoreItem).where(StoreItem.namespace == "sessions")))


def count_rows(engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(StoreItem).where(StoreItem.namespace == "sessions")
        return connection.execute(query).scalar_one()


class TestAnonymousVisitors:
    def test_a_thousand_anonymous_requests_leave_no_session_rows_and_no_session_cookie(self, client, engine, db):
        paths = ["/", "/static/css/app.css", "/login", "/activities", "/openreferral/services"]
        for i in range(1000):
            client.cookies.clear()  # each one a new visitor, as a crawler or a style sheet request would be
            response = client.get(paths[i % len(paths)])
            assert response.status_code == 200
            assert "session" not in response.cookies
        assert count_rows(engine) == 0

    def test_csrf_still_works_without_a_session(self, client, db, engine):
        user = make_user(db, Role.CHAMPION)
        client.get("/login")
        assert client.cookies.get("csrftoken")  # CSRF lives in its own cookie, not the session
        forged = client.post("/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False)
        assert forged.status_code == 403
        assert count_rows(engine) == 0
        assert post_form(client, "/login", {"email": user.email, "password": PASSWORD}).status_code == 303
        assert count_rows(engine) == 1


class TestSignedIn:
    def test_sign_in_keeps_one_row_that_pages_do_not_rewrite(self, client, db, engine):
        user = make_user(db, Role.CHAMPION, full_name="Sam Session")
        login(client, user.email)
        client.get("/")  # shows (and so removes) the "signed in" message
        [row] = session_rows(engine)
        for _ in range(5):
            page = client.get("/accounts/me")
            assert "Sam Session" in page.text
            assert "session" not in page.cookies  # nothing changed, so nothing is sent or stored
        [again] = session_rows(engine)
        assert (again.key, again.value, again.expires_at) == (row.key, row.value, row.expires_at)

    def test_an_active_session_is_renewed_about_once_a_day(self, client, db, engine):
        user = make_user(db, Role.CHAMPION)
        login(client, user.email)
        [row] = session_rows(engine)
        stored = json.loads(row.value)
        stored[RENEWED_KEY] -= 2 * 24 * 3600  # as if the last renewal were two days ago
        with engine.begin() as connection:
            connection.execute(
                update(StoreItem)
                .where(StoreItem.key == row.key)
                .values(value=json.dumps(stored).encode(), expires_at=row.expires_at - timedelta(days=2))
            )
        response = client.get("/accounts/me")
        assert response.status_code == 200 and response.cookies.get("session") == row.key
        [renewed] = session_rows(engine)
        assert renewed.expires_at > row.expires_at - timedelta(hours=1)  # two weeks from now again
        assert json.loads(renewed.value)[RENEWED_KEY] > stored[RENEWED_KEY]

    def test_sign_out_deletes_the_row_and_the_cookie(self, client, db, engine):
        user = make_user(db, Role.CHAMPION)
        login(client, user.email)
        assert count_rows(engine) == 1
        response = post_form(client, "/accounts/logout", {})
        assert response.status_code == 303
        assert 'session="null"' in response.headers["set-cookie"] or "session=null" in response.headers["set-cookie"]
        assert count_rows(engine) == 0
        client.get("/")
        assert count_rows(engine) == 0

    def test_a_flash_message_after_sign_in_is_shown_once_then_stored_no_more(self, client, db, engine):
        user = make_user(db, Role.CHAMPION)
        login(client, user.email)  # sign-in stores the user and a flash message
        first = client.get("/")
        second = client.get("/")
        assert first.status_code == second.status_code == 200
        [row] = session_rows(engine)
        assert "_messages" not in json.loads(row.value) or not json.loads(row.value)["_messages"]


class TestFlashMessages:
    def test_a_message_added_to_an_unread_one_is_stored_and_both_are_shown(self, client, db):
        coordinator = make_user(db, full_name="Casey Coordinator")
        login(client, coordinator.email)  # "You are signed in" waits in the session, unread
        response = post_form(
            client,
            "/accounts/new",
            {
                "email": "new.person@example.org",
                "full_name": "New Person",
                "role": "champion",
                "password": "a-long-password-1",
            },
        )
        assert response.status_code == 303, response.text
        page = client.get(response.headers["location"])
        assert "You are signed in" in page.text and "Account created for New Person" in page.text
