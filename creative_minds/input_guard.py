"""Refuse text no database can keep before any handler sees it.

PostgreSQL cannot store the NUL character in text, and a request carrying one (in the path, the query
string, a form or JSON) would otherwise fail deep inside a query. It gets a clear 400 instead,
whatever the route. Query strings that are not valid UTF-8 are refused the same way. Uploaded files
(multipart) are left alone: a spreadsheet is binary.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from creative_minds.errors import send_error

NUL_MESSAGE = "Text cannot contain a NUL character (\\0). Remove it and try again."
ENCODING_MESSAGE = "The address has characters that are not valid UTF-8 text."
CHECKED_BODIES = (b"application/x-www-form-urlencoded", b"application/json")


def _has_nul_or_bad_utf8(raw: bytes) -> str | None:
    decoded = unquote_to_bytes(raw.replace(b"+", b" "))
    if b"\x00" in decoded:
        return NUL_MESSAGE
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return ENCODING_MESSAGE
    return None


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _has_nul_or_bad_utf8(scope.get("raw_path") or scope["path"].encode()) or _has_nul_or_bad_utf8(
            scope.get("query_string", b"")
        )
        if problem:
            await send_error(scope, send, 400, problem)
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope.get("method") not in ("POST", "PUT", "PATCH") or content_type not in CHECKED_BODIES:
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        if content_type == b"application/json":
            problem = NUL_MESSAGE if (b"\x00" in body or b"\\u0000" in body.lower()) else None
        else:
            problem = _has_nul_or_bad_utf8(body)
            problem = problem if problem == NUL_MESSAGE else None  # a form's own encoding errors are the form's
        if problem:
            await send_error(scope, send, 400, problem)
            return
        await self.app(scope, _replay(messages, receive), send)


async def _read_body(receive: Receive) -> tuple[bytes, list[ReceiveMessage]]:
    messages: list[ReceiveMessage] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks), messages


def _replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> ReceiveMessage:
        return pending.pop(0) if pending else await receive()

    return replay
