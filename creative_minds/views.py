"""Small helpers every controller uses: render a page, re-show a form with errors, redirect."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from litestar import Request
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from creative_minds.exceptions import Invalid


def page(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template, context=context, status_code=status_code)


def form_with_errors(template: str, exc: Invalid, values: dict[str, Any], **context: Any) -> Template:
    """Show the form again, keeping what was typed, with a message beside each problem (422)."""
    return page(
        template,
        status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        errors=exc.errors or {"__all__": exc.message},
        error_message=exc.message,
        values=values,
        **context,
    )


def redirect_with_message(request: Request, url: str, message: str, category: str = "success") -> Redirect:
    flash(request, message, category=category)
    return Redirect(url, status_code=303)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only follow a 'next' address that stays on this site."""
    if not target:
        return default
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
