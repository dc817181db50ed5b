"""Accounts: create users, check passwords, find people by role."""

from __future__ import annotations

from sqlmodel import Session, func, select

from creative_minds.accounts import throttle
from creative_minds.accounts.forms import PasswordChange
from creative_minds.accounts.models import Role, User
from creative_minds.db import get_or_404
from creative_minds.exceptions import Conflict, DomainError, Forbidden, Invalid
from creative_minds.passwords import hash_password, verify_against_nothing, verify_password
from creative_minds.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def email_taken(session: Session, email: str) -> bool:
    return session.exec(select(func.count()).select_from(User).where(User.email == normalise_email(email))).one() > 0


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same work either way)."""
    user = get_user_by_email(session, email)
    if user is None or not user.is_active:
        verify_against_nothing(password or "")
        return None
    if not verify_password(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    session.add(user)
    return user


class TooManyAttempts(DomainError):
    status_code = 429


def sign_in(
    session: Session, email: str, password: str, *, address: str | None, per_minute: int, free_failures: int
) -> User | None:
    """Check a sign-in, counting failures (throttle.py). None for a wrong password and, answered
    the same way, for an account that must wait after too many wrong ones."""
    engine = session.get_bind()
    if throttle.address_blocked(session, address, per_minute):
        raise TooManyAttempts(
            "Too many failed sign-ins from your network in the last minute. Wait a minute, then try again."
        )
    if throttle.account_waiting(session, email):
        verify_against_nothing(password or "")  # the same work as a real check
        # Counted against the network address only: guesses during the wait do not lengthen it.
        throttle.record_failure(engine, email, address, free_failures, count_account=False)
        return None
    user = authenticate(session, email, password)
    if user is None:
        throttle.record_failure(engine, email, address, free_failures)
        return None
    throttle.record_success(engine, email)
    return user


def create_user(
    session: Session,
    *,
    email: str,
    full_name: str,
    password: str,
    role: Role,
    locality_id: int | None = None,
    partner_id: int | None = None,
) -> User:
    errors: dict[str, str] = {}
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        errors["email"] = "Enter an email address, like name@example.org."
    elif email_taken(session, email):
        errors["email"] = "There is already an account with this email address. Sign in instead."
    if not full_name.strip() or len(full_name) > 120:
        errors["full_name"] = "Enter a name of 120 characters or fewer."
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if role == Role.COLLECTIVE_MEMBER and locality_id is None:
        errors["locality_id"] = "A collective member belongs to one locality: choose it."
    if role == Role.PARTNER and partner_id is None:
        errors["partner_id"] = "A partner user belongs to one partner: choose it."
    if errors:
        raise Invalid("The account could not be created.", errors=errors)
    user = User(
        email=email,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role=role.value,
        locality_id=locality_id,
        partner_id=partner_id if role == Role.PARTNER else None,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    return get_or_404(session, User, user_id, "account")


def list_users(session: Session, *, role: Role | None = None) -> list[User]:
    query = select(User).where(User.is_active == True).order_by(User.full_name)  # noqa: E712
    if role is not None:
        query = query.where(User.role == role.value)
    return list(session.exec(query))


def change_password(session: Session, user: User, data: PasswordChange) -> User:
    """A new password; every other sign-in of this account ends (the caller signs this one in again)."""
    if not verify_password(user.password_hash, data.current_password):
        raise Invalid(
            "Your current password is not right.", errors={"current_password": "This is not your current password."}
        )
    if data.new_password == data.current_password:
        raise Invalid("Choose a new password.", errors={"new_password": "The new password is the same as the old one."})
    user.password_hash = hash_password(data.new_password)
    user.sessions_valid_after = utcnow()
    session.add(user)
    session.flush()
    return user


def sign_out_everywhere(session: Session, user: User) -> User:
    """End every sign-in of this account, on every device, this one included."""
    user.sessions_valid_after = utcnow()
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, user_id: int, active: bool, *, by: User) -> User:
    """A coordinator deactivates an account (it can no longer sign in, and its sign-ins end) or restores it."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators deactivate accounts.")
    user = get_user(session, user_id)
    if user.id == by.id and not active:
        raise Conflict("You cannot deactivate your own account. Ask another coordinator.")
    user.is_active = active
    if not active:
        user.sessions_valid_after = utcnow()
    session.add(user)
    session.flush()
    return user
