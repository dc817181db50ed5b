"""Read-only JSON API for funding rounds, their applications, sealed decisions and the ledger, with the
same checks as the pages (collectives/rounds/access.py): coordinators see everything, admitted members
their locality's rounds and decisions, partners the rounds they may apply to or applied to and their
own applications, the ledger only coordinators."""

from __future__ import annotations

import json

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlmodel import Session, col, select

from collectives.applications.service import applications_in
from collectives.decisions import service as decisions
from collectives.funds.models import LedgerEntry
from collectives.rounds import access
from collectives.rounds import service as rounds
from collectives.rounds.models import Round
from creative_minds.accounts.models import User
from creative_minds.auth import coordinator_only, login_required, require_user
from creative_minds.forms import parse_id
from transfers.forms import ApplicationOut, DecisionLineOut, DecisionOut, LedgerEntryOut, RoundOut


def _round(db_session: Session, round_id: int, user: User, need: str) -> tuple[Round, access.RoundAccess]:
    round_ = rounds.get_round(db_session, round_id)
    return round_, access.require(access.round_access(db_session, user, round_), need)


def _round_out(round_: Round) -> RoundOut:
    return RoundOut.model_validate(round_.model_dump())


class RoundsApiController(Controller):
    path = "/api"
    guards = [login_required]
    tags = ["rounds"]

    @get("/rounds", name="api:rounds:list", sync_to_thread=True)
    def list_rounds(self, request: Request, db_session: NamedDependency[Session]) -> list[RoundOut]:
        """The funding rounds this person may see (an empty list for someone who may see none)."""
        user = require_user(request)
        found = rounds.list_rounds(db_session)
        return [_round_out(r) for r in found if access.round_access(db_session, user, r).see_round]

    @get("/rounds/{round_id:int}", name="api:rounds:detail", sync_to_thread=True)
    def get_round(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> RoundOut:
        round_, _ = _round(db_session, round_id, require_user(request), "see_round")
        return _round_out(round_)

    @get("/rounds/{round_id:int}/applications", name="api:rounds:applications", sync_to_thread=True)
    def list_applications(
        self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]
    ) -> list[ApplicationOut]:
        """The applications this person sees on the round's page (a partner: only its own)."""
        round_, can = _round(db_session, round_id, require_user(request), "see_round")
        shown = access.shown_applications(can, round_, applications_in(db_session, round_.id))
        return [
            ApplicationOut.model_validate({**a.model_dump(), "status": access.shown_status(can, round_, a)})
            for a in shown
        ]

    @get("/rounds/{round_id:int}/decision", name="api:rounds:decision", sync_to_thread=True)
    def get_decision(
        self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]
    ) -> DecisionOut:
        """The confirmed decision with its sealed record (the SHA-256 of `record` as sealed is `seal`)."""
        round_, _ = _round(db_session, round_id, require_user(request), "deliberate")
        decision = decisions.require_decision(db_session, round_.id)
        return DecisionOut(
            round_id=decision.round_id,
            rule=decision.rule,
            confirmed_at=decision.confirmed_at,
            budget_pence=decision.budget_pence,
            funded_pence=decision.funded_pence,
            voters=decision.voters,
            eligible_voters=decision.eligible_voters,
            seal=decision.seal,
            seal_verified=decisions.verify_seal(decision),
            record=json.loads(decision.record_json),
            lines=[
                DecisionLineOut.model_validate(line.model_dump()) for line in decisions.sorted_lines(decision.lines)
            ],
        )

    @get("/ledger", name="api:ledger", guards=[coordinator_only], sync_to_thread=True)
    def ledger(self, db_session: NamedDependency[Session], locality_id: FromQuery[str] = "") -> list[LedgerEntryOut]:
        """Every ledger entry, oldest first; optionally one locality's (coordinators only)."""
        query = select(LedgerEntry).order_by(col(LedgerEntry.created_at), col(LedgerEntry.id))
        wanted = parse_id(locality_id)
        if wanted is not None:
            query = query.where(LedgerEntry.locality_id == wanted)
        return [LedgerEntryOut.model_validate(e.model_dump()) for e in db_session.exec(query).all()]
