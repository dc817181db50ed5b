"""Coordinators add accounts; the command line creates the first coordinator."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import select

from creative_minds.accounts.models import Role, User
from creative_minds.cli import main
from tests.utils import field_error, locality_id, login, make_user, post_form


class TestNewAccountPage:
    def test_coordinator_adds_a_collective_member(self, client, db):
        login(client, make_user(db).email)
        response = post_form(
            client,
            "/accounts/new",
            {
                "full_name": "Morgan Member",
                "email": "morgan@example.org",
                "password": "a-good-long-password",
                "role": "collective_member",
                "locality_id": str(locality_id(db, "wakefield")),
                "constituency": "carer",
            },
        )
        assert response.status_code == 303
        user = db.exec(select(User).where(User.email == "morgan@example.org")).one()
        assert (user.role, user.locality_id) == ("collective_member", locality_id(db, "wakefield"))
        from collectives.membership.service import is_admitted

        assert is_admitted(db, user, locality_id(db, "wakefield"))  # so they can vote in its rounds

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"locality_id": ""}, "locality_id", "belongs to one locality"),
            ({"constituency": ""}, "constituency", "joins the collective as"),
            ({"password": "short"}, "password", "at least 10"),
            ({"email": "not-an-email"}, "email", "Enter an email address"),
            ({"role": "emperor"}, "role", "Choose one of the options"),
            ({"full_name": "<b>" * 50}, "full_name", "120 characters or fewer"),
        ],
    )
    def test_bad_input(self, client, db, changes, field, message):
        login(client, make_user(db).email)
        data = {
            "full_name": "Morgan",
            "email": "morgan@example.org",
            "password": "a-good-long-password",
            "role": "collective_member",
            "locality_id": str(locality_id(db)),
            "constituency": "carer",
        }
        data.update(changes)
        response = post_form(client, "/accounts/new", data)
        assert response.status_code == 422
        assert message in (field_error(response.text, field) or "")
        assert db.exec(select(User).where(User.email == "morgan@example.org")).first() is None

    def test_duplicate_email(self, client, db):
        coordinator = make_user(db)
        login(client, coordinator.email)
        response = post_form(
            client,
            "/accounts/new",
            {
                "full_name": "Copy",
                "email": coordinator.email.upper(),
                "password": "a-good-long-password",
                "role": "champion",
            },
        )
        assert response.status_code == 422
        assert "already an account" in field_error(response.text, "email")

    @pytest.mark.parametrize("role", [Role.PARTNER, Role.CHAMPION, Role.COLLECTIVE_MEMBER, Role.REPORTER])
    def test_only_coordinators_manage_accounts(self, client, db, role):
        extra = {"locality_id": locality_id(db)} if role == Role.COLLECTIVE_MEMBER else {}
        if role == Role.PARTNER:
            from tests.utils import make_partner

            extra = {"partner_id": make_partner(db).id}
        login(client, make_user(db, role, **extra).email)
        assert client.get("/accounts").status_code == 403
        response = post_form(
            client,
            "/accounts/new",
            {
                "full_name": "Sneaky",
                "email": "sneaky@example.org",
                "password": "a-good-long-password",
                "role": "coordinator",
            },
        )
        assert response.status_code == 403
        assert db.exec(select(User).where(User.email == "sneaky@example.org")).first() is None


class TestCommandLine:
    def test_create_user(self, db, settings, monkeypatch):
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
        if settings.database_schema:
            monkeypatch.setenv("DATABASE_SCHEMA", settings.database_schema)
        result = CliRunner().invoke(
            main,
            [
                "create-user",
                "--email",
                "First@Trust.example",
                "--name",
                "First Coordinator",
                "--role",
                "coordinator",
                "--password",
                "a-good-long-password",
            ],
        )
        assert result.exit_code == 0, result.output
        assert db.exec(select(User).where(User.email == "first@trust.example")).one().role == "coordinator"
        again = CliRunner().invoke(
            main,
            [
                "create-user",
                "--email",
                "first@trust.example",
                "--name",
                "Again",
                "--role",
                "coordinator",
                "--password",
                "a-good-long-password",
            ],
        )
        assert again.exit_code == 1 and "already an account" in again.output


class TestCommandLineMembers:
    def test_collective_member_is_admitted(self, db, settings, monkeypatch):
        from collectives.membership.service import is_admitted
        from tests.utils import locality_id as loc

        monkeypatch.setenv("DATABASE_URL", settings.database_url)
        if settings.database_schema:
            monkeypatch.setenv("DATABASE_SCHEMA", settings.database_schema)
        result = CliRunner().invoke(
            main,
            [
                "create-user",
                "--email",
                "mem@example.org",
                "--name",
                "Mem Ber",
                "--role",
                "collective_member",
                "--locality",
                "barnsley",
                "--constituency",
                "lived_experience",
                "--password",
                "a-good-long-password",
            ],
        )
        assert result.exit_code == 0, result.output
        user = db.exec(select(User).where(User.email == "mem@example.org")).one()
        assert is_admitted(db, user, loc(db, "barnsley"))
        missing = CliRunner().invoke(
            main,
            [
                "create-user",
                "--email",
                "mem2@example.org",
                "--name",
                "Mem Two",
                "--role",
                "collective_member",
                "--locality",
                "barnsley",
                "--password",
                "a-good-long-password",
            ],
        )
        assert missing.exit_code != 0 and "constituency" in missing.output
        assert db.exec(select(User).where(User.email == "mem2@example.org")).first() is None
