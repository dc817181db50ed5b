"""Funds and locality shares, rounds and their phases, applications, members, ballots, decisions, ledger."""

from datetime import date, datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

import creative_minds.accounts.models  # noqa: F401  (relationship targets must be mapped too)
import creative_minds.localities  # noqa: F401
import partners.models  # noqa: F401
import projects.models  # noqa: F401
from creative_minds.timeutil import utcnow


class Phase(StrEnum):
    OPEN = "open"
    ELIGIBILITY = "eligibility"
    VOTING = "voting"
    DECIDED = "decided"
    CLOSED = "closed"


PHASE_LABELS = {
    Phase.OPEN: "Open for applications",
    Phase.ELIGIBILITY: "Eligibility check",
    Phase.VOTING: "Voting",
    Phase.DECIDED: "Voting closed: deciding",
    Phase.CLOSED: "Closed",
}
NEXT_PHASE = {Phase.OPEN: Phase.ELIGIBILITY, Phase.ELIGIBILITY: Phase.VOTING, Phase.VOTING: Phase.DECIDED, Phase.DECIDED: Phase.CLOSED}


class Rule(StrEnum):
    GREEDY = "greedy"
    MES = "mes"


RULE_LABELS = {
    Rule.GREEDY: "Most approvals first, until the budget runs out",
    Rule.MES: "Method of Equal Shares (proportional), then most approvals with what is left",
}


class Constituency(StrEnum):
    LIVED_EXPERIENCE = "lived_experience"
    CARER = "carer"
    TRUST_STAFF = "trust_staff"
    COMMUNITY_REP = "community_rep"


CONSTITUENCY_LABELS = {
    Constituency.LIVED_EXPERIENCE: "Person with lived experience",
    Constituency.CARER: "Carer",
    Constituency.TRUST_STAFF: "Trust staff",
    Constituency.COMMUNITY_REP: "Community representative",
}


class MembershipStatus(StrEnum):
    REQUESTED = "requested"
    ADMITTED = "admitted"
    DECLINED = "declined"
    LEFT = "left"


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    WITHDRAWN = "withdrawn"
    FUNDED = "funded"
    NOT_FUNDED = "not_funded"


APPLICATION_LABELS = {
    ApplicationStatus.SUBMITTED: "Submitted, waiting for the eligibility check",
    ApplicationStatus.ELIGIBLE: "Eligible",
    ApplicationStatus.INELIGIBLE: "Not eligible",
    ApplicationStatus.WITHDRAWN: "Withdrawn",
    ApplicationStatus.FUNDED: "Funded",
    ApplicationStatus.NOT_FUNDED: "Not funded",
}


class IneligibleReason(StrEnum):
    NO_AGREEMENT = "no_agreement"
    INSURANCE = "insurance"
    SAFEGUARDING = "safeguarding"
    PARTNER_NOT_APPROVED = "partner_not_approved"
    OUTSIDE_LOCALITY = "outside_locality"
    NOT_MATCH_FUNDED = "not_match_funded"
    DUPLICATE = "duplicate"
    OTHER = "other"


INELIGIBLE_LABELS = {
    IneligibleReason.NO_AGREEMENT: "No partnership agreement signed or pending",
    IneligibleReason.INSURANCE: "Insurance missing or expired",
    IneligibleReason.SAFEGUARDING: "Safeguarding policy review overdue or not recorded",
    IneligibleReason.PARTNER_NOT_APPROVED: "Partner not approved",
    IneligibleReason.OUTSIDE_LOCALITY: "Project is not in this locality",
    IneligibleReason.NOT_MATCH_FUNDED: "No match funding from the partner",
    IneligibleReason.DUPLICATE: "Already funded elsewhere",
    IneligibleReason.OTHER: "Other reason (see note)",
}


class Outcome(StrEnum):
    FUNDED = "funded"
    NOT_FUNDED = "not_funded"
    INELIGIBLE = "ineligible"
    WITHDRAWN = "withdrawn"


class EntryKind(StrEnum):
    COMMITMENT = "commitment"  # money promised to a project (positive)
    ADJUSTMENT = "adjustment"  # a change to a commitment (positive or negative)
    RELEASE = "release"  # a commitment given back (negative)
    PAYMENT = "payment"  # money actually paid out against a commitment (positive)


ENTRY_LABELS = {
    EntryKind.COMMITMENT: "Commitment",
    EntryKind.ADJUSTMENT: "Change to a commitment",
    EntryKind.RELEASE: "Commitment released",
    EntryKind.PAYMENT: "Payment",
}


class Fund(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    total_pence: int
    starts_on: date
    ends_on: date
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    shares: list["FundShare"] = Relationship(back_populates="fund", sa_relationship_kwargs={"order_by": "FundShare.locality_id"})

    __table_args__ = (sa.CheckConstraint("total_pence > 0", name="ck_fund_total_positive"),)


class FundShare(SQLModel, table=True):
    """A locality's share of a fund. Its row is locked while commitments are written."""

    __tablename__ = "fund_share"

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(foreign_key="fund.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    amount_pence: int
    lock_version: int = 0

    fund: Fund = Relationship(back_populates="shares")
    locality: "Locality" = Relationship()

    __table_args__ = (
        sa.UniqueConstraint("fund_id", "locality_id", name="uq_fund_share_fund_locality"),
        sa.CheckConstraint("amount_pence >= 0", name="ck_fund_share_amount_not_negative"),
    )


class Round(SQLModel, table=True):
    __tablename__ = "funding_round"

    id: int | None = Field(default=None, primary_key=True)
    share_id: int = Field(foreign_key="fund_share.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    budget_pence: int
    applications_close_on: date
    voting_closes_on: date | None = None
    phase: str = Field(default=Phase.OPEN, max_length=16, index=True)
    rule: str = Field(default=Rule.MES, max_length=16)
    quorum_min_voters: int = 3
    quorum_lived_experience: bool = True
    # Tie-breaks: lowest cost, then most approvals, then this lot drawn when the round was made.
    lot_seed: int
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    share: FundShare = Relationship()
    locality: "Locality" = Relationship()

    __table_args__ = (
        sa.CheckConstraint("budget_pence > 0", name="ck_round_budget_positive"),
        sa.CheckConstraint("quorum_min_voters >= 1", name="ck_round_quorum_positive"),
    )


class PhaseChange(SQLModel, table=True):
    __tablename__ = "phase_change"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="funding_round.id", index=True)
    from_phase: str | None = Field(default=None, max_length=16)
    to_phase: str = Field(max_length=16)
    by_id: int = Field(foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    note: str = Field(default="", max_length=500)

    by: "User" = Relationship()


class Application(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="funding_round.id", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    amount_pence: int
    match_pence: int
    local_need: str = Field(sa_type=sa.Text())
    status: str = Field(default=ApplicationStatus.SUBMITTED, max_length=16, index=True)
    submitted_by_id: int = Field(foreign_key="user.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    # Eligibility: a fixed list of reasons (comma-separated codes) plus free text.
    ineligible_reasons: str = Field(default="", max_length=300)
    eligibility_note: str = Field(default="", max_length=1000)
    checked_by_id: int | None = Field(default=None, foreign_key="user.id")
    checked_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime())

    round: Round = Relationship()
    project: "Project" = Relationship()
    partner: "Partner" = Relationship()

    __table_args__ = (
        sa.UniqueConstraint("round_id", "project_id", name="uq_application_round_project"),
        sa.CheckConstraint("amount_pence > 0", name="ck_application_amount_positive"),
        sa.CheckConstraint("match_pence >= 0", name="ck_application_match_not_negative"),
    )

    @property
    def reason_codes(self) -> list[str]:
        return [code for code in self.ineligible_reasons.split(",") if code]


class Membership(SQLModel, table=True):
    """A person's place in a locality's collective."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    constituency: str = Field(max_length=32)
    status: str = Field(default=MembershipStatus.REQUESTED, max_length=16, index=True)
    reason: str = Field(default="", max_length=1000)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")

    user: "User" = Relationship(sa_relationship_kwargs={"foreign_keys": "Membership.user_id"})
    locality: "Locality" = Relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "locality_id", name="uq_membership_user_locality"),)


class ConflictOfInterest(SQLModel, table=True):
    __tablename__ = "conflict_of_interest"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    note: str = Field(default="", max_length=500)
    declared_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    partner: "Partner" = Relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "partner_id", name="uq_conflict_user_partner"),)


class BallotApproval(SQLModel, table=True):
    __tablename__ = "ballot_approval"

    ballot_id: int = Field(foreign_key="ballot.id", primary_key=True, ondelete="CASCADE")
    application_id: int = Field(foreign_key="application.id", primary_key=True, index=True)


class Ballot(SQLModel, table=True):
    """One member's approvals in one round (the database allows only one per member per round)."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="funding_round.id", index=True)
    voter_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    approvals: list[BallotApproval] = Relationship(sa_relationship_kwargs={"cascade": "all, delete-orphan"})

    __table_args__ = (sa.UniqueConstraint("round_id", "voter_id", name="uq_ballot_round_voter"),)

    @property
    def approved_ids(self) -> set[int]:
        return {a.application_id for a in self.approvals}


class Decision(SQLModel, table=True):
    """The confirmed outcome of a round: sealed, never changed."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="funding_round.id", unique=True)
    rule: str = Field(max_length=16)
    confirmed_by_id: int = Field(foreign_key="user.id")
    confirmed_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    budget_pence: int
    funded_pence: int
    voters: int
    eligible_voters: int
    record_json: str = Field(sa_type=sa.Text())  # the sealed input, parameters and outcome
    seal: str = Field(max_length=64)  # SHA-256 of record_json

    lines: list["DecisionLine"] = Relationship(sa_relationship_kwargs={"order_by": "DecisionLine.position"})
    confirmed_by: "User" = Relationship()


class DecisionLine(SQLModel, table=True):
    __tablename__ = "decision_line"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    position: int
    outcome: str = Field(max_length=16)
    approvals: int
    conflicted_approvals_removed: int = 0
    amount_pence: int
    explanation: str = Field(max_length=1000)

    application: Application = Relationship()


class AmendmentAction(StrEnum):
    FUND = "fund"
    UNFUND = "unfund"


AMENDMENT_LABELS = {AmendmentAction.FUND: "Funded by amendment", AmendmentAction.UNFUND: "Not funded by amendment"}


class DecisionAmendment(SQLModel, table=True):
    """A departure from the rule's outcome, recorded beside it (the sealed decision never changes)."""

    __tablename__ = "decision_amendment"

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    action: str = Field(max_length=16)
    reason: str = Field(max_length=2000)
    by_id: int = Field(foreign_key="user.id")
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    application: Application = Relationship()
    by: "User" = Relationship()


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    share_id: int = Field(foreign_key="fund_share.id", index=True)
    fund_id: int = Field(foreign_key="fund.id", index=True)
    locality_id: int = Field(foreign_key="locality.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="funding_round.id", index=True)
    application_id: int | None = Field(default=None, foreign_key="application.id", index=True)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id")
    kind: str = Field(max_length=16)
    amount_pence: int  # signed: commitments and payments positive, releases negative
    match_pence: int = 0  # the partner's own money that a commitment unlocks
    note: str = Field(default="", max_length=500)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    application: Optional[Application] = Relationship()
    created_by: "User" = Relationship()
