"""Application pages: partners apply and follow their applications; coordinators check eligibility."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from collectives.applications import service as applications
from collectives.applications.forms import ApplicationInput, EligibilityInput
from collectives.applications.models import APPLICATION_LABELS, INELIGIBLE_LABELS
from collectives.decisions import service as decisions
from collectives.rounds import access
from collectives.rounds import service as rounds
from collectives.rounds.models import PHASE_LABELS, Phase, Round
from creative_minds.accounts.models import Role, User
from creative_minds.auth import coordinator_only, login_required, require_user
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.forms import form_values, parse_id, validate
from creative_minds.views import form_with_errors, page, redirect_with_message, refused_in_place
from obligations.models import OverrideAction
from obligations.service import go_on_despite, record_problems


class ApplicationsController(Controller):
    path = "/"
    guards = [login_required]

    @get("/applications", name="applications:mine", sync_to_thread=True)
    def mine(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        user = require_user(request)
        if user.role != Role.PARTNER or user.partner_id is None:
            raise Forbidden("This page lists a partner group's applications. Coordinators see them on each round.")
        from partners.service import get_partner

        partner = get_partner(db_session, user.partner_id)
        mine = applications.applications_of_partner(db_session, partner.id)
        applicant = access.RoundAccess(own_partner_id=partner.id)  # what an applicant may know of its own
        status = {a.id: access.shown_status(applicant, a.round, a) for a in mine}
        lines = {}
        # The outcome is the partner's once the collective publishes it (never before): one decision per
        # round, however many applications.
        for round_id in {a.round_id for a in mine if status[a.id] != access.UNPUBLISHED}:
            decision = decisions.get_decision(db_session, round_id)
            if decision is not None:
                lines.update({line.application_id: line for line in decision.lines})
        return page(
            "collectives/my_applications.html",
            partner=partner,
            applications=mine,
            lines=lines,
            open_rounds=applications.open_rounds_for_partner(db_session, partner.id),
            phase_labels=PHASE_LABELS,
            status=status,
            unpublished=access.UNPUBLISHED,
            application_labels=access.STATUS_LABELS,
            days_waiting=rounds.days_waiting,
            reason_labels=applications.reason_labels,
        )

    @get("/rounds/{round_id:int}/apply", name="applications:new", sync_to_thread=True)
    def new_form(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        round_id: FromPath[int],
        project_id: FromQuery[str | None] = None,
    ) -> Template:
        user = require_user(request)
        round_ = self._round_to_apply_to(db_session, round_id, user)
        own = applications.projects_to_apply_with(db_session, user, round_) if user.role == Role.PARTNER else []
        chosen = parse_id(project_id) if project_id else (own[0].id if len(own) == 1 else None)
        values: dict[str, Any] = {}
        for project in own:  # the project's own figures, so nobody types them twice
            if project.id == chosen:
                values = {
                    "project_id": project.id,
                    "amount_pence": project.requested_pence,
                    "match_pence": project.match_pence,
                }
        return page(
            "collectives/apply.html",
            round=round_,
            values=values,
            errors={},
            projects=self._projects(db_session, user, round_),
            figures={p.id: (p.requested_pence, p.match_pence, p.total_cost_pence) for p in own},
        )

    @staticmethod
    def _round_to_apply_to(db_session: Session, round_id: int, user: User) -> Round:
        round_ = rounds.get_round(db_session, round_id)
        if not access.round_access(db_session, user, round_).apply:
            raise Forbidden(
                "Approved partner groups apply to rounds open in the localities they work in; this round is not open to yours."
            )
        return round_

    @staticmethod
    def _projects(db_session: Session, user, round_) -> list[tuple[int, str]]:
        if user.role != Role.PARTNER:
            raise Forbidden("Only partner groups apply for funding.")
        return [(p.id, p.title) for p in applications.projects_to_apply_with(db_session, user, round_)]  # type: ignore[misc]

    @post("/rounds/{round_id:int}/apply", name="applications:create", sync_to_thread=True)
    def create(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        round_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        round_ = rounds.get_round(db_session, round_id)
        allowed = access.round_access(db_session, user, round_)
        if not allowed.in_locality:  # not a partner group of this locality: nothing to keep
            round_ = self._round_to_apply_to(db_session, round_id, user)
        projects = self._projects(db_session, user, round_)
        values, errors = form_values(data, ApplicationInput)
        try:
            if not allowed.apply:  # the round moved on since the form was opened: the typed need comes back
                raise Conflict(
                    f"Applications to {round_.name} have closed, so this application was not sent. "
                    "Keep a copy of what you wrote for the next round."
                )
            applications.apply(db_session, round_, validate(ApplicationInput, values, errors), by=user)
        except (Invalid, Conflict) as exc:  # a round closed since the form was opened keeps the typed need too
            problem = refused_in_place(exc, "project_id") if isinstance(exc, Conflict) else exc
            own = applications.projects_to_apply_with(db_session, user, round_)
            figures = {p.id: (p.requested_pence, p.match_pence, p.total_cost_pence) for p in own}
            return form_with_errors(
                "collectives/apply.html",
                problem,
                values,
                status_code=409 if isinstance(exc, Conflict) else 422,
                round=round_,
                projects=projects,
                figures=figures,
            )
        return redirect_with_message(
            request,
            "/applications",
            f"Application sent to {round_.name}. You can follow it here at every step.",
        )

    @post("/applications/{application_id:int}/withdraw", name="applications:withdraw", sync_to_thread=True)
    def withdraw(
        self, request: Request, db_session: NamedDependency[Session], application_id: FromPath[int]
    ) -> Redirect:
        user = require_user(request)
        application = applications.withdraw(
            db_session, applications.get_application(db_session, application_id), by=user
        )
        target = "/applications" if user.role == Role.PARTNER else f"/rounds/{application.round_id}"
        return redirect_with_message(request, target, f"The application for {application.project.title} is withdrawn.")

    @get(
        "/rounds/{round_id:int}/eligibility",
        name="applications:eligibility",
        guards=[coordinator_only],
        sync_to_thread=True,
    )
    def eligibility(self, db_session: NamedDependency[Session], round_id: FromPath[int]) -> Template:
        round_ = rounds.get_round(db_session, round_id)
        return page("collectives/eligibility.html", **self._eligibility_context(db_session, round_))

    @staticmethod
    def _eligibility_context(db_session: Session, round_) -> dict[str, Any]:
        items = applications.applications_in(db_session, round_.id)
        return {
            "round": round_,
            "applications": items,
            "phase_labels": PHASE_LABELS,
            "application_labels": APPLICATION_LABELS,
            "reasons": [(k.value, v) for k, v in INELIGIBLE_LABELS.items()],
            "checks": {a.id: applications.application_problems(a) for a in items},
            "partner_problems": {a.id: record_problems(a.partner, action=OverrideAction.MARK_ELIGIBLE) for a in items},
            "reason_labels": applications.reason_labels,
            "days_waiting": rounds.days_waiting,
            "can_decide": round_.phase == Phase.ELIGIBILITY,
            "errors": {},
            "error_for": None,
        }

    @post(
        "/rounds/{round_id:int}/applications/{application_id:int}/eligibility",
        name="applications:decide",
        guards=[coordinator_only],
        sync_to_thread=True,
    )
    def decide(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        round_id: FromPath[int],
        application_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        application = applications.get_application(db_session, application_id)
        if application.round_id != round_id:
            raise Invalid("This application belongs to another round.")
        values, errors = form_values(data, EligibilityInput)
        values["eligible"] = values.get("decision") == "eligible"
        if values.get("decision") not in ("eligible", "ineligible"):
            errors["decision"] = "Choose eligible or not eligible."
        user = require_user(request)
        try:
            decision = validate(EligibilityInput, values, errors)
            if decision.eligible:
                go_on_despite(
                    db_session,
                    application.partner,
                    action=OverrideAction.MARK_ELIGIBLE,
                    reason=str(values.get("override_reason") or ""),
                    by=user,
                    application_id=application.id,
                )
            applications.decide_eligibility(db_session, application, decision, by=user)
        except Invalid as exc:
            context = self._eligibility_context(db_session, application.round)
            context.update(errors=exc.errors, error_message=exc.message, error_for=application.id)
            return page("collectives/eligibility.html", status_code=422, **context)
        verdict = "eligible" if values["eligible"] else "not eligible"
        return redirect_with_message(
            request,
            f"/rounds/{round_id}/eligibility#application-{application.id}",
            f"{application.project.title}: marked {verdict}.",
        )
