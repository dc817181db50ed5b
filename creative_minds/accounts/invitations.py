"""Links that let a person set their password: invitations (imported members, who have an account
but no password they know) and "forgot your password".

A link carries a random token (32 bytes); only its SHA-256 hash is kept (AccountToken), so reading
the database gives no usable link. A token works once: using it is one conditional UPDATE
(`used_at IS NULL AND expires_at > now`), so two tabs or two app instances sending the same link at
the same moment set the password once and the other gets "this link was used". Sending a new link of
a kind ends the person's earlier unused ones of that kind; setting a password ends all of them.

creative_minds/once.py (one-time form tokens) was not reused: its tokens are stored as they are (they
are not secrets), never expire, and are claimed by inserting, not by a person's link.

"Forgot your password" never says whether an e-mail has an account (issue 9): the answer is the same
either way, and a link goes out only when there is an active account.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from creative_minds.accounts.models import AccountToken, TokenPurpose, User
from creative_minds.exceptions import DomainError
from creative_minds.passwords import hash_password
from creative_minds.timeutil import utcnow
from obligations.outbox import APP, Mail, queue

ACCOUNT_TOPIC = "account"  # outbox topic of these messages: the person asked for them, no choice applies
LINK_PATH = "/accounts/password/"


class LinkUnusable(DomainError):
    """A link that was used, ran out, or never existed: said plainly, never a 500."""

    status_code = 410


USED = "This link has been used already. If you set your password with it, sign in; otherwise ask for a new link."
EXPIRED = "This link has run out. Ask for a new one: use “Forgot your password?” on the sign-in page."
UNKNOWN = (
    "This link does not work. Check that you copied the whole link from the e-mail, or ask for a new one "
    "with “Forgot your password?” on the sign-in page."
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(
    session: Session,
    user: User,
    purpose: TokenPurpose,
    *,
    valid_for: timedelta,
    by: User | None = None,
    now: datetime | None = None,
) -> tuple[str, AccountToken]:
    """A new link token for this person (its earlier unused ones of the same kind stop working).
    Returns the token itself (to send, never kept) and its row."""
    now = now or utcnow()
    session.execute(
        sa.update(AccountToken)
        .where(
            col(AccountToken.user_id) == user.id,
            col(AccountToken.purpose) == purpose.value,
            col(AccountToken.used_at).is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    row = AccountToken(
        user_id=user.id,
        purpose=purpose.value,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + valid_for,
        created_by_id=by.id if by else None,
    )
    session.add(row)
    session.flush()
    return token, row


def duration(delta: timedelta) -> str:
    days = delta.days
    if days >= 1:
        return f"{days} day{'' if days == 1 else 's'}"
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} minutes"


def invite(session: Session, users: Iterable[User], *, by: User, valid_for: timedelta) -> int:
    """Send each person an invitation to set their password (through the outbox). Returns how many."""
    sent = 0
    for user in users:
        if not user.is_active or not user.email:
            continue
        token, row = issue(session, user, TokenPurpose.INVITE, valid_for=valid_for, by=by)
        sent += queue(
            session,
            [
                Mail(
                    key=f"invite:t{row.id}",
                    topic=ACCOUNT_TOPIC,
                    subject="You are invited to the Creative Minds network manager",
                    body=(
                        f"Hello {user.full_name},\n\n"
                        "You have an account on the Creative Minds network manager. Choose your password "
                        f"here to sign in (the link works once, for {duration(valid_for)}):\n\n"
                        f"{APP}{LINK_PATH}{token}\n\n"
                        "If you did not expect this, you can ignore this message."
                    ),
                    users=[user],
                )
            ],
        )
    return sent


def send_reset(session: Session, email: str, *, valid_for: timedelta) -> None:
    """A "set a new password" link to this e-mail address if it has an active account; nothing otherwise.
    The caller answers the same either way."""
    from creative_minds.accounts.service import get_user_by_email

    user = get_user_by_email(session, email)
    if user is None or not user.is_active:
        return
    token, row = issue(session, user, TokenPurpose.RESET, valid_for=valid_for)
    queue(
        session,
        [
            Mail(
                key=f"reset:t{row.id}",
                topic=ACCOUNT_TOPIC,
                subject="Set a new password for Creative Minds",
                body=(
                    f"Hello {user.full_name},\n\n"
                    "Someone (we hope you) asked to set a new password for your account. Choose it here "
                    f"(the link works once, for {duration(valid_for)}):\n\n"
                    f"{APP}{LINK_PATH}{token}\n\n"
                    "If it was not you, ignore this message: your password stays as it is."
                ),
                users=[user],
            )
        ],
    )


@dataclass(frozen=True)
class Link:
    """What a valid link is for, to show its page."""

    purpose: TokenPurpose
    user: User


def _row(session: Session, token: str) -> AccountToken | None:
    if not token or len(token) > 100:
        return None
    return session.exec(select(AccountToken).where(AccountToken.token_hash == token_hash(token))).first()


def check(session: Session, token: str, *, now: datetime | None = None) -> Link:
    """The link's purpose and person, or LinkUnusable with what went wrong in plain words."""
    now = now or utcnow()
    row = _row(session, token)
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.is_active:
        raise LinkUnusable(UNKNOWN)
    if row.used_at is not None:
        raise LinkUnusable(USED)
    if row.expires_at <= now:
        raise LinkUnusable(EXPIRED)
    return Link(TokenPurpose(row.purpose), user)


def use(session: Session, token: str, password: str, *, now: datetime | None = None) -> User:
    """Set the person's password with the link (once). The caller signs them in."""
    now = now or utcnow()
    link = check(session, token, now=now)
    taken = session.execute(
        sa.update(AccountToken)
        .where(
            col(AccountToken.token_hash) == token_hash(token),
            col(AccountToken.used_at).is_(None),
            col(AccountToken.expires_at) > now,
        )
        .values(used_at=now)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]  # someone used it a moment ago
        raise LinkUnusable(USED)
    user = link.user
    session.execute(  # every other link of this person stops working
        sa.update(AccountToken)
        .where(col(AccountToken.user_id) == user.id, col(AccountToken.used_at).is_(None))
        .values(used_at=now)
    )
    user.password_hash = hash_password(password)
    user.sessions_valid_after = now  # any sign-in made with the old password ends
    user.last_login_at = now
    session.add(user)
    session.flush()
    return user


def invited_on(session: Session, user_ids: Iterable[int]) -> dict[int, datetime]:
    """When each person was last sent an invitation."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(AccountToken.user_id, func.max(AccountToken.created_at))
        .where(AccountToken.purpose == TokenPurpose.INVITE.value, col(AccountToken.user_id).in_(ids))
        .group_by(col(AccountToken.user_id))
    ).all()
    return {user_id: at for user_id, at in rows}


def not_yet_invited(session: Session, users: Iterable[User]) -> list[User]:
    """Those who never signed in and were never invited (active accounts with an e-mail)."""
    users = [u for u in users if u.is_active and u.email and u.last_login_at is None]
    invited = invited_on(session, (u.id for u in users if u.id is not None))
    return [u for u in users if u.id not in invited]
