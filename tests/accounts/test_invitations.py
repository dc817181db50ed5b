"""Invitations and "forgot your password?": a single-use, expiring link (only its hash kept) lets a
person choose a password with the registration rules, and signs them in. Imported members, who have
an account but no password they know, are invited one by one, all at once from the members list, or
from the import's result. "Forgot your password?" answers the same whether or not an e-mail has an
account, and is rate-limited like signing in."""

# ruff: noqa: F811  (the SMTP fixtures are imported from tests/obligations and named as parameters)
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from collectives.membership import service as membership
from collectives.membership.models import Constituency
from creative_minds.accounts import invitations
from creative_minds.accounts.models import AccountToken, Role, User
from creative_minds.app import create_app
from creative_minds.passwords import verify_password
from creative_minds.timeutil import utcnow
from obligations import outbox
from obligations.models import OutboxMessage
from tests.obligations.test_outbox import mail_settings, smtp  # noqa: F401  (fixtures: a real SMTP server)
from tests.transfers.test_imports import csv_file, run
from tests.utils import PASSWORD, csrf_token, locality_id, login, make_user
from transfers import jobs
from transfers.models import ImportMode, JobState

LINK = re.compile(r"\{app\}/accounts/password/([A-Za-z0-9_-]+)")
NEW_PASSWORD = "my own new password"
MEMBERS = [
    "Email,Full name,Locality,Constituency,Lived experience",
    "ann@example.org,Ann Able,Kirklees,,yes",
    "bob@example.org,Bob Baker,Wakefield,Carer,no",
]


def _post(client, url: str, **data: str):
    return client.post(url, data={**data, "_csrf_token": csrf_token(client)}, follow_redirects=False)


def _messages(db, address: str) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.exec(select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)))


def _link_token(message: OutboxMessage) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def _user(db, email: str) -> User:
    db.expire_all()
    return db.exec(select(User).where(User.email == email)).one()


def _signed_in_as(client) -> str | None:
    page = client.get("/accounts/me", follow_redirects=False)
    return page.text if page.status_code == 200 else None


class TestInvitation:
    def test_an_imported_member_is_invited_chooses_a_password_and_is_signed_in_once(self, client, db):
        run(db, "members", csv_file(*MEMBERS))
        coordinator = db.exec(select(User).where(User.role == Role.COORDINATOR)).one()
        ann = _user(db, "ann@example.org")
        assert not verify_password(ann.password_hash, NEW_PASSWORD)
        login(client, coordinator.email)
        response = _post(client, f"/accounts/{ann.id}/invite", next="/collectives/members?status=any")
        assert response.status_code == 303
        assert response.headers["location"] == "/collectives/members?status=any"
        [message] = _messages(db, "ann@example.org")
        assert message.subject == "You are invited to the Creative Minds network manager"
        assert message.topic == "account" and message.state == "pending"
        assert "Hello Ann Able" in message.body and "for 14 days" in message.body
        token = _link_token(message)
        # Only a hash is kept: the token itself is nowhere in the token table.
        [row] = db.exec(select(AccountToken).where(AccountToken.user_id == ann.id)).all()
        assert row.token_hash == invitations.token_hash(token) != token
        assert (row.purpose, row.used_at, row.created_by_id) == ("invite", None, coordinator.id)
        assert timedelta(days=13, hours=23) < row.expires_at - row.created_at <= timedelta(days=14)

        client.cookies.clear()
        form = client.get(f"/accounts/password/{token}")
        assert form.status_code == 200
        assert "Choose your password" in form.text and "Welcome, Ann Able" in form.text
        assert form.headers["cache-control"] == "no-store"
        # The registration rules: at least 10 characters, typed twice the same.
        short = _post(client, f"/accounts/password/{token}", password="short", password_confirm="short")
        assert short.status_code == 422 and "at least 10 characters" in short.text
        typo = _post(client, f"/accounts/password/{token}", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD + "x")
        assert typo.status_code == 422 and "The two passwords are different." in typo.text
        done = _post(client, f"/accounts/password/{token}", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert "ann@example.org" in (_signed_in_as(client) or "")
        ann = _user(db, "ann@example.org")
        assert ann.password_hash.startswith("$argon2id$") and verify_password(ann.password_hash, NEW_PASSWORD)
        assert ann.last_login_at is not None
        # Used once: the same link now says so, on a page, never a 500.
        client.cookies.clear()
        for again in (
            client.get(f"/accounts/password/{token}"),
            _post(
                client, f"/accounts/password/{token}", password="another password", password_confirm="another password"
            ),
        ):
            assert again.status_code == 410
            assert "This link has been used already." in again.text
        assert verify_password(_user(db, "ann@example.org").password_hash, NEW_PASSWORD)
        login(client, "ann@example.org", NEW_PASSWORD)

    def test_expired_superseded_and_unknown_links_get_a_clear_page(self, client, db):
        member = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=locality_id(db))
        coordinator = make_user(db)
        first, _ = invitations.issue(
            db, member, invitations.TokenPurpose.INVITE, valid_for=timedelta(days=1), by=coordinator
        )
        second, row = invitations.issue(db, member, invitations.TokenPurpose.INVITE, valid_for=timedelta(days=1))
        db.commit()
        # A new invitation ends the earlier one.
        assert client.get(f"/accounts/password/{first}").status_code == 410
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.add(row)
        db.commit()
        expired = client.get(f"/accounts/password/{second}")
        assert expired.status_code == 410 and "This link has run out." in expired.text
        posted = _post(client, f"/accounts/password/{second}", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert posted.status_code == 410
        assert verify_password(_user(db, member.email).password_hash, PASSWORD)  # unchanged
        for bad in ("nothing-like-a-token", "x" * 500, "%F0%9F%98%80", "..%2F..%2Fetc"):
            response = client.get(f"/accounts/password/{bad}")
            assert response.status_code in (400, 404, 410), (bad, response.status_code)
            if response.status_code == 410:
                assert "This link does not work." in response.text

    def test_a_link_works_once_even_when_two_sends_checked_it_first(self, db, engine):
        member = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=locality_id(db))
        token, _ = invitations.issue(db, member, invitations.TokenPurpose.RESET, valid_for=timedelta(hours=1))
        db.commit()
        from sqlmodel import Session

        with Session(engine) as one, Session(engine) as two:
            invitations.check(one, token)
            invitations.check(two, token)
            invitations.use(one, token, "first password!")
            one.commit()
            with pytest.raises(invitations.LinkUnusable):
                invitations.use(two, token, "second password")
            two.rollback()
        assert verify_password(_user(db, member.email).password_hash, "first password!")

    def test_invite_everyone_not_yet_invited_from_the_members_list(self, client, db):
        run(db, "members", csv_file(*MEMBERS, "cat@example.org,Cat Cole,Kirklees,Carer,no"))
        coordinator = db.exec(select(User).where(User.role == Role.COORDINATOR)).one()
        bob = _user(db, "bob@example.org")
        bob.last_login_at = utcnow()  # Bob has signed in already
        db.add(bob)
        db.commit()
        invitations.invite(db, [_user(db, "cat@example.org")], by=coordinator, valid_for=timedelta(days=3))
        db.commit()
        login(client, coordinator.email)
        page = client.get("/collectives/members")
        assert "1 member in this list has never signed in and was never invited" in page.text
        response = _post(client, "/collectives/members/invite", status="admitted")
        assert response.status_code == 303
        assert "1 invitation sent" in client.get(response.headers["location"]).text
        assert [len(_messages(db, f"{n}@example.org")) for n in ("ann", "bob", "cat")] == [1, 0, 1]
        # Nobody is left: nothing more goes out.
        response = _post(client, "/collectives/members/invite", status="admitted")
        assert "Everyone in this list has been invited" in client.get(response.headers["location"]).text
        assert [len(_messages(db, f"{n}@example.org")) for n in ("ann", "bob", "cat")] == [1, 0, 1]
        listed = client.get("/collectives/members?access=invited").text
        assert "ann@example.org" in listed and "cat@example.org" in listed and "bob@example.org" not in listed

    def test_invite_the_imported_members_from_the_import_result(self, client, db, engine):
        coordinator = make_user(db)
        elsewhere = make_user(db, Role.COLLECTIVE_MEMBER, email="zed@example.org", locality_id=locality_id(db))
        membership.admit_directly(db, elsewhere, locality_id(db), Constituency.CARER, by=coordinator)
        job = jobs.create_job(db, kind="members", filename="m.csv", content=csv_file(*MEMBERS), by=coordinator)
        db.commit()
        jobs.run_job(engine, job.id, max_bytes=2**20)  # the preview
        db.refresh(job)
        jobs.start_import(db, job, ImportMode.ALL_OR_NOTHING)
        db.commit()
        jobs.run_job(engine, job.id, max_bytes=2**20)
        db.refresh(job)
        assert (job.state, job.preview) == (JobState.DONE, False)
        login(client, coordinator.email)
        assert "Invite imported members not yet invited" in client.get(f"/imports/jobs/{job.id}").text
        response = _post(client, f"/imports/jobs/{job.id}/invite")
        assert response.status_code == 303
        assert "2 invitations sent" in client.get(response.headers["location"]).text
        assert [len(_messages(db, f"{n}@example.org")) for n in ("ann", "bob", "zed")] == [1, 1, 0]
        partners_job = jobs.create_job(db, kind="partners", filename="p.csv", content=b"x", by=coordinator)
        db.commit()
        assert _post(client, f"/imports/jobs/{partners_job.id}/invite").status_code == 422

    def test_the_invitation_arrives_at_a_real_smtp_server_and_its_link_works(
        self, client, db, engine, smtp, mail_settings
    ):
        inbox, _ = smtp
        run(db, "members", csv_file(*MEMBERS[:2]))
        coordinator = db.exec(select(User).where(User.role == Role.COORDINATOR)).one()
        login(client, coordinator.email)
        _post(client, f"/accounts/{_user(db, 'ann@example.org').id}/invite")
        report = outbox.send_due(engine, mail_settings)
        assert (report.claimed, report.sent) == (1, 1)
        [received] = inbox.received
        assert received["To"] == "ann@example.org"
        assert received["Subject"] == "You are invited to the Creative Minds network manager"
        body = received.get_payload(decode=True).decode()
        found = re.search(r"https://cm\.example/accounts/password/([A-Za-z0-9_-]+)\s", body)
        assert found, body
        # Once sent, the outbox keeps the message without its link (coordinators can read the outbox).
        kept = _messages(db, "ann@example.org")[0]
        assert kept.state == "sent" and found.group(1) not in kept.body
        assert "/accounts/password/(link removed once sent)" in kept.body
        client.cookies.clear()
        done = _post(
            client, f"/accounts/password/{found.group(1)}", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD
        )
        assert done.status_code == 303
        assert "ann@example.org" in (_signed_in_as(client) or "")


class TestForgotPassword:
    def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(self, client, db):
        member = make_user(db, Role.COLLECTIVE_MEMBER, email="mo@example.org", locality_id=locality_id(db))
        closed = make_user(db, Role.CHAMPION, email="closed@example.org")
        closed.is_active = False
        db.add(closed)
        db.commit()
        assert 'href="/login/forgot"' in client.get("/login").text
        answers = []
        for email in ("mo@example.org", "nobody@example.org", "closed@example.org", "MO@Example.org "):
            response = _post(client, "/login/forgot", email=email)
            assert response.status_code == 200
            notice = re.search(r'<div class="notice" role="status">(.*?)</div>', response.text, re.S)
            assert notice, response.text
            answers.append(" ".join(re.sub(r"<[^>]+>", "", notice.group(1)).split()))
        assert len(set(answers)) == 1
        assert answers[0].startswith("If there is an account with that e-mail address, we have sent it a link")
        assert "60 minutes" in answers[0]
        # Links went only to the active account (twice: the address was typed twice, in two ways).
        assert len(_messages(db, "mo@example.org")) == 2
        assert _messages(db, "nobody@example.org") == [] and _messages(db, "closed@example.org") == []
        first, latest = (_link_token(m) for m in _messages(db, "mo@example.org"))
        assert client.get(f"/accounts/password/{first}").status_code == 410  # the newer link replaced it
        done = _post(client, f"/accounts/password/{latest}", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD)
        assert done.status_code == 303
        assert _messages(db, "mo@example.org")[0].subject == "Set a new password for Creative Minds"
        client.cookies.clear()
        bad = _post(client, "/login", email=member.email, password=PASSWORD)
        assert bad.status_code == 400  # the old password no longer works
        login(client, member.email, NEW_PASSWORD)

    def test_a_bad_address_is_asked_again(self, client, db):
        response = _post(client, "/login/forgot", email="not an address")
        assert response.status_code == 422
        assert "email" in response.text and "Send me a link" in response.text

    def test_rate_limited_per_address_like_signing_in_and_per_account_quietly(self, settings, db):
        make_user(db, Role.CHAMPION, email="flood@example.org")
        app = create_app(settings.model_copy(update=dict(login_attempts_per_minute=5)))
        try:
            with TestClient(app=app, base_url="http://testserver.local") as client:
                codes = [_post(client, "/login/forgot", email="flood@example.org").status_code for _ in range(8)]
        finally:
            app.state.engine.dispose()
        assert codes == [200] * 5 + [429] * 3
        # The account's own limit: at most three links an hour, whatever the answer says.
        assert len(_messages(db, "flood@example.org")) == invitations_limit()


def invitations_limit() -> int:
    from creative_minds.accounts.throttle import RESETS_PER_ACCOUNT

    return RESETS_PER_ACCOUNT
