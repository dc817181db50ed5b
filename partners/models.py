"""Partner groups and the localities they serve."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.localities  # noqa: F401  (relationship target must be mapped too)
from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import today, utcnow

if TYPE_CHECKING:
    from creative_minds.localities import Locality


class PartnerKind(LabelledEnum):
    CHARITY = "charity", "Registered charity"
    CIC = "cic", "Community interest company (CIC)"
    SPORTS_CLUB = "sports_club", "Sports club"
    FAITH_GROUP = "faith_group", "Faith group"
    PEER_LED_GROUP = "peer_led_group", "Peer-led group"
    COUNCIL_SERVICE = "council_service", "Council service"
    COMMUNITY_GROUP = "community_group", "Community group"
    ARTS_ORGANISATION = "arts_organisation", "Arts organisation"
    SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise"
    NHS_SERVICE = "nhs_service", "NHS service"
    OTHER = "other", "Other"


KIND_LABELS = PartnerKind.labels()


class PartnerStatus(LabelledEnum):
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    ARCHIVED = "archived", "Archived"


STATUS_LABELS = PartnerStatus.labels()


class AgreementStatus(LabelledEnum):
    NONE = "none", "No agreement"
    PENDING = "pending", "Agreement pending"
    SIGNED = "signed", "Signed (preferred supplier)"


AGREEMENT_LABELS = AgreementStatus.labels()


class BankAccountStatus(LabelledEnum):
    NONE = "none", "No community bank account yet"
    APPLIED = "applied", "Applied for a community bank account"
    OPEN = "open", "Community bank account open"


BANK_LABELS = BankAccountStatus.labels()


class PartnerLocality(SQLModel, table=True):
    __tablename__ = "partner_locality"

    partner_id: int = Field(foreign_key="partner.id", primary_key=True, ondelete="CASCADE")
    locality_id: int = Field(foreign_key="locality.id", primary_key=True, index=True)


class Partner(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    kind: str = Field(max_length=32, index=True)
    status: str = Field(default=PartnerStatus.AWAITING_APPROVAL, max_length=32, index=True)
    description: str = Field(default="", sa_type=sa.Text())
    charity_number: str | None = Field(default=None, max_length=16)
    company_number: str | None = Field(default=None, max_length=16)
    contact_name: str = Field(max_length=120)
    contact_email: str = Field(max_length=254)
    contact_phone: str | None = Field(default=None, max_length=40)
    address: str = Field(max_length=300)
    postcode: str = Field(max_length=10)
    website: str | None = Field(default=None, max_length=300)
    agreement_status: str = Field(default=AgreementStatus.NONE, max_length=16)
    agreement_signed_on: date | None = None
    # The date by which the safeguarding policy must next be reviewed.
    safeguarding_review_due_on: date | None = None
    insurance_expires_on: date | None = None
    mh_friendly_accredited: bool = False
    mhfa_trained_staff: int = 0
    # Peer-led groups
    host_partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    has_constitution: bool = False
    bank_account_status: str = Field(default=BankAccountStatus.NONE, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # Moves on with every saved edit; a save from an older version is refused (creative_minds.db.claim_version).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    approved_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    # use_alter: partner and user refer to each other, so this key is added after both tables exist.
    approved_by_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", use_alter=True, name="fk_partner_approved_by_id_user")
        ),
    )
    archived_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    localities: list["Locality"] = Relationship(
        link_model=PartnerLocality, sa_relationship_kwargs={"order_by": "Locality.name"}
    )
    host_partner: Optional["Partner"] = Relationship(sa_relationship_kwargs={"remote_side": "Partner.id"})

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(PartnerKind(self.kind), self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(PartnerStatus(self.status), self.status)

    @property
    def agreement_label(self) -> str:
        return AGREEMENT_LABELS.get(AgreementStatus(self.agreement_status), self.agreement_status)

    @property
    def bank_label(self) -> str:
        return BANK_LABELS.get(BankAccountStatus(self.bank_account_status), self.bank_account_status)

    @property
    def is_preferred_supplier(self) -> bool:
        return self.agreement_status == AgreementStatus.SIGNED

    @property
    def is_peer_led(self) -> bool:
        return self.kind == PartnerKind.PEER_LED_GROUP

    @property
    def insurance_in_date(self) -> bool:
        return self.insurance_expires_on is not None and self.insurance_expires_on >= today()

    @property
    def safeguarding_in_date(self) -> bool:
        return self.safeguarding_review_due_on is not None and self.safeguarding_review_due_on >= today()
