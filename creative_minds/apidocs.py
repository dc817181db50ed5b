"""The API explorer at /schema: Swagger UI from the app's own static files (no CDN), under the strict CSP.

Litestar's SwaggerRenderPlugin loads Swagger UI from a CDN by default, so the page was blank on an
intranet. The files are vendored from the `swagger-ui-dist` npm package (see static/vendor/VENDORED.md),
and the page's one start-up script carries the request's CSP nonce instead of needing 'unsafe-inline'.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import SwaggerRenderPlugin

SWAGGER_UI_VERSION = "5.35.0"
_VENDOR = "/static/vendor/swagger-ui"


class LocalSwaggerRenderPlugin(SwaggerRenderPlugin):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            version=SWAGGER_UI_VERSION,
            js_url=f"{_VENDOR}/swagger-ui-bundle.js",
            css_url=f"{_VENDOR}/swagger-ui.css",
            standalone_preset_js_url=f"{_VENDOR}/swagger-ui-standalone-preset.js",
            favicon="<link rel='icon' type='image/svg+xml' href='/static/favicon.svg'>",
            **kwargs,
        )

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        html = super().render(request, openapi_schema)
        nonce = str(request.scope.get("state", {}).get("csp_nonce", ""))
        html = html.replace(b"<script type='text/javascript'>", f"<script nonce='{nonce}'>".encode(), 1)
        return html.replace(b"<html>", b"<html lang='en-GB'>", 1)
