"""Sign in, sign out, my account, and coordinators' account management."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from creative_minds.accounts import service
from creative_minds.accounts.forms import NewAccount, PasswordChange
from creative_minds.accounts.models import ROLE_LABELS, Role
from creative_minds.auth import coordinator_only, login_required, require_user, sign_in
from creative_minds.exceptions import Invalid
from creative_minds.forms import form_values, validate
from creative_minds.localities import list_localities
from creative_minds.views import form_with_errors, page, redirect_with_message, safe_next


class LoginController(Controller):
    path = "/login"

    @get("/", name="accounts:login", sync_to_thread=False)
    def login_form(
        self,
        next_url: Annotated[str | None, QueryParameter(name="next")] = None,
        email: Annotated[str, QueryParameter(max_length=254)] = "",
    ) -> Template:
        return page("accounts/login.html", values={"email": email}, next=safe_next(next_url, ""))

    @post("/", name="accounts:login_submit", sync_to_thread=True)
    def login(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        email = str(data.get("email") or "")[:254]
        settings = request.app.state.settings
        user = service.sign_in(
            db_session,
            email,
            str(data.get("password") or ""),
            address=request.client.host if request.client else None,
            per_minute=settings.login_attempts_per_minute,
            free_failures=settings.account_free_failures,
        )
        next_url = safe_next(str(data.get("next") or ""), "/")
        if user is None:
            return page(
                "accounts/login.html",
                status_code=400,
                values={"email": email},
                errors={"email": "The email address or password is wrong."},
                error_message="We could not sign you in. Check your email address and password.",
                next=next_url,
            )
        sign_in(request, user)
        return redirect_with_message(request, next_url, f"Welcome, {user.full_name}. You are signed in.")


class AccountController(Controller):
    path = "/accounts"

    @post("/logout", name="accounts:logout", sync_to_thread=False)
    def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect("/login?signed_out=1", status_code=303)

    @get("/me", name="accounts:me", guards=[login_required], sync_to_thread=True)
    def me(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        user = require_user(request)
        partner = None
        if user.partner_id:
            from partners.service import get_partner

            partner = get_partner(db_session, user.partner_id)
        return page("accounts/me.html", account=user, partner=partner, role_labels=ROLE_LABELS, values={}, errors={})

    @post("/me/password", name="accounts:change_password", guards=[login_required], sync_to_thread=True)
    def change_password(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        user = service.get_user(db_session, require_user(request).id)
        values, errors = form_values(data)
        try:
            service.change_password(db_session, user, validate(PasswordChange, values, errors))
        except Invalid as exc:
            return form_with_errors("accounts/me.html", exc, {}, account=user, partner=None, role_labels=ROLE_LABELS)
        sign_in(request, user)  # this device stays signed in; every other one is signed out
        return redirect_with_message(
            request, "/accounts/me", "Your password is changed. You are signed out everywhere else."
        )

    @post("/sign-out-everywhere", name="accounts:sign_out_everywhere", guards=[login_required], sync_to_thread=True)
    def sign_out_everywhere(self, request: Request, db_session: NamedDependency[Session]) -> Redirect:
        service.sign_out_everywhere(db_session, service.get_user(db_session, require_user(request).id))
        request.clear_session()
        return Redirect("/login?signed_out=everywhere", status_code=303)

    @post("/{user_id:int}/deactivate", name="accounts:deactivate", guards=[coordinator_only], sync_to_thread=True)
    def deactivate(self, request: Request, db_session: NamedDependency[Session], user_id: FromPath[int]) -> Redirect:
        user = service.set_active(db_session, user_id, False, by=require_user(request))
        return redirect_with_message(request, "/accounts", f"{user.full_name} can no longer sign in.")

    @post("/{user_id:int}/activate", name="accounts:activate", guards=[coordinator_only], sync_to_thread=True)
    def activate(self, request: Request, db_session: NamedDependency[Session], user_id: FromPath[int]) -> Redirect:
        user = service.set_active(db_session, user_id, True, by=require_user(request))
        return redirect_with_message(request, "/accounts", f"{user.full_name} can sign in again.")

    @get("/", name="accounts:list", guards=[coordinator_only], sync_to_thread=True)
    def list_accounts(self, db_session: NamedDependency[Session], role: FromQuery[str | None] = None) -> Template:
        chosen = Role(role) if role in set(Role) else None
        return page(
            "accounts/list.html",
            accounts=service.list_users(db_session, role=chosen),
            role=chosen,
            role_labels=ROLE_LABELS,
        )

    @get("/new", name="accounts:new", guards=[coordinator_only], sync_to_thread=True)
    def new_form(self, db_session: NamedDependency[Session]) -> Template:
        return page("accounts/new.html", values={}, errors={}, **_choices(db_session))

    @post("/new", name="accounts:create", guards=[coordinator_only], sync_to_thread=True)
    def create(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        values, errors = form_values(data)
        try:
            account = validate(NewAccount, values, errors)
            user = service.create_user(db_session, **account.model_dump(exclude={"constituency"}))
            if account.constituency is not None and user.locality_id is not None:
                from collectives.membership.models import Constituency
                from collectives.membership.service import admit_directly

                admit_directly(
                    db_session, user, user.locality_id, Constituency(account.constituency), by=require_user(request)
                )
        except Invalid as exc:
            values.pop("password", None)
            return form_with_errors("accounts/new.html", exc, values, **_choices(db_session))
        return redirect_with_message(
            request, "/accounts", f"Account created for {user.full_name} ({ROLE_LABELS[Role(user.role)]})."
        )


def _choices(db_session: Session) -> dict[str, Any]:
    from collectives.membership.models import CONSTITUENCY_LABELS
    from partners.service import partner_choices

    return {
        "constituencies": [(k.value, v) for k, v in CONSTITUENCY_LABELS.items()],
        "roles": [(r.value, ROLE_LABELS[r]) for r in Role],
        "localities": [(loc.id, loc.name) for loc in list_localities(db_session)],
        "partners": partner_choices(db_session),
    }
