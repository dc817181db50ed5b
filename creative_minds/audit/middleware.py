"""Tell the audit trail where each request comes from (after trusted proxies are resolved)."""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from creative_minds.audit.service import client_address


class ClientAddressMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        token = client_address.set(client[0] if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            client_address.reset(token)
