"""Pages that only show shared data, kept until that data changes.

The finder, the Open Referral API and the partner list show the same thing to everyone who asks
the same question, until a project, partner, locality or category changes. Every such change (any
app instance, any transaction) writes a new random token to the one-row `data_version` table in
the same transaction; each instance keeps rendered results under (token, question) in its own
memory, bounded by `CM_PAGE_CACHE_MB`. A request reads the token (one primary-key lookup), so a
change made anywhere is seen everywhere at once: nothing stale is ever served, and several
instances need nothing shared but the database.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel import Field, SQLModel

CHANGED = "cm_shared_data_changed"
TOKEN_STATE_KEY = "cm_data_token"  # read with a signed-in request's session (creative_minds/auth.py)
_MISSING = object()
_T = TypeVar("_T")


class DataVersion(SQLModel, table=True):
    """One row: a token that changes whenever data shown on shared pages changes."""

    __tablename__ = "data_version"

    id: int = Field(primary_key=True)
    token: str = Field(max_length=32)


def _watched() -> tuple[type, ...]:
    from connections.models import ActivityIntake
    from creative_minds.localities import Locality
    from partners.models import Partner, PartnerLocality
    from projects.models import Project, ProjectAgeGroup, ProjectCategory, SessionChange

    return (
        Project,
        ProjectCategory,
        ProjectAgeGroup,
        Partner,
        PartnerLocality,
        Locality,
        ActivityIntake,
        SessionChange,
    )


def _watched_tables() -> set[str]:
    return {cls.__tablename__ for cls in _watched()}  # type: ignore[attr-defined]


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: object, _instances: object) -> None:
    watched = _watched()
    if any(isinstance(obj, watched) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in _watched_tables():
        state.session.info[CHANGED] = True


@event.listens_for(Session, "before_commit")
def _new_token(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the commit is about to write, so its changes are noted first
    if session.info.get(CHANGED):
        _bump(session.connection())
        session.info.pop(CHANGED, None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(CHANGED, None)


def _bump(connection: sa.Connection) -> None:
    token = uuid.uuid4().hex
    table = DataVersion.__table__  # type: ignore[attr-defined]
    if connection.execute(sa.update(table).where(table.c.id == 1).values(token=token)).rowcount == 0:
        connection.execute(sa.insert(table).values(id=1, token=token))


_TOKEN_QUERY = sa.select(DataVersion.__table__.c.token).where(DataVersion.__table__.c.id == 1)  # type: ignore[attr-defined]
TOKEN_SUBQUERY = _TOKEN_QUERY.scalar_subquery()  # (read beside the stored session by creative_minds/auth.py)


def data_version(session: Session) -> str | None:
    """The current token, or None when there is none yet (then nothing is kept)."""
    return session.execute(_TOKEN_QUERY).scalar_one_or_none()  # (built once: SQLAlchemy remembers its key)


async def kept(scope: dict[str, Any], cache: PageCache, session: Session, key: tuple, make: Callable[[], _T]) -> _T:
    """For an async handler: the kept answer without a trip to a worker thread when there is one
    (the token came with the session, or is read here); otherwise `make` runs in a worker thread."""
    import anyio

    state = scope.get("state") or {}
    if TOKEN_STATE_KEY in state:
        token = state[TOKEN_STATE_KEY]
    else:
        token = await anyio.to_thread.run_sync(data_version, session)
    if not token:
        return await anyio.to_thread.run_sync(make)
    found = cache.peek((*key, token))
    if found is not _MISSING:
        return found
    return await anyio.to_thread.run_sync(cache.get_or_make, (*key, token), make)


class PageCache:
    """Rendered results in memory, least recently used dropped first, at most `max_bytes` in all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._pending: dict[tuple, threading.Lock] = {}

    def get_or_make(self, key: tuple | None, make: Callable[[], _T]) -> _T:
        """The kept value for `key`, or `make()` (kept for next time). A None key keeps nothing.

        Requests asking the same question at once wait for the first one's answer rather than all
        working it out together."""
        if key is None or self.max_bytes <= 0:
            return make()
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found[0]
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = threading.Lock()
                pending.acquire()
                owner = True
            else:
                owner = False
        if not owner:
            with pending:  # wait for the request already working it out
                pass
            with self._lock:
                found = self._items.get(key)
            return found[0] if found is not None else make()
        try:
            value = make()
            size = _size_of(value)
            if size <= self.max_bytes // 2:  # (a bigger one is not worth keeping)
                with self._lock:
                    self._items[key] = (value, size)
                    self._size += size
                    while self._size > self.max_bytes and self._items:
                        _, (_, dropped) = self._items.popitem(last=False)
                        self._size -= dropped
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.release()

    def book(self, key: tuple) -> dict:
        """The small pieces kept together under `key` (see `add_to_book`), or an empty dict. Read it,
        never change it: a new dict replaces it when pieces are added, so readers are never disturbed."""
        if self.max_bytes <= 0:
            return {}
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return {}
            self._items.move_to_end(key)
            return found[0]

    def add_to_book(self, key: tuple, pieces: dict) -> None:
        """Keep more pieces under `key` (one entry for many small values, such as each activity's
        part of a feed). A book that would take more than half the room is not kept any bigger."""
        if self.max_bytes <= 0 or not pieces:
            return
        added = sum(_size_of(value) + 100 for value in pieces.values())  # (each key and dict slot too)
        with self._lock:
            book, size = self._items.pop(key, None) or ({}, 64)
            if size + added > self.max_bytes // 2:
                if book:
                    self._items[key] = (book, size)
                return
            self._items[key] = ({**book, **pieces}, size + added)
            self._size += added + (64 if not book else 0)
            while self._size > self.max_bytes and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= dropped

    def peek(self, key: tuple) -> Any:
        """The kept value, or a marker object when there is none."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return _MISSING
            self._items.move_to_end(key)
            return found[0]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


def _size_of(value: Any) -> int:
    if isinstance(value, (str, bytes)):
        return len(value) + 64
    if isinstance(value, tuple):
        return sum(_size_of(v) for v in value) + 64
    return sys.getsizeof(value) + 64
