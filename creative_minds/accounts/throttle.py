"""Slowing down password guessing without locking out a whole venue.

Only failed sign-ins count. Per network address: more than CM_LOGIN_ATTEMPTS_PER_MINUTE failures in
a minute are refused for the rest of that minute (so sixty members signing in from one community
centre's network are never stopped by each other). Per account: after CM_ACCOUNT_FREE_FAILURES
failures in a row the account waits 30 seconds before the next attempt is even checked, and the
wait doubles with each further failure (at most 15 minutes). An attempt during the wait is answered
exactly like a wrong password, so nobody can tell a locked account from a mistyped one.

Counters live in the database (every app instance sees them) and are written in their own
transaction, since the failed sign-in's own response rolls its request back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, select

from creative_minds.timeutil import utcnow

FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
ADDRESS_WINDOW = timedelta(minutes=1)


class SignInFailure(SQLModel, table=True):
    __tablename__ = "sign_in_failure"

    key: str = Field(primary_key=True, max_length=300)  # "account:<email>" or "address:<ip>"
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    locked_until: datetime | None = Field(default=None, sa_type=sa.DateTime())


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()[:254]


def address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")[:64]


def address_blocked(session: Session, address: str | None, per_minute: int) -> bool:
    row = session.get(SignInFailure, address_key(address))
    now = utcnow()
    return row is not None and row.window_started_at > now - ADDRESS_WINDOW and row.failures >= per_minute


def account_waiting(session: Session, email: str) -> bool:
    row = session.get(SignInFailure, account_key(email))
    return row is not None and row.locked_until is not None and row.locked_until > utcnow()


def record_failure(
    engine: sa.Engine, email: str, address: str | None, free_failures: int, *, count_account: bool = True
) -> None:
    """Count one failed sign-in against the address (and the account), committed at once."""
    now = utcnow()
    with Session(engine) as session:
        _bump(session, address_key(address), now, window=ADDRESS_WINDOW)
        if not count_account:
            session.commit()
            return
        row = _bump(session, account_key(email), now, window=None)
        extra = row.failures - free_failures
        if extra >= 0:
            wait = min(FIRST_WAIT * (2**extra), LONGEST_WAIT)
            session.execute(
                sa.update(SignInFailure).where(SignInFailure.key == row.key).values(locked_until=now + wait)
            )
        session.commit()


def record_success(engine: sa.Engine, email: str) -> None:
    with Session(engine) as session:
        session.execute(sa.delete(SignInFailure).where(SignInFailure.key == account_key(email)))
        session.commit()


def _bump(session: Session, key: str, now: datetime, *, window: timedelta | None) -> SignInFailure:
    """Add one failure atomically (an upsert, so two instances counting at once both count)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = SignInFailure.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(key=key, failures=1, window_started_at=now)
    if window is None:
        update = {"failures": table.c.failures + 1}
    else:  # a new window starts the count again
        stale = table.c.window_started_at <= now - window
        update = {
            "failures": sa.case((stale, 1), else_=table.c.failures + 1),
            "window_started_at": sa.case((stale, now), else_=table.c.window_started_at),
        }
    session.execute(statement.on_conflict_do_update(index_elements=["key"], set_=update))
    row = session.exec(select(SignInFailure).where(SignInFailure.key == key)).one()
    session.refresh(row)
    return row


RESET_WINDOW = timedelta(hours=1)
RESETS_PER_ACCOUNT = 3  # links per e-mail address an hour; more are quietly not sent


def reset_blocked(session: Session, address: str | None, per_minute: int) -> bool:
    """ "Forgot your password?" is limited like signing in: per network address, per minute."""
    row = session.get(SignInFailure, "reset-" + address_key(address))
    now = utcnow()
    return row is not None and row.window_started_at > now - ADDRESS_WINDOW and row.failures >= per_minute


def count_reset(engine: sa.Engine, email: str, address: str | None) -> bool:
    """Count one request (committed at once, whether or not the e-mail has an account). True when
    a link may go to this address: at most RESETS_PER_ACCOUNT an hour, so nobody floods an inbox."""
    now = utcnow()
    with Session(engine) as session:
        _bump(session, "reset-" + address_key(address), now, window=ADDRESS_WINDOW)
        row = _bump(session, "reset-" + account_key(email), now, window=RESET_WINDOW)
        session.commit()
        return row.failures <= RESETS_PER_ACCOUNT
