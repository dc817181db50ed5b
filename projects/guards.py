"""Who may change a project, checked before its form or JSON body is read.

Someone who may not change a project gets 403 whatever they send: a body that would not validate
must not tell them more (400/422) than a valid one would.
"""

from __future__ import annotations

import anyio
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import Engine
from sqlmodel import Session

from creative_minds.auth import require_user
from creative_minds.db import MAX_ID
from projects import service
from projects.models import Project


def _project(engine: Engine, project_id: int) -> Project | None:
    with Session(engine) as session:
        project = session.get(Project, project_id) if 0 < project_id <= MAX_ID else None
        if project is not None:
            session.expunge(project)
        return project


async def may_change_project(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Coordinators and the project's own partner pass; an unknown project is left to the handler's 404."""
    user = require_user(connection)
    if user.is_coordinator:
        return
    project_id = connection.path_params.get("project_id")
    project = await anyio.to_thread.run_sync(_project, connection.app.state.engine, project_id)
    if project is not None and not service.can_edit(user, project):
        raise PermissionDeniedException("Only the partner that runs this project and coordinators can change it.")
