"""Round pages: create, view, move phases, vote, watch turnout, compare rules, confirm, minutes."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel import Session

from collectives import amendments, applications, decisions, funds, membership, rounds, voting
from collectives.forms import RoundInput
from collectives.models import (
    AMENDMENT_LABELS,
    APPLICATION_LABELS,
    PHASE_LABELS,
    RULE_LABELS,
    Phase,
    Round,
    AmendmentAction,
    Rule,
)
from creative_minds.accounts.models import User
from creative_minds.auth import coordinator_only, login_required, require_user
from creative_minds.exceptions import Forbidden, Invalid
from creative_minds.forms import form_values, validate
from creative_minds.views import form_with_errors, page, redirect_with_message

RULE_TITLES = {
    "greedy": "Most approvals first",
    "mes_pure": "Equal Shares only",
    "mes": "Equal Shares, then most approvals",
}


def visible_round(db_session: Session, round_id: int, user: User) -> Round:
    round_ = rounds.get_round(db_session, round_id)
    if not rounds.can_see_round(user, round_):
        raise Forbidden("This round belongs to another locality's collective.")
    return round_


def _round_context(db_session: Session, round_: Round, user: User) -> dict[str, Any]:
    ballot = voting.my_ballot(db_session, round_.id, user.id)
    return {
        "round": round_,
        "phase_labels": PHASE_LABELS,
        "rule_labels": RULE_LABELS,
        "application_labels": APPLICATION_LABELS,
        "applications": applications.applications_in(db_session, round_.id),
        "history": rounds.phase_history(db_session, round_.id),
        "blockers": rounds.blockers(db_session, round_) if user.is_coordinator else [],
        "quorum": voting.quorum(db_session, round_),
        "is_member": membership.is_admitted(db_session, user, round_.locality_id),
        "ballot": ballot,
        "approved": ballot.approved_ids if ballot else set(),
        "conflicted": membership.conflicted_partner_ids(db_session, user.id),
        "decision": decisions.get_decision(db_session, round_.id),
        "next_phase": {Phase.OPEN: "Close applications and check eligibility", Phase.ELIGIBILITY: "Open voting",
                       Phase.VOTING: "Close voting", Phase.DECIDED: "Close the round"}.get(Phase(round_.phase)),
    }


class RoundsController(Controller):
    path = "/rounds"
    guards = [login_required]

    @get("/new", name="rounds:new", guards=[coordinator_only], sync_to_thread=True)
    def new_form(self, db_session: NamedDependency[Session]) -> Template:
        return page("collectives/round_new.html", values={"rule": "mes", "quorum_min_voters": 3, "quorum_lived_experience": True},
                    errors={}, **self._choices(db_session))

    @staticmethod
    def _choices(db_session: Session) -> dict[str, Any]:
        return {"shares": funds.share_choices(db_session), "rules": [(k.value, v) for k, v in RULE_LABELS.items()]}

    @post("/new", name="rounds:create", guards=[coordinator_only], sync_to_thread=True)
    def create(self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect:
        values, errors = form_values(data, checkboxes=("quorum_lived_experience",), money=("budget_pence",))
        try:
            round_ = rounds.create_round(db_session, validate(RoundInput, values, errors), by=require_user(request))
        except Invalid as exc:
            return form_with_errors("collectives/round_new.html", exc, values, **self._choices(db_session))
        return redirect_with_message(request, f"/rounds/{round_.id}", f"{round_.name} is open for applications.")

    @get("/{round_id:int}", name="rounds:detail", sync_to_thread=True)
    def detail(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        user = require_user(request)
        round_ = visible_round(db_session, round_id, user)
        return page("collectives/round.html", **_round_context(db_session, round_, user))

    @post("/{round_id:int}/advance", name="rounds:advance", guards=[coordinator_only], sync_to_thread=True)
    def advance(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int], data: URLEncodedBody[dict[str, Any]]) -> Redirect:
        round_ = rounds.get_round(db_session, round_id)
        expected = data.get("expected")
        rounds.advance_phase(
            db_session, round_, by=require_user(request), expected=Phase(expected) if expected in set(Phase) else None,
            note=str(data.get("note") or ""),
        )
        return redirect_with_message(request, f"/rounds/{round_.id}", f"{round_.name} is now at: {PHASE_LABELS[Phase(round_.phase)]}.")

    @post("/{round_id:int}/ballot", name="rounds:ballot", sync_to_thread=True)
    def ballot(self, request: HTMXRequest, db_session: NamedDependency[Session], round_id: FromPath[int], data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect:
        user = require_user(request)
        round_ = visible_round(db_session, round_id, user)
        raw = data.get("approvals") or []
        raw = raw if isinstance(raw, list) else [raw]
        try:
            ids = [int(v) for v in raw]
        except ValueError as exc:
            raise Invalid("Choose applications from the list.", errors={"approvals": "Choose from the list."}) from exc
        try:
            ballot = voting.cast_ballot(db_session, round_, ids, by=user)
        except Invalid as exc:
            context = _round_context(db_session, round_, user)
            context.update(approved=set(ids), errors=exc.errors, error_message=exc.message)
            return page("collectives/round.html", status_code=422, **context)
        count = len(ballot.approvals)
        return redirect_with_message(
            request, f"/rounds/{round_.id}#ballot",
            f"Your ballot is saved: you approve {count} application{'s' if count != 1 else ''}. You can change it until voting closes.",
        )

    @get("/{round_id:int}/turnout", name="rounds:turnout", sync_to_thread=True)
    def turnout(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        round_ = visible_round(db_session, round_id, require_user(request))
        return page("collectives/_turnout.html", round=round_, quorum=voting.quorum(db_session, round_), phase_labels=PHASE_LABELS)

    @get("/{round_id:int}/results", name="rounds:results", sync_to_thread=True)
    def results(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        user = require_user(request)
        round_ = visible_round(db_session, round_id, user)
        show_outcomes = round_.phase in (Phase.DECIDED, Phase.CLOSED)
        return page(
            "collectives/results.html",
            round=round_,
            quorum=voting.quorum(db_session, round_),
            results=decisions.compute_results(db_session, round_) if show_outcomes else None,
            decision=decisions.get_decision(db_session, round_.id),
            rule_titles=RULE_TITLES,
            rule_labels=RULE_LABELS,
            phase_labels=PHASE_LABELS,
        )

    @post("/{round_id:int}/decision", name="rounds:confirm", guards=[coordinator_only], sync_to_thread=True)
    def confirm(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int], data: URLEncodedBody[dict[str, Any]]) -> Redirect:
        raw = str(data.get("rule") or "")
        if raw not in set(Rule):
            raise Invalid("Choose the rule to confirm.", errors={"rule": "Choose one of the two rules."})
        decision = decisions.confirm_decision(db_session, round_id, Rule(raw), by=require_user(request))
        return redirect_with_message(request, f"/rounds/{round_id}/decision", f"Decision confirmed and sealed: {decision.seal[:12]}…")

    @get("/{round_id:int}/decision", name="rounds:decision", sync_to_thread=True)
    def decision(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        user = require_user(request)
        round_ = visible_round(db_session, round_id, user)
        record = decisions.require_decision(db_session, round_.id)
        import json

        return page(
            "collectives/decision.html", round=round_, decision=record, record=json.loads(record.record_json),
            amendments=amendments.amendments_of(db_session, record.id), amendment_labels=AMENDMENT_LABELS,
            history=rounds.phase_history(db_session, round_.id), rule_labels=RULE_LABELS, phase_labels=PHASE_LABELS,
            sealed_ok=decisions.verify_seal(record),
        )

    @post("/{round_id:int}/amendments", name="rounds:amend", guards=[coordinator_only], sync_to_thread=True)
    def amend(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int], data: URLEncodedBody[dict[str, Any]]) -> Redirect:
        raw_action, raw_application = str(data.get("action") or ""), str(data.get("application_id") or "")
        if raw_action not in set(AmendmentAction) or not raw_application.isdigit():
            raise Invalid("Choose an application and whether to fund it or not.", errors={"action": "Choose one."})
        amendments.amend(db_session, round_id, int(raw_application), AmendmentAction(raw_action), str(data.get("reason") or ""),
                         by=require_user(request))
        return redirect_with_message(request, f"/rounds/{round_id}/decision#amendments", "Amendment recorded beside the decision.")

    @get("/{round_id:int}/decision.csv", name="rounds:decision_csv", sync_to_thread=True)
    def decision_csv(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Response:
        round_ = visible_round(db_session, round_id, require_user(request))
        record = decisions.require_decision(db_session, round_.id)
        return Response(
            decisions.decision_csv(record, amendments.amendments_of(db_session, record.id)), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="decision-round-{round_.id}.csv"'},
        )


