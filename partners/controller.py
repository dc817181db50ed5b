"""Partner pages: register, list and search, view, edit, approve and archive."""

from __future__ import annotations

from dataclasses import astuple
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from markupsafe import Markup
from sqlmodel import Session

from creative_minds.accounts.models import Role
from creative_minds.auth import (
    coordinator_only,
    current_user,
    login_required,
    require_user,
)
from creative_minds.cache import kept
from creative_minds.db import StaleEdit
from creative_minds.exceptions import Conflict, Invalid
from creative_minds.forms import form_values, parse_id, validate
from creative_minds.localities import list_localities
from creative_minds.views import created, form_with_errors, page, redirect_with_message, render, sent_before, stale_form
from partners import service
from partners.dependencies import FILTERS
from partners.forms import PartnerDetails, PartnerInput, Registration
from partners.models import AGREEMENT_LABELS, BANK_LABELS, KIND_LABELS, STATUS_LABELS, Partner

FORM_LISTS = ("locality_ids",)
FORM_BOXES = ("mh_friendly_accredited", "has_constitution")


def parse_partner_form(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    return form_values(data, lists=FORM_LISTS, checkboxes=FORM_BOXES)


def form_choices(db_session: Session, partner: Partner | None = None) -> dict[str, Any]:
    return {
        "kinds": [(k.value, label) for k, label in KIND_LABELS.items()],
        "localities": [(loc.id, loc.name) for loc in list_localities(db_session)],
        "agreements": [(k.value, label) for k, label in AGREEMENT_LABELS.items()],
        "banks": [(k.value, label) for k, label in BANK_LABELS.items()],
        "hosts": [(p.id, p.name) for p in service.host_options(db_session, exclude_id=partner.id if partner else None)],
    }


def partner_values(partner: Partner) -> dict[str, Any]:
    values = partner.model_dump()
    values["locality_ids"] = [loc.id for loc in partner.localities]
    return values


def _detail_context(db_session: Session, partner: Partner, user: Any) -> dict[str, Any]:
    from collectives.applications.service import reason_labels
    from obligations.models import OverrideAction
    from obligations.service import overrides_of, record_problems
    from projects.service import projects_of_partner

    coordinator = user.is_coordinator
    return {
        "partner": partner,
        "projects": projects_of_partner(db_session, partner.id, user=user),
        "hosted": service.hosted_groups(db_session, partner, user=user),
        "can_edit": service.can_edit(user, partner),
        "is_coordinator": coordinator,
        "is_member": user.role == Role.PARTNER and user.partner_id == partner.id,
        "approval_problems": reason_labels(
            [p.value for p in record_problems(partner, action=OverrideAction.APPROVE_PARTNER)]
        )
        if coordinator
        else [],
        "overrides": overrides_of(db_session, partner.id) if coordinator else [],
    }


class RegistrationController(Controller):
    path = "/register"

    @get("/", name="partners:register", sync_to_thread=True)
    def register_form(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        return page(
            "partners/register.html",
            values={},
            errors={},
            signed_in=current_user(request) is not None,
            **form_choices(db_session),
        )

    @post("/", name="partners:register_submit", sync_to_thread=True)
    def register(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        if (again := sent_before(request, db_session, data, fallback="/register")) is not None:
            return again
        if current_user(request) is not None:
            raise Conflict("You are signed in already. Sign out first to register another group.")
        values, errors = parse_partner_form(data)
        try:
            registration = validate(Registration, values, errors)
            _, partner = service.register_partner(db_session, registration)
        except Invalid as exc:
            values.pop("password", None)
            values.pop("password_confirm", None)
            return form_with_errors("partners/register.html", exc, values, **form_choices(db_session))
        # The same answer whether or not the e-mail already had an account (see register_partner).
        return created(
            request,
            db_session,
            data,
            "/login?" + urlencode({"email": str(registration.email)}),
            f"Thank you. {partner.name} is registered and waiting for a coordinator to approve it. "
            "Sign in with the e-mail address and password you chose to add your projects.",
        )


class PartnerController(Controller):
    path = "/partners"
    guards = [login_required]

    @get("/", name="partners:list", dependencies=FILTERS)
    async def list_partners(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        filters: NamedDependency[service.PartnerFilters],
    ) -> Response:
        user = current_user(request)
        params = {k: v for k, v in vars(filters).items() if k != "page"}
        coordinator = bool(user and user.is_coordinator)
        see_status = bool(user and user.can.see_partner_status)

        def results() -> str:
            found = service.search_partners(db_session, filters, user=user)
            return render(request, "partners/_results.html", {"results": found, "filters": filters, "params": params})

        # The list depends only on the data, the filters and what this kind of user may see: kept until the data
        # changes, and then answered without a trip to a worker thread. So is the whole of the page's content
        # (filters, links and list; only the frame around it, with the person's name, is rendered each time).
        cache = request.app.state.page_cache
        if request.htmx and not request.htmx.boosted:
            key = ("partners", astuple(filters), coordinator, see_status)
            return Response(await kept(request.scope, cache, db_session, key, results), media_type=MediaType.HTML)

        def content() -> str:
            context = {
                "results_html": Markup(results()),
                "filters": filters,
                "params": params,
                "kinds": KIND_LABELS,
                "statuses": STATUS_LABELS,
                "agreements": AGREEMENT_LABELS,
                "localities": list_localities(db_session),
                "awaiting": service.count_awaiting_approval(db_session) if coordinator else 0,
            }
            return render(request, "partners/_list_content.html", context)

        key = ("partners page", astuple(filters), coordinator, see_status, request.url.query)
        return page(
            "partners/list.html", content_html=Markup(await kept(request.scope, cache, db_session, key, content))
        )

    @get("/new", name="partners:new", guards=[coordinator_only], sync_to_thread=True)
    def new_form(self, db_session: NamedDependency[Session]) -> Template:
        return page("partners/new.html", values={"agreement_status": "none"}, errors={}, **form_choices(db_session))

    @post("/new", name="partners:create", guards=[coordinator_only], sync_to_thread=True)
    def create(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        if (again := sent_before(request, db_session, data, fallback="/partners")) is not None:
            return again
        values, errors = parse_partner_form(data)
        try:
            partner = service.create_partner(
                db_session, validate(PartnerInput, values, errors), by=require_user(request)
            )
        except Invalid as exc:
            return form_with_errors("partners/new.html", exc, values, **form_choices(db_session))
        return created(
            request,
            db_session,
            data,
            request.app.route_reverse("partners:detail", partner_id=partner.id),
            f"{partner.name} added.",
        )

    @get("/{partner_id:int}", name="partners:detail", sync_to_thread=True)
    def detail(self, request: Request, db_session: NamedDependency[Session], partner_id: FromPath[int]) -> Template:
        user = require_user(request)
        partner = service.get_visible_partner(db_session, partner_id, user)

        return page("partners/detail.html", **_detail_context(db_session, partner, user))

    @get("/{partner_id:int}/edit", name="partners:edit", sync_to_thread=True)
    def edit_form(self, request: Request, db_session: NamedDependency[Session], partner_id: FromPath[int]) -> Template:
        partner = service.get_partner(db_session, partner_id)
        user = require_user(request)
        service.check_can_edit(user, partner)
        return page(
            "partners/edit.html",
            partner=partner,
            values=partner_values(partner),
            errors={},
            is_coordinator=user.is_coordinator,
            **form_choices(db_session, partner),
        )

    @post("/{partner_id:int}/edit", name="partners:update", sync_to_thread=True)
    def update(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        partner_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        partner = service.get_partner(db_session, partner_id)
        user = require_user(request)
        service.check_can_edit(user, partner)
        values, errors = parse_partner_form(data)
        shape = PartnerInput if user.is_coordinator else PartnerDetails
        try:
            service.update_partner(
                db_session,
                partner,
                validate(shape, values, errors),
                by=user,
                expected_version=parse_id(str(values.get("version") or "")),
            )
        except StaleEdit as exc:
            return stale_form(
                "partners/edit.html",
                exc,
                values,
                partner_values(exc.current),
                partner=partner,
                is_coordinator=user.is_coordinator,
                **form_choices(db_session, partner),
            )
        except Invalid as exc:
            return form_with_errors(
                "partners/edit.html",
                exc,
                values,
                partner=partner,
                is_coordinator=user.is_coordinator,
                **form_choices(db_session, partner),
            )
        return redirect_with_message(
            request, request.app.route_reverse("partners:detail", partner_id=partner.id), "Your changes are saved."
        )

    @post("/{partner_id:int}/approve", name="partners:approve", guards=[coordinator_only], sync_to_thread=True)
    def approve(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        partner_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        from obligations.models import OverrideAction
        from obligations.service import go_on_despite

        user = require_user(request)
        partner = service.get_partner(db_session, partner_id)
        reason = str(data.get("override_reason") or "")
        try:
            go_on_despite(db_session, partner, action=OverrideAction.APPROVE_PARTNER, reason=reason, by=user)
        except Invalid as exc:
            return form_with_errors(
                "partners/detail.html", exc, {"override_reason": reason}, **_detail_context(db_session, partner, user)
            )
        partner = service.approve_partner(db_session, partner, by=user)
        return redirect_with_message(
            request, request.app.route_reverse("partners:detail", partner_id=partner.id), f"{partner.name} is approved."
        )

    @post("/{partner_id:int}/archive", name="partners:archive", guards=[coordinator_only], sync_to_thread=True)
    def archive(self, request: Request, db_session: NamedDependency[Session], partner_id: FromPath[int]) -> Redirect:
        partner = service.archive_partner(
            db_session, service.get_partner(db_session, partner_id), by=require_user(request)
        )
        return redirect_with_message(
            request, request.app.route_reverse("partners:detail", partner_id=partner.id), f"{partner.name} is archived."
        )
