"""One database transaction per request: committed before the response starts, or rolled back.

This runs inside the session middleware, so the request's own changes are committed before the
sign-in session is written (SQLite allows one writer at a time). A commit that fails turns the
response into a clear error instead of a success page for data that was never saved.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
from advanced_alchemy.extensions.litestar._utils import get_aa_scope_state
from advanced_alchemy.extensions.litestar.plugins.init.config.common import SESSION_SCOPE_KEY
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.exc import IntegrityError, OperationalError

log = logging.getLogger("creative_minds")

CLASH = "Your change clashed with another change made at the same moment, so nothing was saved. Go back and try again."
FAILED = "Your change could not be saved. Nothing was saved; please try again."


class TransactionMiddleware:
    def __init__(self, app: ASGIApp, session_scope_key: str = SESSION_SCOPE_KEY) -> None:
        self.app = app
        self.session_scope_key = session_scope_key  # advanced-alchemy makes it unique per app

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
                session = get_aa_scope_state(scope, self.session_scope_key)
                if session is not None:
                    try:
                        if message["status"] < 400:
                            await anyio.to_thread.run_sync(session.commit)
                        else:
                            await anyio.to_thread.run_sync(session.rollback)
                    except Exception as exc:  # noqa: BLE001 - any failed commit must not look like success
                        log.exception("Commit failed on %s %s", scope.get("method"), scope.get("path"))
                        await anyio.to_thread.run_sync(session.rollback)
                        replaced = True
                        clash = isinstance(exc, (IntegrityError, OperationalError))
                        await _send_error(scope, send, 409 if clash else 500, CLASH if clash else FAILED)
                        return
            await send(message)

        await self.app(scope, receive, send_after_commit)


async def _send_error(scope: Scope, send: Send, status: int, message: str) -> None:
    path: str = scope.get("path", "")
    if path.startswith("/api/"):
        body = json.dumps({"status_code": status, "detail": message}).encode()
        content_type = b"application/json"
    else:
        body = (
            "<!doctype html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Not saved</title>"
            "<link rel=\"stylesheet\" href=\"/static/css/app.css\"></head><body><main class=\"wrap\">"
            f"<h1>Not saved</h1><p>{message}</p><p><a href=\"/\">Go to the home page</a></p></main></body></html>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    headers: list[Any] = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
