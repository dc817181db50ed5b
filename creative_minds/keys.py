"""The secret key that signs CSRF tokens: from SECRET_KEY, or made once and kept in the database.

Keeping it in the database means every app instance, and every restart, uses the same key.
"""

from __future__ import annotations

import secrets as _secrets

from sqlalchemy import Engine, inspect
from sqlmodel import Field, Session, SQLModel

from creative_minds.settings import Settings


class AppSecret(SQLModel, table=True):
    __tablename__ = "app_secret"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)


class DatabaseNotReady(RuntimeError):
    """The database has no tables yet."""


def ensure_secret_key(engine: Engine, settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    if not inspect(engine).has_table("app_secret"):
        raise DatabaseNotReady("The database is not set up yet. Run: creative-minds db upgrade")
    with Session(engine) as session:
        row = session.get(AppSecret, "csrf")
        if row is None:
            row = AppSecret(name="csrf", value=_secrets.token_hex(32))
            session.add(row)
            try:
                session.commit()
            except Exception:  # noqa: BLE001 - another instance made it first (any driver's error)
                session.rollback()
                row = session.get(AppSecret, "csrf")
        if row is None:  # pragma: no cover - only if the row vanished between two statements
            raise DatabaseNotReady("Could not read the secret key from the database.")
        return row.value
