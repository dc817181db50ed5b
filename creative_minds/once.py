"""One-time form tokens: a create form sent twice (Back then Save, a double click, two tabs) adds one thing.

Every create form carries a random token in a hidden field (`form_once`). Sending it claims the token in
the same transaction as the thing it creates; sending the same form again finds the token taken and is
shown what the first send made instead of making a second one. The claim is a row with the token as its
primary key, so two sends at the same moment on several app instances (PostgreSQL) or one file (SQLite)
cannot both win: the second waits for the first to commit, then sees its row. A send that fails (bad
input) is rolled back with its claim, so the form shown again with its messages keeps the same token
and can still be saved once.

Back can also reload the form from the server (with a new token) while the browser puts back what was
typed, so the same person sending the same answers to the same form within an hour is claimed too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col

from creative_minds.timeutil import utcnow

FIELD = "form_once"
KEEP_FOR = timedelta(days=2)  # longer than anyone leaves a form open before pressing Back and Save
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
ALREADY_SAVED = "That form was sent twice; it was saved the first time, so nothing new was added. Here it is."


class FormSubmission(SQLModel, table=True):
    __tablename__ = "form_submission"

    token: str = Field(primary_key=True, max_length=64)
    user_id: int | None = Field(default=None)  # who sent it; a token only ever answers the same person
    result_url: str = Field(default="", max_length=300)  # where the first send's result is shown
    made_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(), index=True)


def new_token() -> str:
    """A fresh token for a form being shown."""
    return secrets.token_urlsafe(24)


def token_from(data: Mapping[str, Any]) -> str | None:
    """The form's token, or None when the form has none (an old page, a script posting directly)."""
    raw = data.get(FIELD)
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    text = str(raw or "").strip()
    return text if _TOKEN_RE.match(text) else None


def claim(session: Session, token: str | None, *, user_id: int | None) -> str | None:
    """Claim the token for this send. Returns None to go ahead, or the address of what the first send made
    (an empty string if it made nothing to show) when this form was sent before."""
    if token is None:
        return None
    # INSERT ... ON CONFLICT DO NOTHING: on PostgreSQL a second send waits for the first one's transaction
    # and inserts nothing if it committed; no savepoint is needed (pysqlite's are unreliable).
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(FormSubmission).values(token=token, user_id=user_id, result_url="", made_at=utcnow())
    inserted = session.execute(
        statement.on_conflict_do_nothing(index_elements=["token"]).returning(col(FormSubmission.token))
    ).first()
    if inserted is not None:
        return None
    earlier = session.execute(
        sa.select(col(FormSubmission.user_id), col(FormSubmission.result_url)).where(FormSubmission.token == token)
    ).first()
    if earlier is None or earlier[0] != user_id:  # someone else's token: never show another person's record
        return ""
    return str(earlier[1])


SAME_ANSWERS_WITHIN = timedelta(hours=1)
_NOT_ANSWERS = {"_csrf_token", "csrf_token", FIELD}


def answers_key(data: Mapping[str, Any], *, user_id: int | None, path: str) -> str:
    """A key for what was sent: the same person sending the same answers to the same form. Back then Save
    can reload the form with a new token while the browser puts back what was typed; this still knows it."""
    items = []
    for name in sorted(k for k in data if k not in _NOT_ANSWERS):
        value = data[name]
        values = value if isinstance(value, list) else [value]
        items.append([name, sorted(" ".join(str(v).split()) for v in values)])
    digest = hashlib.sha256(json.dumps([user_id, path, items], ensure_ascii=False).encode()).digest()
    return "same-" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def claim_answers(session: Session, key: str, *, user_id: int | None) -> str | None:
    """Like `claim`, for an answers_key: the same answers sent within SAME_ANSWERS_WITHIN are the same send;
    later, they are a new one (someone may really mean to add the same thing again next week)."""
    earlier = claim(session, key, user_id=user_id)
    if earlier is None:
        return None
    made_at = session.execute(sa.select(col(FormSubmission.made_at)).where(FormSubmission.token == key)).scalar()
    if made_at is not None and made_at < utcnow() - SAME_ANSWERS_WITHIN:
        session.execute(
            sa.update(FormSubmission)
            .where(FormSubmission.token == key)
            .values(made_at=utcnow(), result_url="", user_id=user_id)
        )
        return None
    return earlier


def done(session: Session, token: str | None, url: str) -> None:
    """Record where the result of this send is shown, for a second send of the same form."""
    if token is None:
        return
    session.execute(sa.update(FormSubmission).where(FormSubmission.token == token).values(result_url=url[:300]))


def purge(session: Session, *, now: datetime | None = None) -> int:
    """Forget tokens older than KEEP_FOR; returns how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    result = session.execute(sa.delete(FormSubmission).where(FormSubmission.made_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
