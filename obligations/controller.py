"""Obligations across the network (coordinators), the outbox (coordinators), and each person's
choice of what they hear about."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from creative_minds.auth import coordinator_only, login_required, require_user
from creative_minds.exceptions import Invalid
from creative_minds.forms import form_values, validate
from creative_minds.views import form_with_errors, page, redirect_with_message
from obligations import outbox, service
from obligations.forms import ChoicesInput, CloseInput
from obligations.models import KIND_LABELS, MESSAGE_LABELS, TOPIC_LABELS, Delivery

SHOWS = {"overdue": "Overdue", "soon": "Due in the next 14 days", "all": "Everything due", "closed": "Done or waived"}


def _filters(show: str, kind: str) -> service.ObligationFilters:
    return service.ObligationFilters(
        show=show if show in SHOWS else "overdue", kind=kind if kind in KIND_LABELS else ""
    )


def _list_context(db_session: Session, request: Request, filters: service.ObligationFilters) -> dict[str, Any]:
    return {
        "obligations": service.list_obligations(db_session, filters, by=require_user(request)),
        "overdue": service.overdue_counts(db_session),
        "filters": filters,
        "shows": SHOWS,
        "kinds": KIND_LABELS,
        "values": {},
        "errors": {},
    }


class ObligationsController(Controller):
    path = "/obligations"
    guards = [coordinator_only]

    @get("/", name="obligations:list", sync_to_thread=True)
    def list_page(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        show: FromQuery[str] = "overdue",
        kind: FromQuery[str] = "",
    ) -> Template:
        return page("obligations/list.html", **_list_context(db_session, request, _filters(show, kind)))

    @post("/{obligation_id:int}/close", name="obligations:close", sync_to_thread=True)
    def close(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        obligation_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        obligation = service.get_obligation(db_session, obligation_id)
        values, errors = form_values(data, checkboxes=("waive",))
        try:
            form = validate(CloseInput, values, errors)
            service.close(db_session, obligation, waive=form.waive, reason=form.reason, by=require_user(request))
        except Invalid as exc:
            exc.errors = {f"{key}-{obligation_id}": message for key, message in exc.errors.items()}
            context = _list_context(db_session, request, _filters("all", ""))
            context.pop("values"), context.pop("errors")
            return form_with_errors("obligations/list.html", exc, {**values, "obligation_id": obligation_id}, **context)
        what = "waived" if form.waive else "marked done"
        return redirect_with_message(
            request, request.app.route_reverse("obligations:list"), f"“{obligation.title}” is {what}."
        )


class NotificationsController(Controller):
    path = "/notifications"

    @get("/outbox", name="notifications:outbox", guards=[coordinator_only], sync_to_thread=True)
    def outbox_page(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        shown: Annotated[str, QueryParameter(name="state")] = "",
    ) -> Template:
        settings = request.app.state.settings
        return page(
            "obligations/outbox.html",
            messages=outbox.recent(db_session, state=shown if shown in MESSAGE_LABELS else ""),
            counts=outbox.counts(db_session),
            labels=MESSAGE_LABELS,
            state=shown,
            smtp_configured=bool(settings.smtp_host),
            with_links=lambda body: outbox.with_links(body, settings),
        )

    @get("/choices", name="notifications:choices", guards=[login_required], sync_to_thread=True)
    def choices_page(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        saved = service.choices_for(db_session, require_user(request))
        return page(
            "obligations/choices.html",
            values={f"topic_{topic}": delivery for topic, delivery in saved.items()},
            topics=TOPIC_LABELS,
            deliveries=Delivery.choices(),
            errors={},
        )

    @post("/choices", name="notifications:save_choices", guards=[login_required], sync_to_thread=True)
    def save_choices(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        values, _errors = form_values(data)
        try:
            service.save_choices(db_session, require_user(request), _choices(values))
        except Invalid as exc:
            return form_with_errors(
                "obligations/choices.html", exc, values, topics=TOPIC_LABELS, deliveries=Delivery.choices()
            )
        return redirect_with_message(
            request, request.app.route_reverse("notifications:choices"), "Your choices are saved."
        )


def _choices(values: dict[str, Any]) -> ChoicesInput:
    from pydantic import ValidationError

    try:
        return ChoicesInput.from_form(values)
    except ValidationError as exc:
        raise Invalid(
            "Choose one of the options for each topic.",
            errors={f"topic_{err['loc'][-1]}": "Choose one of the options." for err in exc.errors()},
        ) from exc
