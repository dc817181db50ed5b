"""The home page: what the network is, and each role's next steps."""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlmodel import Session

from creative_minds.accounts.models import User
from creative_minds.auth import current_user
from creative_minds.views import page


class HomeController(Controller):
    path = "/"

    @get("/", name="home")
    async def home(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        user = current_user(request)
        if user is None:  # signed out: nothing to read, so no trip to a worker thread
            return page("home.html", account=None)
        return page("home.html", **await anyio.to_thread.run_sync(_signed_in, db_session, user))


def _signed_in(db_session: Session, user: User) -> dict[str, Any]:
    """What a signed-in person's home page shows from the database."""
    from obligations.service import needs_you_now

    context: dict[str, Any] = {"account": user, "needs": needs_you_now(db_session, user)}
    if user.is_coordinator:
        from partners.service import count_awaiting_approval
        from projects.service import count_by_status

        context["awaiting"] = count_awaiting_approval(db_session)
        context["project_counts"] = count_by_status(db_session)
    if user.partner_id:
        from partners.service import get_partner
        from projects.service import projects_of_partner

        context["partner"] = get_partner(db_session, user.partner_id)
        context["my_projects"] = projects_of_partner(db_session, user.partner_id, user=user)
    return context
