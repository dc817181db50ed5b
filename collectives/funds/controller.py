"""Funds and the ledger, for coordinators."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from collectives.applications.models import Application, ApplicationStatus
from collectives.funds import ledger
from collectives.funds import service as funds
from collectives.funds.forms import FundInput, LedgerInput
from collectives.funds.models import ENTRY_LABELS, LedgerEntry
from collectives.rounds.models import Round
from creative_minds.auth import coordinator_only, require_user
from creative_minds.exceptions import Conflict, Invalid
from creative_minds.forms import form_values, validate
from creative_minds.localities import list_localities
from creative_minds.money import MoneyError, parse_pounds
from creative_minds.views import created, form_with_errors, page, redirect_with_message, sent_before
from obligations.models import OverrideAction
from obligations.service import go_on_despite


def _ledger_context(db_session: Session) -> dict[str, Any]:
    all_funds = funds.list_funds(db_session)
    localities = list_localities(db_session)
    rounds_ = list(db_session.exec(select(Round).options(selectinload(Round.locality)).order_by(Round.id)))
    entries = list(
        db_session.exec(
            select(LedgerEntry)
            .options(
                selectinload(LedgerEntry.application).selectinload(Application.project),
                selectinload(LedgerEntry.application).selectinload(Application.partner),
                selectinload(LedgerEntry.created_by),
            )
            .order_by(col(LedgerEntry.created_at).desc(), col(LedgerEntry.id).desc())
            .limit(200)
        )
    )
    funded = list(
        db_session.exec(
            select(Application)
            .where(Application.status == ApplicationStatus.FUNDED)
            .options(selectinload(Application.project), selectinload(Application.partner))
            .order_by(Application.id)
        )
    )
    by_partner: dict[int, Any] = {}
    partner_names: dict[int, str] = {}
    for application in funded:
        partner_names[application.partner_id] = application.partner.name
    for partner_id in sorted(partner_names, key=lambda pid: partner_names[pid].lower()):
        by_partner[partner_id] = ledger.totals(db_session, partner_id=partner_id)
    return {
        "funds": [(f, funds.fund_totals(db_session, f), funds.shares_with_totals(db_session, f)) for f in all_funds],
        "localities": [(loc, ledger.totals(db_session, locality_id=loc.id)) for loc in localities],
        "rounds": [(r, ledger.totals(db_session, round_id=r.id)) for r in rounds_],
        "partners": [(partner_names[pid], t) for pid, t in by_partner.items()],
        "entries": entries,
        "entry_labels": ENTRY_LABELS,
        "funded": [(a.id, f"{a.project.title} ({a.partner.name})") for a in funded],
    }


class FundsController(Controller):
    path = "/funds"
    guards = [coordinator_only]

    @get("/", name="funds:list", sync_to_thread=True)
    def list_funds(self, db_session: NamedDependency[Session]) -> Template:
        return page("collectives/ledger.html", **_ledger_context(db_session), values={}, errors={})

    @get("/new", name="funds:new", sync_to_thread=True)
    def new_form(self, db_session: NamedDependency[Session]) -> Template:
        return page("collectives/fund_new.html", values={}, errors={}, localities=list_localities(db_session))

    @post("/new", name="funds:create", sync_to_thread=True)
    def create(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        if (again := sent_before(request, db_session, data, fallback="/funds")) is not None:
            return again
        localities = list_localities(db_session)
        values, errors = form_values(data, FundInput)
        shares: dict[int, int] = {}
        for loc in localities:
            raw = values.get(f"share_{loc.id}", "")
            try:
                shares[loc.id] = parse_pounds(raw, allow_blank=True) or 0  # type: ignore[index]
            except MoneyError as exc:
                errors[f"share_{loc.id}_pence"] = str(exc)
        values["shares"] = shares
        try:
            fund = funds.create_fund(db_session, validate(FundInput, values, errors), by=require_user(request))
        except Invalid as exc:
            return form_with_errors("collectives/fund_new.html", exc, values, localities=localities)
        return created(request, db_session, data, "/funds", f"{fund.name} recorded and split between the localities.")

    @post("/ledger", name="funds:ledger_entry", sync_to_thread=True)
    def ledger_entry(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        kind = str(data.get("kind") or "")
        values, errors = form_values(data, LedgerInput)
        user = require_user(request)
        try:
            if kind not in ("payment", "increase", "decrease"):  # in place, keeping the amount and note typed
                raise Invalid(
                    "Choose what happened: a payment, or a commitment going up or down.",
                    errors={"kind": "Choose what happened.", **errors},
                )
            entry_data = validate(LedgerInput, values, errors)
            if kind == "payment":
                application = db_session.get(Application, entry_data.application_id)
                if application is not None:
                    go_on_despite(
                        db_session,
                        application.partner,
                        action=OverrideAction.RECORD_PAYMENT,
                        reason=str(values.get("override_reason") or ""),
                        by=user,
                        application_id=application.id,
                    )
                ledger.record_payment(
                    db_session, entry_data.application_id, entry_data.amount_pence, entry_data.note, by=user
                )
            else:
                sign = 1 if kind == "increase" else -1
                ledger.change_commitment(
                    db_session, entry_data.application_id, sign * entry_data.amount_pence, entry_data.note, by=user
                )
        except Invalid as exc:
            context = _ledger_context(db_session)
            return form_with_errors("collectives/ledger.html", exc, {**values, "kind": kind}, **context)
        except Conflict as exc:  # refused by the money rules: the same form, what was typed kept, 409
            refused = Invalid(exc.message, errors={"amount_pence": exc.message})
            context = _ledger_context(db_session)
            return form_with_errors(
                "collectives/ledger.html", refused, {**values, "kind": kind}, status_code=409, **context
            )
        return redirect_with_message(request, "/funds#entries", "Ledger entry recorded.")
