"""Key/value store in the database for sessions and rate limits, shared by every app instance."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar import SQLAlchemySyncConfig
from advanced_alchemy.extensions.litestar.store import SQLAlchemyStore, StoreModelMixin


class StoreItem(StoreModelMixin):
    """One stored value (a login session, a rate-limit counter), namespaced by purpose."""

    __tablename__ = "web_store"




def make_store(config: SQLAlchemySyncConfig, namespace: str) -> SQLAlchemyStore:
    return SQLAlchemyStore(config=config, model=StoreItem, namespace=namespace)
