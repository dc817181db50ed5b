"""Partner groups and the localities they serve."""

from datetime import date, datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.localities  # noqa: F401  (relationship target must be mapped too)
from creative_minds.timeutil import today, utcnow


class PartnerKind(StrEnum):
    CHARITY = "charity"
    CIC = "cic"
    SPORTS_CLUB = "sports_club"
    FAITH_GROUP = "faith_group"
    PEER_LED_GROUP = "peer_led_group"
    COUNCIL_SERVICE = "council_service"
    COMMUNITY_GROUP = "community_group"
    ARTS_ORGANISATION = "arts_organisation"
    SOCIAL_ENTERPRISE = "social_enterprise"
    NHS_SERVICE = "nhs_service"
    OTHER = "other"


KIND_LABELS = {
    PartnerKind.CHARITY: "Registered charity",
    PartnerKind.CIC: "Community interest company (CIC)",
    PartnerKind.SPORTS_CLUB: "Sports club",
    PartnerKind.FAITH_GROUP: "Faith group",
    PartnerKind.PEER_LED_GROUP: "Peer-led group",
    PartnerKind.COUNCIL_SERVICE: "Council service",
    PartnerKind.COMMUNITY_GROUP: "Community group",
    PartnerKind.ARTS_ORGANISATION: "Arts organisation",
    PartnerKind.SOCIAL_ENTERPRISE: "Social enterprise",
    PartnerKind.NHS_SERVICE: "NHS service",
    PartnerKind.OTHER: "Other",
}


class PartnerStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    ARCHIVED = "archived"


STATUS_LABELS = {
    PartnerStatus.AWAITING_APPROVAL: "Awaiting approval",
    PartnerStatus.APPROVED: "Approved",
    PartnerStatus.ARCHIVED: "Archived",
}


class AgreementStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    SIGNED = "signed"


AGREEMENT_LABELS = {
    AgreementStatus.NONE: "No agreement",
    AgreementStatus.PENDING: "Agreement pending",
    AgreementStatus.SIGNED: "Signed (preferred supplier)",
}


class BankAccountStatus(StrEnum):
    NONE = "none"
    APPLIED = "applied"
    OPEN = "open"


BANK_LABELS = {
    BankAccountStatus.NONE: "No community bank account yet",
    BankAccountStatus.APPLIED: "Applied for a community bank account",
    BankAccountStatus.OPEN: "Community bank account open",
}


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
    approved_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    # use_alter: partner and user refer to each other, so this key is added after both tables exist.
    approved_by_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("user.id", use_alter=True, name="fk_partner_approved_by_id_user")),
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
