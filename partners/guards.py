"""Who may change a partner's details, checked before the form or JSON body is read."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from creative_minds.accounts.models import Role
from creative_minds.auth import require_user


async def may_change_partner(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Coordinators, and the partner's own users for their own group."""
    user = require_user(connection)
    if user.is_coordinator:
        return
    if user.role != Role.PARTNER or user.partner_id != connection.path_params.get("partner_id"):
        raise PermissionDeniedException("Only this group's own users and coordinators can change it.")
