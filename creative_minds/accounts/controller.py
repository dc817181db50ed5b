"""Sign in, sign out, my account, and coordinators' account management."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from creative_minds.accounts import invitations, service, throttle
from creative_minds.accounts.forms import ForgotPassword, NewAccount, NewPassword, PasswordChange
from creative_minds.accounts.models import ROLE_LABELS, Role, TokenPurpose
from creative_minds.auth import coordinator_only, login_required, require_user, sign_in
from creative_minds.exceptions import Invalid
from creative_minds.forms import form_values, validate
from creative_minds.localities import list_localities
from creative_minds.transactions import mark_failed
from creative_minds.views import form_with_errors, page, redirect_with_message, safe_next

NO_STORE = {"Cache-Control": "no-store"}  # a page reached with a secret link is kept by no cache


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

    @get("/forgot", name="accounts:forgot", sync_to_thread=False)
    def forgot_form(self, email: Annotated[str, QueryParameter(max_length=254)] = "") -> Template:
        return page("accounts/forgot.html", values={"email": email}, errors={}, sent=False)

    @post("/forgot", name="accounts:forgot_submit", sync_to_thread=True)
    def forgot(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template:
        """The same answer whether or not the e-mail has an account (a link goes only where there is one)."""
        settings = request.app.state.settings
        address = request.client.host if request.client else None
        values, errors = form_values(data)
        try:
            email = str(validate(ForgotPassword, values, errors).email)
        except Invalid as exc:
            return mark_failed(form_with_errors("accounts/forgot.html", exc, values, sent=False))
        if throttle.reset_blocked(db_session, address, settings.login_attempts_per_minute):
            raise service.TooManyAttempts(
                "Too many requests for a new password from your network in the last minute. Wait a minute, "
                "then try again."
            )
        valid_for = timedelta(minutes=settings.reset_valid_minutes)
        if throttle.count_reset(request.app.state.engine, email, address):
            invitations.send_reset(db_session, email, valid_for=valid_for)
        return page("accounts/forgot.html", values={}, errors={}, sent=True, valid_for=invitations.duration(valid_for))


class PasswordLinkController(Controller):
    """The page an invitation or "forgot your password" e-mail links to: choose a password, once."""

    path = "/accounts/password"

    @staticmethod
    def _form(link: invitations.Link, token: str, **extra: Any) -> Template:
        context: dict[str, Any] = {
            "token": token,
            "invitation": link.purpose == TokenPurpose.INVITE,
            "person_name": link.user.full_name,
            "values": {},
            "errors": {},
        }
        context.update(extra)
        status = context.pop("status_code", 200)
        return Template("accounts/set_password.html", context=context, status_code=status, headers=NO_STORE)

    @staticmethod
    def _unusable(exc: invitations.LinkUnusable) -> Template:
        return Template(
            "accounts/link_unusable.html",
            context={"message": exc.message},
            status_code=exc.status_code,
            headers=NO_STORE,
        )

    @get("/{token:str}", name="accounts:set_password", sync_to_thread=True)
    def form(self, db_session: NamedDependency[Session], token: FromPath[str]) -> Template:
        try:
            link = invitations.check(db_session, token)
        except invitations.LinkUnusable as exc:
            return self._unusable(exc)
        return self._form(link, token)

    @post("/{token:str}", name="accounts:set_password_submit", sync_to_thread=True)
    def set_password(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        token: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        try:
            link = invitations.check(db_session, token)
        except invitations.LinkUnusable as exc:
            return mark_failed(self._unusable(exc))
        values, errors = form_values(data)
        try:
            chosen = validate(NewPassword, values, errors)
        except Invalid as exc:
            return mark_failed(self._form(link, token, errors=exc.errors, error_message=exc.message, status_code=422))
        try:
            user = invitations.use(db_session, token, chosen.password)
        except invitations.LinkUnusable as exc:
            return mark_failed(self._unusable(exc))
        sign_in(request, user)
        return redirect_with_message(
            request, "/", f"Your password is set. Welcome, {user.full_name}: you are signed in."
        )


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

    @post("/{user_id:int}/invite", name="accounts:invite", guards=[coordinator_only], sync_to_thread=True)
    def invite(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        user_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        """Send (or send again) an invitation to choose a password."""
        user = service.get_user(db_session, user_id)
        days = request.app.state.settings.invite_valid_days
        sent = invitations.invite(db_session, [user], by=require_user(request), valid_for=timedelta(days=days))
        back = safe_next(str(data.get("next") or ""), "/accounts")
        if not sent:
            return redirect_with_message(
                request, back, f"{user.full_name}'s account is closed: no invitation sent.", "error"
            )
        return redirect_with_message(
            request, back, f"Invitation sent to {user.full_name}: the link works once, for {days} days."
        )

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
