"""How a request's transaction ends: success commits; errors, marked errors and failed commits save nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin, SQLAlchemySyncConfig
from litestar import Litestar, MediaType, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.testing import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from creative_minds.accounts.models import User
from creative_minds.db import make_session_maker
from creative_minds.transactions import TransactionMiddleware, mark_failed


def _person(session: Session, email: str) -> None:
    session.add(User(email=email, full_name="Test", password_hash="x", role="champion"))
    session.flush()


@post("/ok", sync_to_thread=True, media_type=MediaType.TEXT)
def ok(db_session: NamedDependency[Session]) -> str:
    _person(db_session, "ok@example.org")
    return "saved"


@post("/refused", sync_to_thread=True)
def refused(db_session: NamedDependency[Session]) -> None:
    _person(db_session, "refused@example.org")
    raise HTTPException(status_code=422, detail="no")


@post("/htmx-errors", sync_to_thread=True)
def htmx_errors(db_session: NamedDependency[Session]) -> Response:
    """An htmx fragment showing form errors with 200: what the request flushed must not be kept."""
    _person(db_session, "htmx@example.org")
    return mark_failed(Response("<p>Please check the form</p>", status_code=200, media_type=MediaType.HTML))


@post("/clash", sync_to_thread=True, media_type=MediaType.TEXT)
def clash(db_session: NamedDependency[Session]) -> str:
    """Two rows with the same e-mail: the database refuses at commit, after the handler said yes."""
    db_session.add(User(email="twice@example.org", full_name="A", password_hash="x", role="champion"))
    db_session.add(User(email="twice@example.org", full_name="B", password_hash="x", role="champion"))
    return "looks saved"


@get("/read", sync_to_thread=True, media_type=MediaType.TEXT)
def read(db_session: NamedDependency[Session]) -> str:
    return str(db_session.exec(select(func.count()).select_from(User)).one())


@pytest.fixture
def mini(engine: Engine) -> Iterator[TestClient]:
    config = SQLAlchemySyncConfig(engine_instance=engine, session_maker=make_session_maker(engine), create_all=False)
    app = Litestar(
        route_handlers=[ok, refused, htmx_errors, clash, read],
        plugins=[SQLAlchemyPlugin(config=config)],
        middleware=[DefineMiddleware(TransactionMiddleware, db_config=config)],
    )
    with TestClient(app) as client:
        yield client


def _emails(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(User.email)))


def test_a_successful_response_commits(mini, engine):
    response = mini.post("/ok")
    assert (response.status_code, response.text) == (201, "saved")
    assert _emails(engine) == {"ok@example.org"}


def test_an_error_response_saves_nothing(mini, engine):
    assert mini.post("/refused").status_code == 422
    assert _emails(engine) == set()


def test_a_response_marked_as_failed_saves_nothing_even_with_200(mini, engine):
    response = mini.post("/htmx-errors")
    assert response.status_code == 200
    assert "x-cm-nothing-saved" not in response.headers  # the marker never reaches the browser
    assert _emails(engine) == set()


def test_a_commit_that_fails_becomes_a_clear_409_not_a_success(mini, engine):
    response = mini.post("/clash")
    assert response.status_code == 409
    assert "nothing was saved" in response.text
    assert "looks saved" not in response.text
    assert _emails(engine) == set()


def test_a_read_only_request_needs_no_commit(mini, engine):
    assert mini.get("/read").text == "0"
