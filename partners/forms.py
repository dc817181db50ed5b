"""What a partner form accepts, checked before anything is saved."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BaseModel, EmailStr, Field, model_validator

from creative_minds.forms import (
    Id,
    OptionalDate,
    OptionalInt,
    OptionalText,
    Phone,
    Postcode,
    Text,
    Website,
    raise_field,
    raise_fields,
)
from creative_minds.timeutil import today
from partners.models import AgreementStatus, BankAccountStatus, PartnerKind

if TYPE_CHECKING:
    from partners.models import Partner

CHARITY_HELP = "Enter a charity number: 6 or 7 digits (England and Wales), SC and 6 digits (Scotland) or NIC and 6 digits (Northern Ireland)."
PEER_LED_ONLY = (
    "This question is only for peer-led groups. Choose 'Peer-led group' as the kind of group, or clear this answer."
)
COMPANY_HELP = "Enter a company number: 8 characters, like 01234567 or SC123456."


def normalise_charity_number(value: str | None) -> str | None:
    if value is None:
        return None
    text = re.sub(r"[\s-]", "", value).upper()
    if re.fullmatch(r"\d{6,7}", text) or re.fullmatch(r"SC0\d{5}", text) or re.fullmatch(r"NIC1\d{5}", text):
        return text
    raise ValueError(CHARITY_HELP)


def normalise_company_number(value: str | None) -> str | None:
    if value is None:
        return None
    text = re.sub(r"\s", "", value).upper()
    if re.fullmatch(r"\d{1,8}", text):
        text = text.zfill(8)
    if re.fullmatch(r"(\d{8}|[A-Z]{2}\d{6})", text):
        return text
    raise ValueError(COMPANY_HELP)


CharityNumber = Annotated[OptionalText, AfterValidator(normalise_charity_number)]
CompanyNumber = Annotated[OptionalText, AfterValidator(normalise_company_number)]


class PartnerDetails(BaseModel):
    """Everything a group says about itself."""

    name: Text = Field(min_length=2, max_length=200)
    kind: PartnerKind
    description: Text = Field(default="", max_length=2000)
    charity_number: CharityNumber = Field(default=None, max_length=16)
    company_number: CompanyNumber = Field(default=None, max_length=16)
    locality_ids: list[Id] = Field(min_length=1)
    contact_name: Text = Field(min_length=1, max_length=120)
    contact_email: EmailStr = Field(max_length=254)
    contact_phone: Phone = Field(default=None, max_length=40)
    address: Text = Field(min_length=1, max_length=300)
    postcode: Postcode
    website: Website = Field(default=None, max_length=300)
    safeguarding_review_due_on: OptionalDate = None
    insurance_expires_on: OptionalDate = None
    mh_friendly_accredited: bool = False
    mhfa_trained_staff: int = Field(default=0, ge=0, le=10_000)
    host_partner_id: OptionalInt = None
    has_constitution: bool = False
    bank_account_status: BankAccountStatus = BankAccountStatus.NONE

    @model_validator(mode="after")
    def _peer_led_fields(self) -> PartnerDetails:
        # Host, constitution and bank account only apply to peer-led groups. An answer given for another
        # kind of group is never dropped without a word: the form comes back asking which is right.
        if self.kind != PartnerKind.PEER_LED_GROUP:
            answered = {
                "host_partner_id": self.host_partner_id is not None,
                "has_constitution": self.has_constitution,
                "bank_account_status": self.bank_account_status != BankAccountStatus.NONE,
            }
            raise_fields({field: PEER_LED_ONLY for field, given in answered.items() if given})
        return self


class PartnerAgreement(BaseModel):
    """The partnership agreement, recorded by a coordinator."""

    agreement_status: AgreementStatus = AgreementStatus.NONE
    agreement_signed_on: OptionalDate = None

    @model_validator(mode="after")
    def _signed_needs_date(self) -> PartnerAgreement:
        if self.agreement_status == AgreementStatus.SIGNED:
            if self.agreement_signed_on is None:
                raise_field("agreement_signed_on", "Enter the date the agreement was signed.")
            elif self.agreement_signed_on > today():
                raise_field("agreement_signed_on", "The signing date cannot be in the future.")
        else:
            self.agreement_signed_on = None
        return self


class PartnerInput(PartnerDetails, PartnerAgreement):
    """A coordinator's full edit (details plus agreement)."""


class AccountInput(BaseModel):
    """The first account of a group that registers itself."""

    full_name: Text = Field(min_length=1, max_length=120)
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=10, max_length=200)
    password_confirm: str = ""

    @model_validator(mode="after")
    def _passwords_match(self) -> AccountInput:
        if self.password != self.password_confirm:
            raise_field("password_confirm", "The two passwords are different.")
        return self


class Registration(PartnerDetails, AccountInput):
    """A community group registering itself and its first user."""


class PartnerOut(BaseModel):
    """A partner as the JSON API shows it."""

    id: int
    name: str
    kind: str
    status: str
    description: str
    charity_number: str | None
    company_number: str | None
    localities: list[str]
    contact_name: str
    contact_email: str
    contact_phone: str | None
    address: str
    postcode: str
    website: str | None
    agreement_status: str
    agreement_signed_on: date | None
    preferred_supplier: bool
    safeguarding_review_due_on: date | None
    insurance_expires_on: date | None
    mh_friendly_accredited: bool
    mhfa_trained_staff: int
    host_partner_id: int | None
    has_constitution: bool
    bank_account_status: str
    version: int

    @classmethod
    def of(cls, partner: Partner) -> PartnerOut:
        data = partner.model_dump()
        data["localities"] = [loc.slug for loc in partner.localities]
        data["preferred_supplier"] = partner.is_preferred_supplier
        return cls.model_validate(data)


class PartnerList(BaseModel):
    total: int
    page: int
    pages: int
    items: list[PartnerOut]
