"""Who is signed in: password hashing, the session middleware, and guards for roles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from sqlmodel import Session

from creative_minds.accounts.models import Role, User

if TYPE_CHECKING:
    from sqlalchemy import Engine

SESSION_USER_KEY = "user_id"
ROTATE_STATE_KEY = "cm_rotate_session"
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to check against when the e-mail is unknown, so that timing does not reveal which
# e-mail addresses have accounts.
DUMMY_HASH = _hasher.hash("not a real password")


class RotatingSessionBackend(ServerSideSessionBackend):
    """Server-side sessions that get a fresh id at sign-in, so an old id can never be reused."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        state = connection.scope.setdefault("state", {})
        if state.get(ROTATE_STATE_KEY):
            if "cm_new_session_id" not in state:
                state["cm_new_session_id"] = self.generate_session_id()
            return state["cm_new_session_id"]
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session, message, connection) -> None:  # type: ignore[override]
        state = connection.scope.setdefault("state", {})
        old_id = connection.cookies.get(self.config.key)
        if state.get(ROTATE_STATE_KEY) and old_id and old_id != "null":
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]


def rotate_session(connection: ASGIConnection) -> None:
    connection.scope.setdefault("state", {})[ROTATE_STATE_KEY] = True


def _load_user(engine: "Engine", user_id: int) -> User | None:
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return None
        session.expunge(user)
        return user


class SessionUserMiddleware(AbstractAuthenticationMiddleware):
    """Puts the signed-in user (or None) on every request; guards decide what needs one."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        session = connection.scope.get("session") or {}
        user_id = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
        user = None
        if isinstance(user_id, int):
            engine = connection.app.state.engine
            user = await anyio.to_thread.run_sync(_load_user, engine, user_id)
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


def login_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    require_user(connection)


def roles_required(*roles: Role) -> Any:
    """A guard that lets through only the given roles (coordinators always pass)."""
    allowed = {Role.COORDINATOR, *roles}

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = require_user(connection)
        if user.role not in allowed:
            raise PermissionDeniedException("Your account does not have access to this page.")

    guard.__name__ = "roles_required_" + "_".join(sorted(r.value for r in allowed))
    return guard


coordinator_only = roles_required()
