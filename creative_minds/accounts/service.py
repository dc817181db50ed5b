"""Accounts: create users, check passwords, find people by role."""

from __future__ import annotations

from sqlmodel import Session, func, select

from creative_minds.accounts.models import Role, User
from creative_minds.auth import DUMMY_HASH, hash_password, verify_password
from creative_minds.exceptions import Invalid, NotFound
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
        verify_password(DUMMY_HASH, password or "")
        return None
    if not verify_password(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    session.add(user)
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
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no account number {user_id}.")
    return user


def list_users(session: Session, *, role: Role | None = None) -> list[User]:
    query = select(User).where(User.is_active == True).order_by(User.full_name)  # noqa: E712
    if role is not None:
        query = query.where(User.role == role.value)
    return list(session.exec(query))
