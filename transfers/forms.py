"""Read shapes of the read-only JSON API for rounds, applications, decisions and the ledger. Money is
in whole pence; times are UTC."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from creative_minds.forms import UtcDatetime


class RoundOut(BaseModel):
    id: int
    name: str
    locality_id: int
    phase: str
    rule: str
    tie_rule: str
    budget_pence: int
    applications_close_on: date
    voting_closes_on: date | None
    outcomes_published_at: UtcDatetime | None


class ApplicationOut(BaseModel):
    id: int
    round_id: int
    project_id: int
    partner_id: int
    amount_pence: int
    match_pence: int
    status: str
    submitted_at: UtcDatetime
    decided_at: UtcDatetime | None


class DecisionLineOut(BaseModel):
    application_id: int
    position: int
    outcome: str
    approvals: int
    amount_pence: int
    explanation: str


class DecisionOut(BaseModel):
    round_id: int
    rule: str
    confirmed_at: UtcDatetime
    budget_pence: int
    funded_pence: int
    voters: int
    eligible_voters: int
    seal: str
    seal_verified: bool
    record: dict[str, Any]
    lines: list[DecisionLineOut]


class LedgerEntryOut(BaseModel):
    id: int
    created_at: UtcDatetime
    kind: str
    fund_id: int
    share_id: int
    locality_id: int
    round_id: int | None
    application_id: int | None
    partner_id: int | None
    project_id: int | None
    amount_pence: int
    match_pence: int
    note: str
