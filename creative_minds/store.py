"""Key/value store in the database for sessions and rate limits, shared by every app instance."""

from __future__ import annotations

from datetime import UTC

from advanced_alchemy.extensions.litestar import SQLAlchemySyncConfig
from advanced_alchemy.extensions.litestar.store import SQLAlchemyStore, StoreModelMixin


class StoreItem(StoreModelMixin):
    """One stored value (a login session, a rate-limit counter), namespaced by purpose."""

    __tablename__ = "web_store"


def make_store(config: SQLAlchemySyncConfig, namespace: str) -> SQLAlchemyStore:
    return SQLAlchemyStore(config=config, model=StoreItem, namespace=namespace)


def purge_expired(engine) -> int:
    """Delete expired sign-in sessions and rate-limit counters; returns how many rows went."""
    from datetime import datetime

    from sqlalchemy import delete

    with engine.begin() as connection:
        result = connection.execute(delete(StoreItem).where(StoreItem.expires_at < datetime.now(UTC)))
    return result.rowcount or 0
