"""Involvement pages: a member's own record and choices; meetings and yearly totals for coordinators."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from collectives.involvement import service as involvement
from collectives.involvement.forms import ExpenseInput, MeetingInput, PaymentChoiceInput
from collectives.membership import service as membership
from collectives.membership.models import CONSTITUENCY_LABELS, PAYMENT_LABELS, PaymentChoice
from creative_minds.accounts.models import User
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.auth import coordinator_only, login_required, require_user
from creative_minds.exceptions import Forbidden, Invalid
from creative_minds.forms import form_values, parse_id, validate
from creative_minds.localities import list_localities
from creative_minds.money import format_pence_exact
from creative_minds.transactions import mark_failed
from creative_minds.views import created, form_with_errors, page, redirect_with_message, sent_before


def _record_context(db_session: Session, user_id: int, viewer: User) -> dict[str, Any]:
    record = involvement.member_record(db_session, user_id, by=viewer)
    return {
        "record": record,
        "is_self": viewer.id == user_id,
        "payment_labels": PAYMENT_LABELS,
        "payment_choices": PaymentChoice.choices(),
        "constituency_labels": CONSTITUENCY_LABELS,
        "benefits_note": involvement.BENEFITS_NOTE,
        "year_label": involvement.year_label,
        "meeting_choices": [
            (m.id, f"{m.held_on.day} {m.held_on:%B %Y}: {m.title}") for m in record.meetings_to_claim_for
        ],
        "values": {"payment_choice": record.membership.payment_choice},
        "errors": {},
    }


def _meetings_context(db_session: Session, locality_id: int | None) -> dict[str, Any]:
    localities = list_localities(db_session)
    chosen = next((loc for loc in localities if loc.id == locality_id), None)
    return {
        "localities": [(loc.id, loc.name) for loc in localities],
        "locality": chosen,
        "members": membership.members(db_session, chosen.id) if chosen else [],
        "meetings": involvement.list_meetings(db_session),
        "payment_labels": PAYMENT_LABELS,
    }


def _check_year(year: int) -> None:
    if not involvement.FIRST_YEAR <= year <= involvement.LAST_YEAR:
        raise Invalid(f"Choose a year from {involvement.FIRST_YEAR} to {involvement.LAST_YEAR}.")


class InvolvementController(Controller):
    path = "/collectives"
    guards = [login_required]

    @get("/involvement", name="involvement:mine", sync_to_thread=True)
    def mine(self, request: Request, db_session: NamedDependency[Session]) -> Template | Redirect:
        user = require_user(request)
        if user.is_coordinator:  # coordinators see everyone's, year by year
            return Redirect("/collectives/involvement/years", status_code=303)
        if not involvement.is_member(db_session, user):
            raise Forbidden("This page is for members of a collective: it records the time they give.")
        return page("collectives/involvement.html", **_record_context(db_session, user.id, user))

    @get("/involvement/members/{user_id:int}", name="involvement:member", sync_to_thread=True)
    def member(self, request: Request, db_session: NamedDependency[Session], user_id: FromPath[int]) -> Template:
        return page("collectives/involvement.html", **_record_context(db_session, user_id, require_user(request)))

    @post("/involvement/members/{user_id:int}/payment-choice", name="involvement:payment_choice", sync_to_thread=True)
    def payment_choice(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        user_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        viewer = require_user(request)
        values, errors = form_values(data)
        try:
            choice = validate(PaymentChoiceInput, values, errors).payment_choice
            involvement.set_payment_choice(db_session, user_id, choice, by=viewer)
        except Invalid as exc:
            context = _record_context(db_session, user_id, viewer)
            context.update(errors=exc.errors, error_message=exc.message)
            return page("collectives/involvement.html", status_code=422, **context)
        return redirect_with_message(
            request, self._back(viewer, user_id, "#payment"), f"Payment choice saved: {PAYMENT_LABELS[choice]}."
        )

    @post("/involvement/members/{user_id:int}/expenses", name="involvement:claim", sync_to_thread=True)
    def claim(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        user_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        if (again := sent_before(request, db_session, data, fallback="/collectives/involvement")) is not None:
            return again
        viewer = require_user(request)
        values, errors = form_values(data, ExpenseInput)
        try:
            claim = involvement.claim_expense(db_session, user_id, validate(ExpenseInput, values, errors), by=viewer)
        except Invalid as exc:
            context = _record_context(db_session, user_id, viewer)
            context.update(errors=exc.errors, error_message=exc.message, values=values)
            return page("collectives/involvement.html", status_code=422, **context)
        return created(
            request,
            db_session,
            data,
            self._back(viewer, user_id, "#expenses"),
            f"Expense of {format_pence_exact(claim.amount_pence)} recorded.",
        )

    @staticmethod
    def _back(viewer: User, user_id: int, anchor: str) -> str:
        if viewer.id == user_id:
            return "/collectives/involvement" + anchor
        return f"/collectives/involvement/members/{user_id}{anchor}"

    @get("/involvement/years", name="involvement:totals", guards=[coordinator_only], sync_to_thread=True)
    def totals(
        self, request: Request, db_session: NamedDependency[Session], year: FromQuery[int | None] = None
    ) -> Template:
        return self._totals_page(request, db_session, year or involvement.current_year())

    @staticmethod
    def _totals_page(
        request: Request,
        db_session: Session,
        year: int,
        *,
        values: dict[str, Any] | None = None,
        error: Invalid | None = None,
    ) -> Template:
        _check_year(year)
        rows, grand = involvement.year_totals(db_session, year, by=require_user(request))
        current = involvement.current_year()
        return page(
            "collectives/involvement_totals.html",
            year=year,
            year_label=involvement.year_label,
            years=list(range(current, current - 6, -1)),
            rows=rows,
            grand=grand,
            values=values or {},
            errors=error.errors if error else {},
            error_message=error.message if error else None,
            status_code=422 if error else 200,
        )

    @post(
        "/involvement/years/{year:int}/totals.csv",
        name="involvement:totals_csv",
        guards=[coordinator_only],
        sync_to_thread=True,
        status_code=200,
    )
    def totals_csv(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        year: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response | Template:
        """Names, constituencies and payments: the coordinator says why, and the audit trail keeps it."""
        _check_year(year)
        values, _ = form_values(data)
        try:
            why = audit.require_reason(str(values.get("reason") or ""), "downloading members' details")
        except Invalid as exc:
            return mark_failed(self._totals_page(request, db_session, year, values=values, error=exc))
        user = require_user(request)
        rows, grand = involvement.year_totals(db_session, year, by=user)
        audit.record(
            db_session,
            by=user,
            action=AuditAction.EXPORT,
            subject="member constituency",
            label=f"members' involvement {involvement.year_label(year)}",
            detail=f"{len(rows)} members. Reason: {why}",
        )
        return Response(
            involvement.totals_csv(rows, grand, year),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="involvement-{year}-{year + 1}.csv"'},
        )

    @get("/meetings", name="involvement:meetings", guards=[coordinator_only], sync_to_thread=True)
    def meetings(self, db_session: NamedDependency[Session], locality_id: FromQuery[int | None] = None) -> Template:
        return page(
            "collectives/meetings.html",
            values={"locality_id": locality_id},
            errors={},
            **_meetings_context(db_session, locality_id),
        )

    @post("/meetings", name="involvement:record_meeting", guards=[coordinator_only], sync_to_thread=True)
    def record_meeting(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        if (again := sent_before(request, db_session, data, fallback="/collectives/meetings")) is not None:
            return again
        values, errors = form_values(data, MeetingInput)
        try:
            meeting = involvement.record_meeting(
                db_session, validate(MeetingInput, values, errors), by=require_user(request)
            )
        except Invalid as exc:
            context = _meetings_context(db_session, parse_id(str(values.get("locality_id") or "")))
            return form_with_errors("collectives/meetings.html", exc, values, **context)
        count = len(meeting.attendances)
        return created(
            request,
            db_session,
            data,
            f"/collectives/meetings?locality_id={meeting.locality_id}",
            f"Meeting recorded with {count} member{'' if count == 1 else 's'} attending.",
        )
