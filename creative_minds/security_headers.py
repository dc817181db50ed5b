"""Security headers on every response, whatever produced it (a page, a file, an error from a middleware).

The Content-Security-Policy allows scripts only from the app itself, plus inline scripts that carry
this response's nonce (the map's marker data); styles from the app (inline styles are allowed: the map
library positions its tiles with them); images from the app, data: URLs and the map tile server.
Nothing may frame the app, forms post only to it, and plugins are off.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from creative_minds.settings import Settings


def tile_origin(tile_url: str) -> str:
    parts = urlsplit(tile_url.replace("{s}", "a"))
    return (
        f"{parts.scheme}://{parts.netloc.replace('a.', '*.', 1) if '{s}' in tile_url else parts.netloc}"
        if parts.netloc
        else ""
    )


class SecurityHeaders:
    """A nonce for each request (set by `NonceMiddleware`, read by templates as
    request.scope.state.csp_nonce) and the headers, added by an app-level before-send hook so
    that even a 404 for an unknown address or a 405 carries them."""

    def __init__(self, settings: Settings) -> None:
        self.images = " ".join(filter(None, ["'self'", "data:", tile_origin(settings.tile_url)]))
        self.hsts = settings.secure_cookies  # HTTPS in front: tell browsers to keep to it

    def policy(self, nonce: str, path: str) -> str:
        scripts = f"'self' 'nonce-{nonce}'"  # the API explorer's start-up script carries the nonce too
        return "; ".join(
            [
                "default-src 'self'",
                f"script-src {scripts}",
                "style-src 'self' 'unsafe-inline'",
                f"img-src {self.images}",
                "connect-src 'self'",
                "font-src 'self'",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
                "frame-ancestors 'none'",
            ]
        )

    async def before_send(self, message: Message, scope: Scope) -> None:
        if scope["type"] != "http" or message["type"] != "http.response.start":
            return
        state = scope.setdefault("state", {})
        nonce = state.get("csp_nonce") or secrets.token_urlsafe(16)
        headers = list(message.get("headers", []))
        present = {name.lower() for name, _ in headers}
        extra = [
            (b"content-security-policy", self.policy(nonce, scope.get("path", "")).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"x-frame-options", b"DENY"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if self.hsts:
            extra.append((b"strict-transport-security", b"max-age=31536000"))
        headers.extend((name, value) for name, value in extra if name not in present)
        message["headers"] = headers


class NonceMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["csp_nonce"] = secrets.token_urlsafe(16)
        await self.app(scope, receive, send)
