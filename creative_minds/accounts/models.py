"""User accounts and their roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from creative_minds.labels import LabelledEnum

if TYPE_CHECKING:
    from creative_minds.accounts.permissions import Capabilities
from creative_minds.timeutil import utcnow


class Role(LabelledEnum):
    COORDINATOR = "coordinator", "Coordinator"
    COLLECTIVE_MEMBER = "collective_member", "Collective member"
    PARTNER = "partner", "Partner group"
    CHAMPION = "champion", "Champion"
    REPORTER = "reporter", "Community Reporter"


ROLE_LABELS = Role.labels()


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-case
    full_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32, index=True)
    # A collective member belongs to one locality; champions may have a home locality.
    locality_id: int | None = Field(default=None, foreign_key="locality.id", index=True)
    # A partner user belongs to one partner.
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    is_active: bool = Field(default=True)
    # Sign-ins made before this moment no longer count ("sign out everywhere", a password change).
    sessions_valid_after: datetime | None = Field(default=None, sa_type=sa.DateTime())
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    last_login_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def can(self) -> Capabilities:
        """What this person may do (accounts/permissions.py): what templates ask, not the role."""
        from creative_minds.accounts.permissions import capabilities

        return capabilities(self.role)


class TokenPurpose(LabelledEnum):
    INVITE = "invite", "Invitation to set a password"
    RESET = "reset", "Password reset"


class AccountToken(SQLModel, table=True):
    """A link sent by e-mail that lets one person set their password once (accounts/invitations.py).

    Only a SHA-256 hash of the token is kept: whoever reads the database cannot use a link."""

    __tablename__ = "account_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=16)
    token_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    expires_at: datetime = Field(sa_type=sa.DateTime())
    used_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")

    __table_args__ = (sa.UniqueConstraint("token_hash", name="uq_account_token_token_hash"),)
