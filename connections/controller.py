"""Connection pages: champions record connections, partners record attendance, everyone reads the funnel."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from connections import service
from connections.forms import AttendanceInput, ConnectionInput, IntakeInput, RegisterInput, SourceInput
from connections.funnel import STAGE_LABELS, STAGES, FunnelScope, funnel
from connections.models import ContactPreference, HowConnected, Intake, StopReason
from creative_minds import once
from creative_minds.accounts.models import Role
from creative_minds.auth import coordinator_only, login_required, require_user, roles_required
from creative_minds.exceptions import Invalid
from creative_minds.forms import form_values, parse_date_or_none, parse_id, validate
from creative_minds.localities import list_localities
from creative_minds.settings import Settings
from creative_minds.timeutil import today
from creative_minds.views import form_with_errors, page, redirect_with_message
from partners.models import Partner
from projects.models import Project, ProjectStatus
from stories.equality import QUESTIONS

champions = roles_required(Role.CHAMPION)
partners = roles_required(Role.PARTNER)
people_who_see_connections = roles_required(Role.CHAMPION, Role.PARTNER)


def _activity_choices(session: Session) -> list[tuple[int, str]]:
    rows = session.exec(
        select(Project.id, Project.title).where(Project.status == ProjectStatus.ACTIVE).order_by(Project.title)
    )
    return [(pid, title) for pid, title in rows]  # type: ignore[misc]


def _connection_form(session: Session, values: dict[str, Any], activity: Project | None) -> dict[str, Any]:
    intake = service.intake_of(session, activity.id) if activity and activity.id else None
    return {
        "values": values,
        "activity": activity,
        "intake": intake,
        "activities": _activity_choices(session),
        "sources": [(s.id, s.name) for s in service.list_sources(session)],
        "hows": HowConnected.choices(),
        "contact_preferences": ContactPreference.choices(),
    }


def _attendance_context(connection) -> dict[str, Any]:
    return {"connection": connection, "stop_reasons": StopReason.choices(), "today": today()}


def _activity_context(session: Session, project: Project, user) -> dict[str, Any]:
    return {
        "project": project,
        "intake": service.intake_of(session, project.id),
        "unconfirmed": service.unconfirmed(service.intake_of(session, project.id)),
        "intakes": Intake.choices(),
        "connections": service.read_activity_connections(session, project, by=user),
        "registers": service.registers(session, project.id, by=user),
        "values": {"held_on": today().isoformat()},
        "errors": {},
    }


class ConnectionsController(Controller):
    path = "/connections"
    guards = [login_required]

    @get("/", name="connections:list", guards=[people_who_see_connections], sync_to_thread=True)
    def list_connections(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    ) -> Template:
        user = require_user(request)
        found = service.read_connections(db_session, by=user, page=page_number)
        activities = service.partner_activities(db_session, by=user) if user.can.record_attendance else []
        nudges = [c for c in found.items if service.needs_nudge(c)]
        elsewhere = service.count_nudges(db_session, by=user) - len(nudges) if user.can.connect_people else 0
        return page(
            "connections/list.html",
            connections=found.items,
            found=found,
            nudges=nudges,
            nudges_elsewhere=elsewhere,
            activities=activities,
            unconfirmed=service.unconfirmed,
            intake_labels=Intake.labels(),
        )

    @get("/new", name="connections:new", guards=[champions], sync_to_thread=True)
    def new_form(self, db_session: NamedDependency[Session], activity: FromQuery[str] = "") -> Template:
        project_id = parse_id(activity)
        project = db_session.get(Project, project_id) if project_id else None
        if project is not None and project.status != ProjectStatus.ACTIVE:
            project = None
        values: dict[str, Any] = {
            "project_id": project.id if project else None,
            "connected_on": today().isoformat(),
        }
        return page("connections/form.html", errors={}, **_connection_form(db_session, values, project))

    @post("/new", name="connections:create", guards=[champions], sync_to_thread=True)
    def create(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        values, errors = form_values(data, ConnectionInput)
        project_id = parse_id(str(values.get("project_id") or ""))
        project = db_session.get(Project, project_id) if project_id else None
        try:
            data_in = validate(ConnectionInput, values, errors)
            # The form's one-time token (creative_minds/once.py), claimed with the connection it makes.
            data_in = data_in.model_copy(update={"form_key": once.token_from(data)})
            connection, created = service.record_connection(db_session, data_in, by=require_user(request))
        except Invalid as exc:
            return form_with_errors("connections/form.html", exc, **_connection_form(db_session, values, project))
        code = connection.participant.code
        if not created:
            message = f"This connection was already saved (for {code}); nothing new was added."
        elif connection.waiting_list:
            message = f"{code} is on the waiting list for {connection.project.title}. Give them their code."
        else:
            message = f"Connection saved for {code}. Give them their code; the group will record when they come."
        return redirect_with_message(request, f"/connections/{connection.id}", message)

    @get("/{connection_id:int}", name="connections:detail", guards=[people_who_see_connections], sync_to_thread=True)
    def detail(self, request: Request, db_session: NamedDependency[Session], connection_id: FromPath[int]) -> Template:
        connection = service.read_connection(db_session, connection_id, by=require_user(request))
        return page("connections/detail.html", values={}, errors={}, **_attendance_context(connection))

    @post("/{connection_id:int}/attendance", name="connections:attendance", guards=[partners], sync_to_thread=True)
    def attendance(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        connection_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        connection = service.get_connection(db_session, connection_id, by=user)
        values, errors = form_values(data, AttendanceInput)
        try:
            service.record_attendance(db_session, connection.id, validate(AttendanceInput, values, errors), by=user)
        except Invalid as exc:
            return form_with_errors("connections/detail.html", exc, values, **_attendance_context(connection))
        return redirect_with_message(
            request,
            f"/connections/{connection.id}",
            f"Saved: {connection.participant.code} – {connection.stage_label}.",
        )

    @get("/activities/{project_id:int}", name="connections:activity", guards=[partners], sync_to_thread=True)
    def activity(self, request: Request, db_session: NamedDependency[Session], project_id: FromPath[int]) -> Template:
        user = require_user(request)
        project = service.get_activity_for_partner(db_session, project_id, by=user)
        return page("connections/activity.html", **_activity_context(db_session, project, user))

    @post("/activities/{project_id:int}/intake", name="connections:intake", guards=[partners], sync_to_thread=True)
    def intake(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        project_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        project = service.get_activity_for_partner(db_session, project_id, by=user)
        values, errors = form_values(data)
        try:
            row = service.set_intake(db_session, project.id, validate(IntakeInput, values, errors).intake, by=user)
        except Invalid as exc:
            context = _activity_context(db_session, project, user)
            context.pop("values"), context.pop("errors")
            return form_with_errors("connections/activity.html", exc, values, **context)
        return redirect_with_message(
            request, f"/connections/activities/{project.id}", f"Saved: {Intake(row.intake).label}."
        )

    @post("/activities/{project_id:int}/confirm", name="connections:confirm", guards=[partners], sync_to_thread=True)
    def confirm(self, request: Request, db_session: NamedDependency[Session], project_id: FromPath[int]) -> Redirect:
        project = service.get_activity_for_partner(db_session, project_id, by=require_user(request))
        service.confirm_running(db_session, project.id, by=require_user(request))
        return redirect_with_message(
            request,
            f"/connections/activities/{project.id}",
            f"Thank you: {project.title} is confirmed as running today.",
        )

    @post("/activities/{project_id:int}/register", name="connections:register", guards=[partners], sync_to_thread=True)
    def register(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        project_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        project = service.get_activity_for_partner(db_session, project_id, by=user)
        values, errors = form_values(data, RegisterInput)
        try:
            register = service.record_register(db_session, project.id, validate(RegisterInput, values, errors), by=user)
        except Invalid as exc:
            context = _activity_context(db_session, project, user)
            context.pop("values"), context.pop("errors")
            return form_with_errors("connections/activity.html", exc, values, **context)
        return redirect_with_message(
            request,
            f"/connections/activities/{project.id}",
            f"Register saved for {register.held_on:%d/%m/%Y}: {register.headcount} came.",
        )

    @get("/sources", name="connections:sources", guards=[coordinator_only], sync_to_thread=True)
    def sources(self, db_session: NamedDependency[Session]) -> Template:
        return page(
            "connections/sources.html",
            sources=service.list_sources(db_session, active_only=False),
            values={},
            errors={},
        )

    @post("/sources", name="connections:source_add", guards=[coordinator_only], sync_to_thread=True)
    def add_source(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        values, errors = form_values(data)
        try:
            source = service.add_source(db_session, validate(SourceInput, values, errors), by=require_user(request))
        except Invalid as exc:
            return form_with_errors(
                "connections/sources.html", exc, values, sources=service.list_sources(db_session, active_only=False)
            )
        return redirect_with_message(request, "/connections/sources", f"{source.name} is on the list.")

    @post(
        "/sources/{source_id:int}/active",
        name="connections:source_active",
        guards=[coordinator_only],
        sync_to_thread=True,
    )
    def source_active(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        source_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        values, _ = form_values(data)
        active = str(values.get("active") or "") == "yes"
        source = service.set_source_active(db_session, source_id, active, by=require_user(request))
        word = "back on the list" if active else "no longer offered (past connections keep it)"
        return redirect_with_message(request, "/connections/sources", f"{source.name} is {word}.")

    @get("/funnel", name="connections:funnel", sync_to_thread=True)
    def funnel_page(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        activity: FromQuery[str] = "",
        partner: FromQuery[str] = "",
        locality: FromQuery[str] = "",
        date_from: FromQuery[str] = "",
        date_to: FromQuery[str] = "",
    ) -> Template:
        user = require_user(request)
        settings: Settings = request.app.state.settings
        scope = FunnelScope(
            project_id=parse_id(activity),
            partner_id=parse_id(partner),
            locality_id=parse_id(locality),
            date_from=parse_date_or_none(date_from),
            date_to=parse_date_or_none(date_to),
        )
        result = funnel(
            db_session, scope, small_number=settings.small_number_threshold, exact=user.can.see_exact_funnel
        )
        return page(
            "connections/funnel.html",
            funnel=result,
            stages=STAGES,
            stage_labels=STAGE_LABELS,
            question_count=len(QUESTIONS),
            localities=list_localities(db_session),
            partners=list(db_session.exec(select(Partner.id, Partner.name).order_by(col(Partner.name)))),
            activities=_activity_choices(db_session),
            can_export=user.is_coordinator,
            query={
                "activity": activity,
                "partner": partner,
                "locality": locality,
                "date_from": date_from,
                "date_to": date_to,
            },
        )
