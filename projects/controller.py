"""Project pages: list and search, view, add, edit and change status."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel import Session

from creative_minds.accounts.models import Role, User
from creative_minds.accounts.service import list_users
from creative_minds.auth import current_user, login_required, require_user
from creative_minds.db import StaleEdit
from creative_minds.exceptions import Conflict, Forbidden, Invalid, NotFound
from creative_minds.formatting import format_date, format_time
from creative_minds.forms import form_values, parse_id, validate
from creative_minds.localities import list_localities
from creative_minds.timeutil import today
from creative_minds.views import (
    created,
    form_with_errors,
    page,
    redirect_with_message,
    refused_in_place,
    sent_before,
    stale_form,
)
from partners.service import partner_choices
from projects import service, sessions
from projects.dependencies import FILTERS
from projects.forms import AddSessionInput, CancelSessionInput, MoveSessionInput, ProjectInput
from projects.guards import may_change_project
from projects.models import (
    ACTION_LABELS,
    AGE_GROUP_LABELS,
    CATEGORY_LABELS,
    CONDITION_LABELS,
    FREQUENCY_LABELS,
    STATUS_LABELS,
    WEEKDAY_LABELS,
    Project,
    ProjectStatus,
    SessionChange,
    SessionChangeKind,
)


def parse_project_form(data: dict[str, Any], user: User) -> tuple[dict[str, Any], dict[str, str]]:
    values, errors = form_values(data, ProjectInput)  # a blank cost to attend means free
    if not user.is_coordinator:
        values["partner_id"] = user.partner_id
    return values, errors


def form_choices(db_session: Session, user: User) -> dict[str, Any]:
    return {
        "partners": partner_choices(db_session) if user.is_coordinator else [],
        "localities": [(loc.id, loc.name) for loc in list_localities(db_session)],
        "categories": [(k.value, v) for k, v in CATEGORY_LABELS.items()],
        "age_group_options": [(k.value, v) for k, v in AGE_GROUP_LABELS.items()],
        "conditions": [(k.value, v) for k, v in CONDITION_LABELS.items()],
        "weekdays": [(k.value, v) for k, v in WEEKDAY_LABELS.items()],
        "frequencies": [(k.value, v) for k, v in FREQUENCY_LABELS.items()],
        "champions": [(u.id, u.full_name) for u in list_users(db_session, role=Role.CHAMPION)],
        "is_coordinator": user.is_coordinator,
    }


def project_values(project: Project) -> dict[str, Any]:
    values = project.model_dump()
    values.update(categories=project.categories, age_groups=project.age_groups, champion_ids=project.champion_ids)
    for key in ("starts_at", "ends_at"):
        if values.get(key):
            values[key] = values[key].strftime("%H:%M")
    return values


class ProjectController(Controller):
    path = "/projects"
    guards = [login_required]

    @get("/", name="projects:list", sync_to_thread=True, dependencies=FILTERS)
    def list_projects(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        filters: NamedDependency[service.ProjectFilters],
    ) -> Template:
        user = current_user(request)
        context = {
            "results": service.search_projects(db_session, filters, user=user),
            "filters": filters,
            "params": {k: v for k, v in vars(filters).items() if k != "page"},
            "localities": list_localities(db_session),
            "categories": CATEGORY_LABELS,
            "statuses": STATUS_LABELS,
            "can_add": user is not None and (user.is_coordinator or user.role == Role.PARTNER),
        }
        template = "projects/_results.html" if request.htmx and not request.htmx.boosted else "projects/list.html"
        return page(template, **context)

    @get("/new", name="projects:new", sync_to_thread=True)
    def new_form(
        self, request: Request, db_session: NamedDependency[Session], partner_id: FromQuery[int | None] = None
    ) -> Template:
        user = require_user(request)
        if not (user.is_coordinator or user.role == Role.PARTNER):
            raise Forbidden("Only partner groups and coordinators can add projects.")
        values: dict[str, Any] = {
            "partner_id": partner_id if user.is_coordinator else user.partner_id,
            "frequency": "weekly",
            "condition_focus": "open_to_all",
        }
        return page("projects/new.html", values=values, errors={}, **form_choices(db_session, user))

    @post("/new", name="projects:create", sync_to_thread=True)
    def create(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        user = require_user(request)
        if not (user.is_coordinator or user.role == Role.PARTNER):
            raise Forbidden("Only partner groups and coordinators can add projects.")
        if (again := sent_before(request, db_session, data, fallback="/projects")) is not None:
            return again
        values, errors = parse_project_form(data, user)
        try:
            project = service.create_project(db_session, validate(ProjectInput, values, errors), by=user)
        except Invalid as exc:
            return form_with_errors("projects/new.html", exc, values, **form_choices(db_session, user))
        return created(
            request,
            db_session,
            data,
            request.app.route_reverse("projects:detail", project_id=project.id),
            f"“{project.title}” is saved as a draft. Submit it when you are ready to ask for funding.",
        )

    @get("/{project_id:int}", name="projects:detail", sync_to_thread=True)
    def detail(self, request: Request, db_session: NamedDependency[Session], project_id: FromPath[int]) -> Template:
        user = require_user(request)
        project = service.get_visible_project(db_session, project_id, user)
        champions = [u for u in list_users(db_session, role=Role.CHAMPION) if u.id in set(project.champion_ids)]
        return page(
            "projects/detail.html",
            project=project,
            champions=champions,
            can_edit=service.can_edit(user, project),
            moves=[(s.value, ACTION_LABELS[s]) for s in service.allowed_moves(project, user)],
        )

    @get("/{project_id:int}/edit", name="projects:edit", sync_to_thread=True)
    def edit_form(self, request: Request, db_session: NamedDependency[Session], project_id: FromPath[int]) -> Template:
        user = require_user(request)
        project = service.get_project(db_session, project_id)
        service.check_can_edit(user, project)
        return page(
            "projects/edit.html",
            project=project,
            values=project_values(project),
            errors={},
            **form_choices(db_session, user),
        )

    @post("/{project_id:int}/edit", name="projects:update", guards=[may_change_project], sync_to_thread=True)
    def update(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        project_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        project = service.get_project(db_session, project_id)
        service.check_can_edit(user, project)
        values, errors = parse_project_form(data, user)
        try:
            service.update_project(
                db_session,
                project,
                validate(ProjectInput, values, errors),
                by=user,
                expected_version=parse_id(str(values.get("version") or "")),
            )
        except StaleEdit as exc:
            return stale_form(
                "projects/edit.html",
                exc,
                values,
                project_values(exc.current),
                project=project,
                **form_choices(db_session, user),
            )
        except Invalid as exc:
            return form_with_errors(
                "projects/edit.html", exc, values, project=project, **form_choices(db_session, user)
            )
        except Conflict as exc:  # funded or closed since the form was opened: what was typed stays in view
            return form_with_errors(
                "projects/edit.html",
                refused_in_place(exc),
                values,
                status_code=409,
                project=project,
                **form_choices(db_session, user),
            )
        return redirect_with_message(
            request, request.app.route_reverse("projects:detail", project_id=project.id), "Your changes are saved."
        )

    @post("/{project_id:int}/status", name="projects:status", guards=[may_change_project], sync_to_thread=True)
    def change_status(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        project_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        user = require_user(request)
        project = service.get_project(db_session, project_id)
        raw = str(data.get("status") or "")
        if raw not in set(ProjectStatus):
            raise Invalid("Choose a status from the buttons on the project page.", errors={"status": "Unknown status."})
        service.change_status(db_session, project, ProjectStatus(raw), by=user)
        return redirect_with_message(
            request,
            request.app.route_reverse("projects:detail", project_id=project.id),
            f"“{project.title}” is now {project.status_label.lower()}.",
        )

    # Single sessions: cancel, move, add, undo (projects/sessions.py) -------------------------------

    @get("/{project_id:int}/sessions", name="projects:sessions", guards=[may_change_project], sync_to_thread=True)
    def sessions_page(
        self, request: Request, db_session: NamedDependency[Session], project_id: FromPath[int]
    ) -> Template:
        project = service.get_project(db_session, project_id)
        service.check_can_edit(require_user(request), project)
        return page("projects/sessions.html", **_sessions_context(db_session, project))

    @post(
        "/{project_id:int}/sessions/{action:str}",
        name="projects:session_change",
        guards=[may_change_project],
        sync_to_thread=True,
    )
    def change_session(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        project_id: FromPath[int],
        action: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Cancel a session, move one, or add an extra one: each form's fields carry its name as a prefix."""
        user = require_user(request)
        project = service.get_project(db_session, project_id)
        service.check_can_edit(user, project)
        if action not in SESSION_FORMS:
            raise NotFound("There is no such change to a session: cancel, move or add.")
        model, act = SESSION_FORMS[action]
        prefix = action + "_"
        raw = {k.removeprefix(prefix): v for k, v in data.items() if k.startswith(prefix)}
        values, errors = form_values(raw, model)
        try:
            change = act(db_session, project, validate(model, values, errors), by=user)
        except (Invalid, Conflict) as exc:
            status = 409 if isinstance(exc, Conflict) else 422
            shown = Invalid(exc.message, errors={prefix + k: v for k, v in (exc.errors or {}).items()})
            context = _sessions_context(db_session, project)
            for key in ("values", "errors", "failed"):
                context.pop(key)
            return form_with_errors(
                "projects/sessions.html",
                shown,
                {prefix + k: v for k, v in values.items()},
                status_code=status,
                failed=action,
                **context,
            )
        return redirect_with_message(
            request,
            request.app.route_reverse("projects:sessions", project_id=project.id),
            _saved_message(change),
        )

    @post(
        "/{project_id:int}/sessions/{change_id:int}/undo",
        name="projects:session_undo",
        guards=[may_change_project],
        sync_to_thread=True,
    )
    def undo_session_change(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        project_id: FromPath[int],
        change_id: FromPath[int],
    ) -> Redirect:
        user = require_user(request)
        project = service.get_project(db_session, project_id)
        service.check_can_edit(user, project)
        change = sessions.undo_change(db_session, project, change_id, by=user)
        day = change.original_date or change.session_date
        message = (
            f"Undone: the extra session on {day:%A} {format_date(day)} is taken off."
            if change.kind == SessionChangeKind.ADDED
            else f"Undone: the session on {day:%A} {format_date(day)} is on as usual."
        )
        return redirect_with_message(
            request, request.app.route_reverse("projects:sessions", project_id=project.id), message
        )


SESSION_FORMS: dict[str, tuple[type[Any], Any]] = {
    "cancel": (CancelSessionInput, sessions.cancel_session),
    "move": (MoveSessionInput, sessions.move_session),
    "add": (AddSessionInput, sessions.add_session),
}


def _sessions_context(db_session: Session, project: Project) -> dict[str, Any]:
    now = today()
    changes = sessions.list_changes(db_session, project.id, since=now)
    return {
        "project": project,
        "upcoming": sessions.upcoming(project, changes, count=12),
        "changes": changes,
        # A cancelled or moved session whose day the schedule no longer has (the day or dates were edited).
        "off_schedule": {
            c.id
            for c in changes
            if c.original_date is not None and not sessions.is_session_day(project, c.original_date)
        },
        "values": {},
        "errors": {},
        "failed": None,
    }


def _saved_message(change: SessionChange) -> str:
    if change.kind == SessionChangeKind.CANCELLED:
        day = change.original_date
        return f"Saved: the session on {day:%A} {format_date(day)} is cancelled."
    day = change.session_date
    when = f"{day:%A} {format_date(day)}, {format_time(change.starts_at)}"
    if change.kind == SessionChangeKind.MOVED:
        return f"Saved: the session on {change.original_date:%A} {format_date(change.original_date)} moves to {when}."
    return f"Saved: an extra session on {when}."
