"""Collective pages: overview, asking to join, admitting members, declaring conflicts of interest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from collectives.applications import service as applications
from collectives.membership import service as membership
from collectives.membership.forms import ConflictInput, JoinInput
from collectives.membership.models import CONSTITUENCY_COUNTED, CONSTITUENCY_LABELS, MembershipStatus
from collectives.rounds import service as rounds
from collectives.rounds.models import PHASE_LABELS
from collectives.voting.service import quorum_rule
from creative_minds.accounts import invitations
from creative_minds.accounts.models import Role
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.auth import coordinator_only, current_user, login_required, require_user
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
        context: dict[str, Any] = {
            "phase_labels": PHASE_LABELS,
            "localities": localities,
            "days_waiting": rounds.days_waiting,
            "quorum_rule": quorum_rule,
        }
        if user.is_coordinator:
            context["collectives"] = [
                (
                    loc,
                    membership.make_up(db_session, loc.id),
                    membership.voting_round_in(db_session, loc.id),
                )
                for loc in localities
            ]
            context["rounds"] = rounds.list_rounds(db_session)
            context["can_admit"] = True
            context["requests"] = [
                m
                for loc in localities
                for m in membership.members(db_session, loc.id, status=MembershipStatus.REQUESTED)
            ]
            context["waiting"] = applications.longest_waiting(db_session)
        else:
            mine = membership.membership_of(db_session, user)
            context["membership"] = mine
            if mine is not None and mine.status == MembershipStatus.ADMITTED:
                # Only admitted members see their collective's rounds, members and requests to join.
                context["rounds"] = rounds.list_rounds(db_session, locality_id=mine.locality_id)
                context["members"] = membership.member_list(db_session, mine.locality_id, viewer=user)
                context["requests"] = membership.members(
                    db_session, mine.locality_id, status=MembershipStatus.REQUESTED
                )
                context["make_up"] = membership.describe_make_up(membership.make_up(db_session, mine.locality_id))
                context["voting_round"] = membership.voting_round_in(db_session, mine.locality_id)
                context["can_admit"] = membership.can_admit(db_session, user, mine.locality_id)
                context["conflicts"] = membership.conflicts_of(db_session, user.id)
            elif mine is not None and mine.status == MembershipStatus.REQUESTED:
                # A requester sees no rounds, only that while one is voting only a coordinator can admit.
                context["voting_now"] = membership.voting_round_in(db_session, mine.locality_id) is not None
            if user.role == Role.PARTNER and user.partner_id:
                context["open_rounds"] = applications.open_rounds_for_partner(db_session, user.partner_id)
        context["constituency_labels"] = CONSTITUENCY_LABELS
        context["constituency_plurals"] = {c: words[1].capitalize() for c, words in CONSTITUENCY_COUNTED.items()}
        return page("collectives/home.html", **context)

    @get("/members", name="collectives:members", guards=[coordinator_only], sync_to_thread=True)
    def member_list(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        """Every member with their details, filtered; invitations to sign in; exports (with a reason)."""
        filters = membership.MemberFilters.from_values(dict(request.query_params))
        user = require_user(request)
        context = members_context(db_session, filters, user)
        count = len(context["rows"])
        audit.record(  # names beside lived experience: who looked, and at what, is kept
            db_session,
            by=user,
            action=AuditAction.READ,
            subject="member constituency",
            label="collective members list",
            detail=f"{count} member{'' if count == 1 else 's'}. Filters: {filters.describe()}",
        )
        return page("collectives/members.html", **context)

    @post("/members/invite", name="collectives:invite_members", guards=[coordinator_only], sync_to_thread=True)
    def invite_members(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Redirect:
        """Invite everyone in the filtered list who never signed in and was never invited."""
        filters = membership.MemberFilters.from_values(data)
        user = require_user(request)
        people = invitations.not_yet_invited(
            db_session, [m.user for m in membership.member_rows(db_session, filters, by=user)]
        )
        days = request.app.state.settings.invite_valid_days
        sent = invitations.invite(db_session, people, by=user, valid_for=timedelta(days=days))
        back = "/collectives/members?" + urlencode(filters.as_query())
        if not sent:
            return redirect_with_message(
                request, back, "Everyone in this list has been invited or has signed in already."
            )
        word = "invitation" if sent == 1 else "invitations"
        return redirect_with_message(request, back, f"{sent} {word} sent: each link works once, for {days} days.")

    @post("/memberships/{membership_id:int}/{choice:str}", name="collectives:decide_membership", sync_to_thread=True)
    def decide(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        membership_id: FromPath[int],
        choice: FromPath[str],
    ) -> Redirect:
        if choice not in ("admit", "decline"):
            raise Invalid("Choose admit or decline.")
        decided = membership.decide_membership(
            db_session, membership_id, admit=choice == "admit", by=require_user(request)
        )
        verb = "admitted to" if choice == "admit" else "not admitted to"
        return redirect_with_message(request, "/collectives", f"{decided.user.full_name} is {verb} the collective.")

    @post("/membership/constituency", name="collectives:show_constituency", sync_to_thread=True)
    def show_constituency(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Redirect:
        shown = str(data.get("show") or "") == "yes"
        membership.set_constituency_visible(db_session, require_user(request), shown)
        message = "Other members can now see" if shown else "Other members no longer see"
        return redirect_with_message(request, "/collectives", f"{message} how you take part in the collective.")

    @get("/conflicts", name="collectives:conflicts", sync_to_thread=True)
    def conflicts(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        user = require_user(request)
        return page(
            "collectives/conflicts.html",
            conflicts=membership.conflicts_of(db_session, user.id),
            partners=partner_choices(db_session),
            values={},
            errors={},
        )

    @post("/conflicts", name="collectives:declare_conflict", sync_to_thread=True)
    def declare(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        user = require_user(request)
        if user.role not in (Role.COLLECTIVE_MEMBER, Role.CHAMPION, Role.REPORTER):
            raise Forbidden("Conflicts of interest are declared by collective members.")
        values, errors = form_values(data)
        try:
            conflict = membership.declare_conflict(db_session, user, validate(ConflictInput, values, errors))
        except Invalid as exc:
            return form_with_errors(
                "collectives/conflicts.html",
                exc,
                values,
                conflicts=membership.conflicts_of(db_session, user.id),
                partners=partner_choices(db_session),
            )
        return redirect_with_message(
            request,
            "/collectives/conflicts",
            f"Conflict of interest with {conflict.partner.name} recorded. You will not be able to vote on its applications.",
        )


def members_context(db_session: Session, filters: membership.MemberFilters, user: Any, **extra: Any) -> dict[str, Any]:
    found = membership.member_rows(db_session, filters, by=user)
    invited = invitations.invited_on(db_session, (m.user_id for m in found))
    rows = [(m, invited.get(m.user_id), membership.access_of(m.user, invited.get(m.user_id))) for m in found]
    context: dict[str, Any] = {
        "rows": rows,
        "filters": filters,
        "query": filters.as_query(),
        "query_url": urlencode(filters.as_query()),
        "localities": [(loc.id, loc.name) for loc in list_localities(db_session)],
        "constituencies": [(k.value, v) for k, v in CONSTITUENCY_LABELS.items()],
        "statuses": [(s.value, s.value.capitalize()) for s in MembershipStatus],
        "accesses": membership.Access.choices(),
        "constituency_labels": CONSTITUENCY_LABELS,
        "not_invited": sum(1 for m, _, a in rows if a == membership.Access.NOT_INVITED and m.user.is_active),
        "values": {},
        "errors": {},
    }
    context.update(extra)
    return context


class JoinController(Controller):
    """Anyone may ask to join a collective, with or without an account (rate-limited)."""

    path = "/collectives/join"

    @get("/", name="collectives:join", sync_to_thread=True)
    def join_form(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        return page(
            "collectives/join.html",
            values={},
            errors={},
            signed_in=current_user(request) is not None,
            **_join_choices(db_session),
        )

    @post("/", name="collectives:join_submit", sync_to_thread=True)
    def join(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        user = current_user(request)
        values, errors = form_values(data)
        try:
            if user is None:
                account = validate(AccountInput, values, errors)
                choice = validate(JoinInput, values, errors)
                membership.join_with_new_account(db_session, account, choice)
            else:
                membership.request_to_join(db_session, user, validate(JoinInput, values, errors))
        except Invalid as exc:
            values.pop("password", None)
            values.pop("password_confirm", None)
            return form_with_errors(
                "collectives/join.html",
                exc,
                values,
                signed_in=current_user(request) is not None,
                **_join_choices(db_session),
            )
        if user is None:  # the same answer whether or not the e-mail already had an account
            return redirect_with_message(
                request,
                "/login?" + urlencode({"email": str(values.get("email") or "")[:254], "next": "/collectives"}),
                "Thank you for asking to join. Sign in with the e-mail address and password you chose to follow "
                "your request; a coordinator or a member of the collective will reply soon.",
            )
        return redirect_with_message(
            request,
            "/collectives",
            "Thank you for asking to join. A coordinator or a member of the collective will reply soon.",
        )
