"""Database engine, sessions and the metadata Alembic compares against."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy import update as sa_update
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel

from creative_minds.exceptions import Conflict, NotFound
from creative_minds.settings import Settings


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        # hide_parameters: an error in the log never carries what someone typed.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

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
    return create_engine(
        url, connect_args=connect_args, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
    )


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
    import collectives.applications.models
    import collectives.decisions.models
    import collectives.funds.models
    import collectives.involvement.models
    import collectives.membership.models
    import collectives.rounds.models
    import collectives.voting.models  # noqa: F401
    import connections.models
    import connections.summary  # noqa: F401
    import creative_minds.accounts.models
    import creative_minds.accounts.throttle
    import creative_minds.audit.models
    import creative_minds.cache
    import creative_minds.keys
    import creative_minds.localities
    import creative_minds.once  # noqa: F401
    import obligations.models  # noqa: F401
    import partners.models  # noqa: F401
    import projects.models  # noqa: F401
    import stories.participants.models
    import stories.publishing.models
    import stories.scores.models  # noqa: F401
    import transfers.models  # noqa: F401


_Row = TypeVar("_Row")
MAX_ID = 2**31 - 1  # PostgreSQL's integer; a larger id can name no row


def get_or_404(session: Session, model: type[_Row], row_id: int, what: str, *, options: Sequence[Any] = ()) -> _Row:
    """The row with this id, or NotFound saying "There is no <what> number <id>."."""
    row = session.get(model, row_id, options=list(options)) if 0 < row_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"There is no {what} number {row_id}.")
    return row


class StaleEdit(Conflict):
    """Someone else saved the record after this person opened it: nothing of theirs is saved yet."""

    def __init__(self, message: str, current: Any) -> None:
        super().__init__(message)
        self.current = current


def claim_version(session: Session, row: Any, expected: int | None, what: str) -> None:
    """Optimistic locking: move `row` on to its next version if it is still at `expected`.

    The conditional UPDATE takes the row's lock, so of two saves made from the same version only the
    first succeeds; the second (and any save from a stale form) gets StaleEdit. `expected` None (an API
    caller that sent no version) just moves the version on."""
    model = type(row)
    current = row.version if expected is None else expected
    result = session.execute(
        sa_update(model).where(model.id == row.id, model.version == current).values(version=current + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        session.refresh(row)
        raise StaleEdit(
            f"Someone else saved changes to this {what} while you were editing it, so your changes are not saved "
            "yet. Their version is shown below beside what you typed: check, then save again.",
            current=row,
        )
    set_committed_value(row, "version", current + 1)
