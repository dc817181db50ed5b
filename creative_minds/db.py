"""Database engine, sessions and the metadata Alembic compares against."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel

from creative_minds.settings import Settings


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    connect_args: dict[str, object] = {}
    if settings.database_schema:
        connect_args["options"] = f"-csearch_path={settings.database_schema}"
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_session_maker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, class_=Session, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back on any error."""
    with make_session_maker(engine)() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def all_metadata() -> list[MetaData]:
    """Every table the app owns: the SQLModel tables and the session store's table."""
    import_models()
    from creative_minds.store import StoreItem

    return [SQLModel.metadata, StoreItem.metadata]


def import_models() -> None:
    """Import every feature's models so their tables are registered on SQLModel.metadata."""
    import creative_minds.keys  # noqa: F401
    import creative_minds.localities  # noqa: F401
    import creative_minds.accounts.models  # noqa: F401
    import partners.models  # noqa: F401
    import projects.models  # noqa: F401
    import collectives.models  # noqa: F401
    import stories.models  # noqa: F401
