"""Who is signed in: the session middleware, and guards for roles."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty
from litestar.utils.dataclass import extract_dataclass_items
from sqlalchemy import bindparam
from sqlmodel import Session, col, or_, select

from creative_minds.accounts.models import Role, User
from creative_minds.cache import TOKEN_STATE_KEY
from creative_minds.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy import Engine

SESSION_USER_KEY = "user_id"
SIGNED_IN_AT_KEY = "signed_in_at"
ROTATE_STATE_KEY = "cm_rotate_session"
LOADED_STATE_KEY = "cm_session_loaded"
SESSION_USER_STATE_KEY = "cm_session_user"
RENEWED_KEY = "renewed"  # when the stored session's expiry was last pushed forward (Unix seconds)


class RotatingSessionBackend(ServerSideSessionBackend):
    """Server-side sessions, written only when there is something to keep.

    - A request whose session is empty (anyone signed out, a style sheet) writes no row and sets
      no cookie; a session that becomes empty (signing out) is deleted and its cookie cleared.
    - A session that did not change is not written again, except about once a day
      (`renew_after`) to push its expiry forward, so an active sign-in lasts `max_age` from its
      last use without a database write on every request.
    - At sign-in the session gets a fresh id, so an old id can never be reused.
    """

    @property
    def renew_after(self) -> int:
        return max(60, int(self.config.max_age) // 14)

    def get_session_id(self, connection: ASGIConnection) -> str:
        state = connection.scope.setdefault("state", {})
        if state.get(ROTATE_STATE_KEY):
            if "cm_new_session_id" not in state:
                state["cm_new_session_id"] = self.generate_session_id()
            return state["cm_new_session_id"]
        return super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        if not session_id or session_id == "null":
            return {}
        app = connection.scope["app"]
        store = self.config.get_store_from_app(app)
        namespace = getattr(store, "namespace", None)
        # The session and its user in one trip to a worker thread and one database connection.
        data, user, token = await anyio.to_thread.run_sync(_load_session, app.state.engine, session_id, namespace)
        if data is None:
            return {}
        state = connection.scope.setdefault("state", {})
        state[SESSION_USER_STATE_KEY] = user
        state[TOKEN_STATE_KEY] = token  # the shared-data token, so kept pages need no other trip
        # A second, separate copy to compare with at the end (flash messages change lists in place).
        state[LOADED_STATE_KEY] = self.deserialize_data(data)
        return self.deserialize_data(data)

    async def store_in_message(self, scope_session, message, connection) -> None:
        state = connection.scope.setdefault("state", {})
        store = self.config.get_store_from_app(connection.scope["app"])
        cookie_id = connection.cookies.get(self.config.key)
        old_id = cookie_id if cookie_id and cookie_id != "null" else None
        loaded = state.get(LOADED_STATE_KEY)
        rotate = bool(state.get(ROTATE_STATE_KEY))
        if scope_session is Empty or not scope_session:
            if old_id:  # signed out, or a cookie for a session that has gone: forget both
                if loaded is not None:
                    await self.delete(old_id, store=store)
                MutableScopeHeaders.from_message(message).add(
                    "Set-Cookie",
                    Cookie(value="null", key=self.config.key, expires=0, **self._cookie_params()).to_header(header=""),
                )
            return  # nothing to keep: no row, no cookie
        now = int(time.time())
        if not rotate and old_id and loaded is not None:
            renewed = loaded.get(RENEWED_KEY)
            unchanged = {k: v for k, v in scope_session.items() if k != RENEWED_KEY} == {
                k: v for k, v in loaded.items() if k != RENEWED_KEY
            }
            if unchanged and isinstance(renewed, int) and now - renewed < self.renew_after:
                return  # the stored row and the browser's cookie are still good
        if rotate and old_id:
            await self.delete(old_id, store=store)
        scope_session[RENEWED_KEY] = now
        session_id = self.get_session_id(connection)
        await self.set(session_id=session_id, data=self.serialize_data(scope_session, connection.scope), store=store)
        MutableScopeHeaders.from_message(message).add(
            "Set-Cookie", Cookie(value=session_id, key=self.config.key, **self._cookie_params()).to_header(header="")
        )

    def _cookie_params(self) -> dict[str, Any]:
        return dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))


class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def rotate_session(connection: ASGIConnection) -> None:
    connection.scope.setdefault("state", {})[ROTATE_STATE_KEY] = True


def sign_in(connection: ASGIConnection, user: User) -> None:
    """Start a fresh session for this user (a new id, so an old one can never be reused)."""
    rotate_session(connection)
    connection.set_session({SESSION_USER_KEY: user.id, SIGNED_IN_AT_KEY: utcnow().isoformat()})


def _load_user(engine: Engine, user_id: int, signed_in_at: str | None) -> User | None:
    with Session(engine) as session:
        return _active_user(session, user_id, signed_in_at)


def _active_user(session: Session, user_id: object, signed_in_at: object) -> User | None:
    if not isinstance(user_id, int):
        return None
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    stamp = signed_in_at if isinstance(signed_in_at, str) else ""
    if user.sessions_valid_after is not None and stamp < user.sessions_valid_after.isoformat():
        return None  # signed out everywhere, or the password changed, after this sign-in
    session.expunge(user)
    return user


@lru_cache(maxsize=1)
def _session_query() -> Any:
    """The stored-session lookup, built once (SQLAlchemy then reuses its compiled form at once)."""
    from creative_minds.cache import TOKEN_SUBQUERY
    from creative_minds.store import StoreItem

    return select(StoreItem.value, TOKEN_SUBQUERY).where(
        StoreItem.key == bindparam("key"),
        StoreItem.namespace == bindparam("namespace"),
        or_(col(StoreItem.expires_at).is_(None), StoreItem.expires_at > bindparam("now")),
    )


def _load_session(
    engine: Engine, session_id: str, namespace: str | None
) -> tuple[bytes | None, User | None, str | None]:
    """A live sign-in session's stored data (from the shared store's table), its active user, and the
    shared-data token (creative_minds/cache.py)."""
    from datetime import UTC, datetime

    # Reads only, each of one row: no transaction is opened (no BEGIN and ROLLBACK round trips on
    # PostgreSQL), and the shared-data token comes in the same statement as the stored session.
    with (
        engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
        Session(bind=connection) as session,
    ):
        row = session.execute(
            _session_query(), {"key": session_id, "namespace": namespace, "now": datetime.now(UTC)}
        ).one_or_none()
        if row is None:
            return None, None, None
        data, token = row
        try:
            stored = msgspec.json.decode(data)
            user_id, signed_in_at = stored.get(SESSION_USER_KEY), stored.get(SIGNED_IN_AT_KEY)
        except (msgspec.DecodeError, AttributeError):
            user_id, signed_in_at = None, None
        return data, _active_user(session, user_id, signed_in_at), token


class SessionUserMiddleware(AbstractAuthenticationMiddleware):
    """Puts the signed-in user (or None) on every request; guards decide what needs one."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        state = connection.scope.get("state") or {}
        if SESSION_USER_STATE_KEY in state:  # loaded with the session
            return AuthenticationResult(user=state[SESSION_USER_STATE_KEY], auth=None)
        session = connection.scope.get("session") or {}
        user_id = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
        user = None
        if isinstance(user_id, int):
            engine = connection.app.state.engine
            signed_in_at = session.get(SIGNED_IN_AT_KEY)
            user = await anyio.to_thread.run_sync(
                _load_user, engine, user_id, signed_in_at if isinstance(signed_in_at, str) else None
            )
        return AuthenticationResult(user=user, auth=None)


def current_user(connection: ASGIConnection) -> User | None:
    user = connection.scope.get("user")
    return user if isinstance(user, User) else None


def require_user(connection: ASGIConnection) -> User:
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("Please sign in to see this page.")
    return user


# Guards -------------------------------------------------------------------------------------


# Guards are coroutines: Litestar would run a plain function in a worker thread on every request.


async def login_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    require_user(connection)


def roles_required(*roles: Role) -> Any:
    """A guard that lets through only the given roles (coordinators always pass)."""
    allowed = {Role.COORDINATOR, *roles}

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = require_user(connection)
        if user.role not in allowed:
            raise PermissionDeniedException("Your account does not have access to this page.")

    guard.__name__ = "roles_required_" + "_".join(sorted(r.value for r in allowed))
    return guard


coordinator_only = roles_required()
