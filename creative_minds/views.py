"""Small helpers every controller uses: render a page, re-show a form with errors, redirect."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from litestar import Request
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from creative_minds import once
from creative_minds.db import StaleEdit
from creative_minds.exceptions import Conflict, Invalid
from creative_minds.transactions import mark_failed


def page(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template, context=context, status_code=status_code)


def render(request: Request, template: str, context: dict[str, Any]) -> str:
    """A template rendered to text here (to be kept and reused), with what Litestar's own responses give it."""
    engine = request.app.template_engine
    assert engine is not None
    return engine.get_template(template).render(**context, request=request)


def form_with_errors(
    template: str,
    exc: Invalid,
    values: dict[str, Any],
    *,
    status_code: int = HTTP_422_UNPROCESSABLE_ENTITY,
    **context: Any,
) -> Template:
    """Show the form again, keeping what was typed, with a message beside each problem (422).
    Nothing the request changed is saved (see transactions.py), whatever status an htmx caller uses."""
    return mark_failed(
        page(
            template,
            status_code=status_code,
            errors=exc.errors or {"__all__": exc.message},
            error_message=exc.message,
            values=values,
            **context,
        )
    )


def sent_before(request: Request, session: Any, data: Any, *, fallback: str) -> Redirect | None:
    """Claim this create form's one-time token (see once.py). None: go ahead and create. A redirect: the
    form was sent before (Back then Save, a double click), so show what the first send made instead."""
    user_id = getattr(request.scope.get("user"), "id", None)
    token = once.token_from(data or {})
    earlier = once.claim(session, token, user_id=user_id)
    if earlier is None:
        same = once.answers_key(data or {}, user_id=user_id, path=request.url.path)
        earlier = once.claim_answers(session, same, user_id=user_id)
        if earlier is None:
            return None
        once.done(session, token, earlier)  # this token, sent again, leads to the same place
    return redirect_with_message(request, earlier or fallback, once.ALREADY_SAVED)


def created(request: Request, session: Any, data: Any, url: str, message: str) -> Redirect:
    """After a create form saved its thing: remember where it is shown (for a second send), and go there."""
    user_id = getattr(request.scope.get("user"), "id", None)
    once.done(session, once.token_from(data or {}), url)
    once.done(session, once.answers_key(data or {}, user_id=user_id, path=request.url.path), url)
    return redirect_with_message(request, url, message)


def refused_in_place(exc: Conflict, field: str | None = None) -> Invalid:
    """A change the current state refuses (a round that has closed, a project already funded), as a form
    error: the form comes back with what was typed and this message (status 409), not a bare error page."""
    return Invalid(exc.message, errors={field: exc.message} if field else {})


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


def stale_form(
    template: str, exc: StaleEdit, values: dict[str, Any], saved: dict[str, Any], **context: Any
) -> Template:
    """Show the form again after someone else saved first: what was typed stays, with what is saved
    now beside it where the two differ; the next save is made against the newer version (409)."""
    theirs = {
        key: saved[key]
        for key, typed in values.items()
        if key in saved and key != "version" and _as_text(typed) != _as_text(saved[key])
    }
    response = page(
        template,
        status_code=409,
        errors={},
        error_message=exc.message,
        values={**values, "version": exc.current.version},
        theirs=theirs or {"(no field)": "their save changed nothing you can see here"},
        **context,
    )
    return mark_failed(response)


def _as_text(value: Any) -> str:
    if isinstance(value, (list, tuple, set)):
        return ",".join(sorted(str(v) for v in value))
    if hasattr(value, "value"):
        return str(value.value)
    return "" if value is None else str(value)
