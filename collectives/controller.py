"""Collective pages: overview, asking to join, admitting members, declaring conflicts of interest."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from collectives import applications, membership, rounds
from collectives.forms import ConflictInput, JoinInput
from collectives.models import CONSTITUENCY_LABELS, PHASE_LABELS, MembershipStatus
from creative_minds.accounts.models import Role
from creative_minds.accounts.service import create_user
from creative_minds.auth import SESSION_USER_KEY, current_user, login_required, require_user, rotate_session
from creative_minds.exceptions import Forbidden, Invalid
from creative_minds.forms import form_values, validate
from creative_minds.localities import list_localities
from creative_minds.views import form_with_errors, page, redirect_with_message
from partners.forms import AccountInput
from partners.service import partner_choices


def _join_choices(db_session: Session) -> dict[str, Any]:
    return {
        "localities": [(loc.id, loc.name) for loc in list_localities(db_session)],
        "constituencies": [(k.value, v) for k, v in CONSTITUENCY_LABELS.items()],
    }


class CollectivesController(Controller):
    path = "/collectives"
    guards = [login_required]

    @get("/", name="collectives:home", sync_to_thread=True)
    def home(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        user = require_user(request)
        localities = list_localities(db_session)
        context: dict[str, Any] = {"phase_labels": PHASE_LABELS, "localities": localities, "days_waiting": rounds.days_waiting}
        if user.is_coordinator:
            context["rounds"] = rounds.list_rounds(db_session)
            context["requests"] = [m for loc in localities for m in membership.members(db_session, loc.id, status=MembershipStatus.REQUESTED)]
            context["waiting"] = applications.longest_waiting(db_session)
        else:
            mine = membership.membership_of(db_session, user)
            context["membership"] = mine
            if mine is not None:
                context["rounds"] = rounds.list_rounds(db_session, locality_id=mine.locality_id)
                context["members"] = membership.members(db_session, mine.locality_id)
                if mine.status == MembershipStatus.ADMITTED:
                    context["requests"] = membership.members(db_session, mine.locality_id, status=MembershipStatus.REQUESTED)
                context["conflicts"] = membership.conflicts_of(db_session, user.id)
            if user.role == Role.PARTNER and user.partner_id:
                from partners.service import get_partner

                partner = get_partner(db_session, user.partner_id)
                context["open_rounds"] = rounds.open_rounds_for(db_session, [loc.id for loc in partner.localities])
        context["constituency_labels"] = CONSTITUENCY_LABELS
        return page("collectives/home.html", **context)

    @post("/memberships/{membership_id:int}/{choice:str}", name="collectives:decide_membership", sync_to_thread=True)
    def decide(
        self, request: Request, db_session: NamedDependency[Session], membership_id: FromPath[int], choice: FromPath[str]
    ) -> Redirect:
        if choice not in ("admit", "decline"):
            raise Invalid("Choose admit or decline.")
        decided = membership.decide_membership(db_session, membership_id, admit=choice == "admit", by=require_user(request))
        verb = "admitted to" if choice == "admit" else "not admitted to"
        return redirect_with_message(request, "/collectives", f"{decided.user.full_name} is {verb} the collective.")

    @get("/conflicts", name="collectives:conflicts", sync_to_thread=True)
    def conflicts(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        user = require_user(request)
        return page(
            "collectives/conflicts.html", conflicts=membership.conflicts_of(db_session, user.id),
            partners=partner_choices(db_session), values={}, errors={},
        )

    @post("/conflicts", name="collectives:declare_conflict", sync_to_thread=True)
    def declare(self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect:
        user = require_user(request)
        if user.role not in (Role.COLLECTIVE_MEMBER, Role.CHAMPION, Role.REPORTER):
            raise Forbidden("Conflicts of interest are declared by collective members.")
        values, errors = form_values(data)
        try:
            conflict = membership.declare_conflict(db_session, user, validate(ConflictInput, values, errors))
        except Invalid as exc:
            return form_with_errors(
                "collectives/conflicts.html", exc, values, conflicts=membership.conflicts_of(db_session, user.id),
                partners=partner_choices(db_session),
            )
        return redirect_with_message(
            request, "/collectives/conflicts",
            f"Conflict of interest with {conflict.partner.name} recorded. You will not be able to vote on its applications.",
        )


class JoinController(Controller):
    """Anyone may ask to join a collective, with or without an account (rate-limited)."""

    path = "/collectives/join"

    @get("/", name="collectives:join", sync_to_thread=True)
    def join_form(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        return page("collectives/join.html", values={}, errors={}, signed_in=current_user(request) is not None, **_join_choices(db_session))

    @post("/", name="collectives:join_submit", sync_to_thread=True)
    def join(self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]) -> Template | Redirect:
        user = current_user(request)
        values, errors = form_values(data)
        try:
            if user is None:
                account = validate(AccountInput, values, errors)
                choice = validate(JoinInput, values, errors)
                user = create_user(
                    db_session, email=str(account.email), full_name=account.full_name, password=account.password,
                    role=Role.COLLECTIVE_MEMBER, locality_id=choice.locality_id,
                )
                rotate_session(request)
                request.set_session({SESSION_USER_KEY: user.id})
            else:
                choice = validate(JoinInput, values, errors)
            membership.request_to_join(db_session, user, choice)
        except Invalid as exc:
            values.pop("password", None)
            values.pop("password_confirm", None)
            return form_with_errors(
                "collectives/join.html", exc, values, signed_in=current_user(request) is not None, **_join_choices(db_session)
            )
        return redirect_with_message(
            request, "/collectives",
            "Thank you for asking to join. A coordinator or a member of the collective will reply soon.",
        )


