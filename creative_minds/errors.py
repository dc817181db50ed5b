"""Exception handlers: JSON for the API, friendly pages for people, never a bare 500."""

from __future__ import annotations

import html
import json
import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Scope, Send

from creative_minds.exceptions import DomainError

log = logging.getLogger("creative_minds")

TITLES = {
    400: "Something in the request was not right",
    401: "Please sign in",
    403: "You do not have access to this",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "That cannot be done right now",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Sorry, something went wrong",
}


JSON_PATHS = ("/api/", "/openreferral")  # machine-read APIs answer errors in JSON whatever they accept


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PATHS) or (
        "application/json" in request.headers.get("accept", "") and "text/html" not in request.headers.get("accept", "")
    )


def _respond(request: Request, status: int, message: str, errors: dict[str, Any] | None = None) -> Response:
    if wants_json(request):
        body: dict[str, Any] = {"status_code": status, "detail": message}
        if errors:
            body["errors"] = errors
        return Response(body, status_code=status, media_type=MediaType.JSON)
    return Template(
        template_name="error.html",
        context={
            "status": status,
            "title": TITLES.get(status, "Something went wrong"),
            "message": message,
            "errors": errors,
        },
        status_code=status,
    )


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    return _respond(request, exc.status_code, exc.message, exc.errors or None)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?next={quote(target)}", status_code=303)
    message = exc.detail or TITLES.get(status, "")
    if isinstance(exc, PermissionDeniedException) and message == "Forbidden":
        message = "You do not have access to this."
    if status == 403 and "CSRF" in message:
        message = "This form has expired or was sent from elsewhere. Go back, reload the page and try again."
    errors = _validation_errors(getattr(exc, "extra", None)) if status == 400 else None
    if errors:
        message = "Some values are not valid. See errors for each field."
    if status == 429:
        message = "Too many attempts in a short time. Wait a minute, then try again."
    response = _respond(request, status, message, errors)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _validation_errors(extra: Any) -> dict[str, str] | None:
    """Litestar lists validation problems as [{key, message, source}]; give one message per field."""
    if not isinstance(extra, list):
        return None
    errors: dict[str, str] = {}
    for item in extra:
        if isinstance(item, dict) and item.get("key"):
            errors.setdefault(str(item["key"]), str(item.get("message", "")).removeprefix("Value error, "))
    return errors or None


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "The problem has been logged. Nothing you entered in this last step was saved; please try again.",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_exception_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: internal_error_handler,
}


async def send_error(scope: Scope, send: Send, status: int, message: str) -> None:
    """Answer straight from a middleware, before any handler: JSON for the API, a small page for people."""
    path: str = scope.get("path", "")
    accept = dict(scope.get("headers", [])).get(b"accept", b"").decode("latin-1")
    if path.startswith(("/api/", "/openreferral/")) or ("application/json" in accept and "text/html" not in accept):
        body = json.dumps({"status_code": status, "detail": message}).encode()
        content_type = b"application/json"
    else:
        title = html.escape(TITLES.get(status, "Something went wrong"))
        body = (
            f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title>'
            '<link rel="stylesheet" href="/static/css/app.css"></head><body><main class="wrap">'
            f'<h1>{title}</h1><p>{html.escape(message)}</p><p><a href="/">Go to the home page</a></p></main></body></html>'
        ).encode()
        content_type = b"text/html; charset=utf-8"
    headers: list[Any] = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
