"""Round pages: create, view, move phases, vote, watch turnout, compare rules, confirm, minutes."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel import Session

from collectives.applications import service as applications
from collectives.applications.models import APPLICATION_LABELS
from collectives.decisions import amendments
from collectives.decisions import service as decisions
from collectives.decisions.forms import GrantTerms
from collectives.decisions.models import AMENDMENT_LABELS, AmendmentAction
from collectives.funds import service as funds
from collectives.membership import service as membership
from collectives.membership.models import CONSTITUENCY_LABELS
from collectives.rounds import access
from collectives.rounds import service as rounds
from collectives.rounds.access import RoundAccess
from collectives.rounds.forms import RoundInput
from collectives.rounds.models import PHASE_LABELS, RULE_LABELS, TIE_RULE_LABELS, Phase, Round, Rule, TieRule
from collectives.voting import service as voting
from connections.funnel import track_records
from creative_minds.accounts.models import Role, User
from creative_minds.auth import coordinator_only, login_required, require_user
from creative_minds.exceptions import Conflict, Forbidden, Invalid, NotFound
from creative_minds.forms import form_values, parse_id, validate
from creative_minds.views import created, form_with_errors, page, redirect_with_message, sent_before

RULE_TITLES = {
    "greedy": "Most approvals first",
    "mes_pure": "Equal Shares only",
    "mes": "Equal Shares, then most approvals",
}


def visible_round(db_session: Session, round_id: int, user: User, need: str = "see_round") -> tuple[Round, RoundAccess]:
    """The round and what this person may do with it; 403 unless they may `need` (access.py)."""
    round_ = rounds.get_round(db_session, round_id)
    can = access.round_access(db_session, user, round_)
    if (
        not getattr(can, need)
        and not user.is_coordinator
        and user.role != Role.PARTNER
        and not membership.is_admitted(db_session, user, round_.locality_id)
    ):
        # Not (yet) a member of this collective: say why in their terms (a request still waiting, say).
        raise Forbidden(
            membership.not_admitted_message(db_session, user, round_.locality_id, doing="see and vote in its rounds")
        )
    return round_, access.require(can, need)


def _round_context(
    db_session: Session, round_: Round, user: User, can: RoundAccess, *, small_number: int
) -> dict[str, Any]:
    ballot = voting.my_ballot(db_session, round_.id, user.id) if can.deliberate else None
    decision = decisions.get_decision(db_session, round_.id)
    shown = access.shown_applications(can, round_, applications.applications_in(db_session, round_.id))
    sealed_receipts = json.loads(decision.record_json).get("receipts") if decision and can.deliberate else None
    return {
        "round": round_,
        "phase_labels": PHASE_LABELS,
        "rule_labels": RULE_LABELS,
        "tie_rule_labels": TIE_RULE_LABELS,
        "application_labels": access.STATUS_LABELS,
        "status_of": lambda application: access.shown_status(can, round_, application),
        # A member voting sees the applications in their own random order (no position bias).
        "applications": voting.ballot_order(round_.id, user.id, shown) if can.vote else shown,
        "shuffled": can.vote,
        "access": can,
        "history": rounds.phase_history(db_session, round_.id),
        "blockers": rounds.blockers(db_session, round_) if user.is_coordinator else [],
        "quorum": voting.quorum(db_session, round_),
        "quorum_rule": voting.quorum_rule(round_),
        "make_up": membership.describe_make_up(membership.make_up(db_session, round_.locality_id))
        if can.deliberate
        else None,
        "can_vote": can.vote,
        "is_member": membership.is_admitted(db_session, user, round_.locality_id),
        "ballot": ballot,
        "approved": ballot.approved_ids if ballot else set(),
        "sealed_receipts": sealed_receipts,
        "conflicted": membership.conflicted_partner_ids(db_session, user.id),
        # Each applicant's connections, attendance and wellbeing change, small numbers hidden (connections/funnel.py).
        "track_records": track_records(
            db_session, [(a.project_id, a.partner_id) for a in shown], small_number=small_number
        )
        if can.deliberate
        else {},
        "decision": decision,
        "can_apply": can.apply,
        "tie_order": rounds.published_tie_order(db_session, round_)
        if round_.phase not in (Phase.OPEN, Phase.ELIGIBILITY)
        else [],
        "next_phase": {
            Phase.OPEN: "Close applications and check eligibility",
            Phase.ELIGIBILITY: "Open voting",
            Phase.VOTING: "Close voting",
            Phase.DECIDED: "Close the round",
        }.get(Phase(round_.phase)),
        "irreversible": rounds.IRREVERSIBLE.get(Phase(round_.phase)),
        "errors": {},
    }


def _results_context(db_session: Session, round_: Round, user: User) -> dict[str, Any]:
    show_outcomes = round_.phase in (Phase.DECIDED, Phase.CLOSED)
    decision = decisions.get_decision(db_session, round_.id)
    results = decisions.compute_results(db_session, round_) if show_outcomes else None
    main_rule = decision.rule if decision else round_.rule
    return {
        "round": round_,
        "quorum": voting.quorum(db_session, round_),
        "results": results,
        "rows": results.rows(main_rule) if results else [],
        "main_rule": main_rule,
        "decision": decision,
        "can_confirm": user.can.run_the_network and round_.phase == Phase.DECIDED,
        "rule_titles": RULE_TITLES,
        "rule_labels": RULE_LABELS,
        "phase_labels": PHASE_LABELS,
        "tie_rule_text": results.tie_rule_text if results else TIE_RULE_LABELS[TieRule(round_.tie_rule)],
        "values": {},
        "errors": {},
    }


class RoundsController(Controller):
    path = "/rounds"
    guards = [login_required]

    @get("/new", name="rounds:new", guards=[coordinator_only], sync_to_thread=True)
    def new_form(self, db_session: NamedDependency[Session]) -> Template:
        return page(
            "collectives/round_new.html",
            values={"rule": "mes", "tie_rule": "lot", "quorum_min_voters": 3, "quorum_lived_experience": True},
            errors={},
            **self._choices(db_session),
        )

    @staticmethod
    def _choices(db_session: Session) -> dict[str, Any]:
        return {
            "shares": funds.share_choices(db_session),
            "rules": [(k.value, v) for k, v in RULE_LABELS.items()],
            "tie_rules": TieRule.choices(),
        }

    @post("/new", name="rounds:create", guards=[coordinator_only], sync_to_thread=True)
    def create(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        if (again := sent_before(request, db_session, data, fallback="/rounds")) is not None:
            return again
        values, errors = form_values(data, RoundInput)
        try:
            round_ = rounds.create_round(db_session, validate(RoundInput, values, errors), by=require_user(request))
        except Invalid as exc:
            return form_with_errors("collectives/round_new.html", exc, values, **self._choices(db_session))
        return created(request, db_session, data, f"/rounds/{round_.id}", f"{round_.name} is open for applications.")

    @get("/{round_id:int}", name="rounds:detail", sync_to_thread=True)
    def detail(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        user = require_user(request)
        round_, can = visible_round(db_session, round_id, user)
        small = request.app.state.settings.small_number_threshold
        return page("collectives/round.html", **_round_context(db_session, round_, user, can, small_number=small))

    @post("/{round_id:int}/advance", name="rounds:advance", guards=[coordinator_only], sync_to_thread=True)
    def advance(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        round_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        round_ = rounds.get_round(db_session, round_id)
        expected = data.get("expected")
        try:
            rounds.advance_phase(
                db_session,
                round_,
                by=user,
                expected=Phase(expected) if expected in set(Phase) else None,
                note=str(data.get("note") or ""),
                confirmed=data.get("confirm") == "yes",
            )
        except Invalid as exc:  # not confirmed: the same page again, with the message beside the box
            context = _round_context(
                db_session,
                round_,
                user,
                access.round_access(db_session, user, round_),
                small_number=request.app.state.settings.small_number_threshold,
            )
            context.update(errors=exc.errors, error_message=exc.message)
            return page("collectives/round.html", status_code=422, **context)
        return redirect_with_message(
            request, f"/rounds/{round_.id}", f"{round_.name} is now at: {PHASE_LABELS[Phase(round_.phase)]}."
        )

    @post("/{round_id:int}/tie-rule", name="rounds:tie_rule", guards=[coordinator_only], sync_to_thread=True)
    def tie_rule(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        round_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        raw = str(data.get("tie_rule") or "")
        if raw not in set(TieRule):
            raise Invalid("Choose how ties are settled.", errors={"tie_rule": "Choose one of the two tie rules."})
        round_ = rounds.set_tie_rule(
            db_session, rounds.get_round(db_session, round_id), TieRule(raw), by=require_user(request)
        )
        return redirect_with_message(
            request, f"/rounds/{round_.id}#ties", f"Ties in {round_.name}: {TIE_RULE_LABELS[TieRule(raw)]}."
        )

    @post("/{round_id:int}/ballot", name="rounds:ballot", sync_to_thread=True)
    def ballot(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        round_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        round_, can = visible_round(db_session, round_id, user, "deliberate")
        raw = data.get("approvals") or []
        raw = raw if isinstance(raw, list) else [raw]
        ids = [parse_id(str(v)) for v in raw]
        if None in ids:
            raise Invalid("Choose applications from the list.", errors={"approvals": "Choose from the list."})
        try:
            ballot = voting.cast_ballot(db_session, round_, ids, by=user)
        except Invalid as exc:
            context = _round_context(
                db_session, round_, user, can, small_number=request.app.state.settings.small_number_threshold
            )
            context.update(approved=set(ids), errors=exc.errors, error_message=exc.message)
            return page("collectives/round.html", status_code=422, **context)
        count = len(ballot.approvals)
        return redirect_with_message(
            request,
            f"/rounds/{round_.id}#ballot",
            f"Your ballot is saved: you approve {count} application{'s' if count != 1 else ''}. "
            f"Your receipt is {ballot.receipt}. You can change your ballot until voting closes (the receipt stays the same).",
        )

    @get("/{round_id:int}/turnout", name="rounds:turnout", sync_to_thread=True)
    def turnout(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        round_, _ = visible_round(db_session, round_id, require_user(request), "deliberate")
        return page(
            "collectives/_turnout.html",
            round=round_,
            quorum=voting.quorum(db_session, round_),
            phase_labels=PHASE_LABELS,
        )

    @get("/{round_id:int}/results", name="rounds:results", sync_to_thread=True)
    def results(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        user = require_user(request)
        round_, _ = visible_round(db_session, round_id, user, "deliberate")
        return page("collectives/results.html", **_results_context(db_session, round_, user))

    @post("/{round_id:int}/decision", name="rounds:confirm", guards=[coordinator_only], sync_to_thread=True)
    def confirm(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        round_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        values, errors = form_values(data)
        raw = str(values.get("rule") or "")
        try:
            if raw not in set(Rule):
                errors["rule"] = "Choose one of the two rules."
            terms = validate(GrantTerms, values, errors)
            decision = decisions.confirm_decision(
                db_session,
                round_id,
                Rule(raw),
                by=require_user(request),
                confirmed=values.get("confirm") == "yes",
                terms=terms,
            )
        except Invalid as exc:  # the results again, keeping what was chosen and typed, with the messages in place
            context = _results_context(db_session, rounds.get_round(db_session, round_id), require_user(request))
            context.update(values=values, errors=exc.errors, error_message=exc.message)
            return page("collectives/results.html", status_code=422, **context)
        return redirect_with_message(
            request,
            f"/rounds/{round_id}/decision",
            f"Decision confirmed and sealed ({decision.seal[:12]}…); the round is closed.",
        )

    @get("/{round_id:int}/decision", name="rounds:decision", sync_to_thread=True)
    def decision(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        return page("collectives/decision.html", **self._decision_context(request, db_session, round_id))

    @staticmethod
    def _decision_context(request: Request, db_session: Session, round_id: int) -> dict[str, Any]:
        user = require_user(request)
        round_, _ = visible_round(db_session, round_id, user, "deliberate")
        record = decisions.require_decision(db_session, round_.id)
        sealed = json.loads(record.record_json)
        return dict(
            values={},
            errors={},
            round=round_,
            decision=record,
            record=sealed,
            lines=decisions.sorted_lines(record.lines),
            old_tie_rule_text=decisions.OLD_TIE_RULE_TEXT,
            constituency_labels=CONSTITUENCY_LABELS,
            titles={c["id"]: c["title"] for c in sealed["candidates"]},
            amendments=amendments.amendments_of(db_session, record.id),
            amendment_labels=AMENDMENT_LABELS,
            history=rounds.phase_history(db_session, round_.id),
            rule_labels=RULE_LABELS,
            phase_labels=PHASE_LABELS,
            sealed_ok=decisions.verify_seal(record),
        )

    @post("/{round_id:int}/amendments", name="rounds:amend", guards=[coordinator_only], sync_to_thread=True)
    def amend(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        round_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        raw_action, raw_application = str(data.get("action") or ""), str(data.get("application_id") or "")
        reason = str(data.get("reason") or "")
        application_id = parse_id(raw_application)
        try:
            missing = {}
            if application_id is None:
                missing["application_id"] = "Choose the application to amend."
            if raw_action not in set(AmendmentAction):
                missing["action"] = "Choose whether to fund it or not."
            if missing:
                raise Invalid("Choose an application and whether to fund it or not.", errors=missing)
            assert application_id is not None
            amendments.amend(
                db_session, round_id, application_id, AmendmentAction(raw_action), reason, by=require_user(request)
            )
        except Conflict as exc:
            return self._amendment_again(
                request, db_session, round_id, data, Invalid(exc.message, errors={"action": exc.message})
            )
        except Invalid as exc:  # the record again, the amendment form open with what was typed and each message
            return self._amendment_again(request, db_session, round_id, data, exc)
        return redirect_with_message(
            request, f"/rounds/{round_id}/decision#amendments", "Amendment recorded beside the decision."
        )

    def _amendment_again(
        self, request: Request, db_session: Session, round_id: int, data: dict[str, Any], exc: Invalid
    ) -> Template:
        values = {key: str(data.get(key) or "") for key in ("application_id", "action", "reason")}
        context = self._decision_context(request, db_session, round_id)
        del context["values"], context["errors"]
        return form_with_errors("collectives/decision.html", exc, values, **context)

    @post("/{round_id:int}/publish", name="rounds:publish", guards=[coordinator_only], sync_to_thread=True)
    def publish(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Redirect:
        round_ = rounds.publish_outcomes(db_session, rounds.get_round(db_session, round_id), by=require_user(request))
        return redirect_with_message(
            request, f"/rounds/{round_.id}/outcomes", "The outcome is published: applicants can now see it."
        )

    @get("/{round_id:int}/outcomes", name="rounds:outcomes", sync_to_thread=True)
    def outcomes(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        round_, _ = visible_round(db_session, round_id, require_user(request), "see_outcomes")
        if round_.outcomes_published_at is None:
            raise NotFound("The outcome of this round has not been published yet.")
        decided = [a for a in applications.applications_in(db_session, round_.id)]
        return page(
            "collectives/outcomes.html",
            round=round_,
            applications=sorted(decided, key=lambda a: (a.status != "funded", a.project.title)),
            application_labels=APPLICATION_LABELS,
        )

    @get("/{round_id:int}/decision.json", name="rounds:decision_json", sync_to_thread=True)
    def decision_json(
        self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]
    ) -> Response:
        """The sealed record exactly as sealed: its SHA-256 is the seal, and the rule can be re-run on it."""
        round_, _ = visible_round(db_session, round_id, require_user(request), "deliberate")
        record = decisions.require_decision(db_session, round_.id)
        return Response(
            record.record_json.encode(),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="decision-round-{round_.id}.json"'},
        )

    @get("/{round_id:int}/decision.csv", name="rounds:decision_csv", sync_to_thread=True)
    def decision_csv(self, request: Request, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Response:
        round_, _ = visible_round(db_session, round_id, require_user(request), "deliberate")
        record = decisions.require_decision(db_session, round_.id)
        return Response(
            decisions.decision_csv(record, amendments.amendments_of(db_session, record.id)),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="decision-round-{round_.id}.csv"'},
        )
