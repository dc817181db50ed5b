"""JSON API for projects (documented in the OpenAPI schema at /schema). Money is in whole pence."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody
from sqlmodel import Session

from creative_minds.accounts.models import Role
from creative_minds.auth import login_required, require_user, roles_required
from creative_minds.forms import parse_id
from projects import service
from projects.dependencies import FILTERS
from projects.forms import ProjectInput, ProjectList, ProjectOut, StatusChange
from projects.guards import may_change_project


class ProjectApiController(Controller):
    path = "/api/projects"
    guards = [login_required]
    tags = ["projects"]

    @get("/", name="api:projects:list", sync_to_thread=True, dependencies=FILTERS)
    def list_projects(
        self, request: Request, db_session: NamedDependency[Session], filters: NamedDependency[service.ProjectFilters]
    ) -> ProjectList:
        """Projects matching the filters, 25 per page. Drafts are visible only to their partner and coordinators."""
        found = service.search_projects(db_session, filters, user=require_user(request))
        return ProjectList(
            total=found.total, page=found.page, pages=found.pages, items=[ProjectOut.of(p) for p in found.items]
        )

    @get("/{project_id:int}", name="api:projects:detail", sync_to_thread=True)
    def get_project(
        self, request: Request, db_session: NamedDependency[Session], project_id: FromPath[int]
    ) -> ProjectOut:
        return ProjectOut.of(service.get_visible_project(db_session, project_id, require_user(request)))

    @post("/", name="api:projects:create", guards=[roles_required(Role.PARTNER)], sync_to_thread=True)
    def create_project(
        self, request: Request, db_session: NamedDependency[Session], data: JSONBody[ProjectInput]
    ) -> ProjectOut:
        """Add a project (as a draft). Partner users may only add projects for their own partner."""
        project = service.create_project(db_session, data, by=require_user(request))
        return ProjectOut.of(service.get_project(db_session, project.id))

    @put("/{project_id:int}", name="api:projects:update", guards=[may_change_project], sync_to_thread=True)
    def update_project(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        project_id: FromPath[int],
        data: JSONBody[ProjectInput],
        if_match: Annotated[
            str | None,
            HeaderParameter(
                name="If-Match", description="The version you last read; a newer one on the server answers 409"
            ),
        ] = None,
    ) -> ProjectOut:
        user = require_user(request)
        project = service.get_project(db_session, project_id)
        service.update_project(db_session, project, data, by=user, expected_version=parse_id(if_match))
        return ProjectOut.of(service.get_project(db_session, project.id))

    @post(
        "/{project_id:int}/status",
        name="api:projects:status",
        guards=[may_change_project],
        sync_to_thread=True,
        status_code=200,
    )
    def change_status(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        project_id: FromPath[int],
        data: JSONBody[StatusChange],
    ) -> ProjectOut:
        """Move a project along its lifecycle; invalid moves get 409, moves reserved for coordinators 403."""
        user = require_user(request)
        project = service.get_project(db_session, project_id)
        return ProjectOut.of(service.change_status(db_session, project, data.status, by=user))
