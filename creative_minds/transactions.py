"""How a request's database transaction ends: committed before the response starts, or rolled back.

Handlers share one SQLAlchemy session per request (advanced-alchemy's `db_session` dependency). This
middleware ends its transaction when the response starts, inside the session middleware, so the
request's own changes are committed before the sign-in session is written (SQLite allows one writer
at a time):

- a response below 400 commits; a response of 400 or more rolls everything back;
- a response marked as an error (`mark_failed`, used by `views.form_with_errors`) rolls back whatever
  its status, so an htmx fragment that shows errors with 200 saves nothing either;
- a commit that fails turns the response into a clear 409 (a clash) or 500 page instead of a
  success page for data that was never saved.

Only advanced-alchemy's public `SQLAlchemySyncConfig.provide_session` is used to find the session.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import anyio
from advanced_alchemy.extensions.litestar import SQLAlchemySyncConfig
from litestar.response import Response
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import ORMExecuteState, Session

from creative_minds.errors import send_error

log = logging.getLogger("creative_minds")

CLASH = "Your change clashed with another change made at the same moment, so nothing was saved. Go back and try again."
FAILED = "Your change could not be saved. Nothing was saved; please try again."
FAILED_HEADER = "x-cm-nothing-saved"


_R = TypeVar("_R", bound=Response)
WROTE = "cm_wrote"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:  # an UPDATE or DELETE statement run through the session
        state.session.info[WROTE] = True


def has_writes(session: Session) -> bool:
    """Whether the request changed anything. A read-only request needs no commit and no thread hop:
    closing the session (advanced-alchemy does it as the response starts) ends its transaction."""
    return bool(session.info.get(WROTE) or session.new or session.dirty or session.deleted)


def mark_failed(response: _R) -> _R:
    """Roll back the request's changes even if the response's status is below 400."""
    response.headers[FAILED_HEADER] = "1"
    return response


class TransactionMiddleware:
    def __init__(self, app: ASGIApp, db_config: SQLAlchemySyncConfig) -> None:
        self.app = app
        self.db_config = db_config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_after_commit(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the original body belongs to a response we replaced
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != FAILED_HEADER.encode()]
                failed = len(headers) != len(message.get("headers", [])) or message["status"] >= 400
                message = {**message, "headers": headers}
                if not await self._end(scope, send, commit=not failed):
                    replaced = True
                    return
            await send(message)

        await self.app(scope, receive, send_after_commit)

    async def _end(self, scope: Scope, send: Send, *, commit: bool) -> bool:
        """Commit or roll back; False when a failed commit was answered with an error page instead."""
        session = self.db_config.provide_session(scope["app"].state, scope)  # this request's, or a new one
        if not session.in_transaction() or not has_writes(session):
            return True  # the request never touched the database, or only read from it
        try:
            await anyio.to_thread.run_sync(session.commit if commit else session.rollback)
            session.info.pop(WROTE, None)
        except Exception as exc:  # any failed commit must not look like success
            log.exception("Commit failed on %s %s", scope.get("method"), scope.get("path"))
            await anyio.to_thread.run_sync(session.rollback)
            clash = isinstance(exc, (IntegrityError, OperationalError))
            await send_error(scope, send, 409 if clash else 500, CLASH if clash else FAILED)
            return False
        return True


SESSION_END_EVENTS = {"http.response.start", "http.disconnect"}


def closing_handler(db_config: SQLAlchemySyncConfig) -> Any:
    """The plugin's end-of-request hook: close the request's session as the response starts.

    advanced-alchemy's own hook does the same as a plain function, which Litestar runs in a worker
    thread for every message sent (two trips per request). Closing only hands the connection back to
    the pool (its transaction was ended above), so it is done here, with no trip.
    """

    async def close_session(message: Message, scope: Scope) -> None:
        if message["type"] in SESSION_END_EVENTS and scope.get("type") == "http":
            db_config.provide_session(scope["app"].state, scope).close()

    return close_session
