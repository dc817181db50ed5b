"""The audit trail page, for coordinators."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template
from sqlmodel import Session

from creative_minds.audit import service
from creative_minds.audit.models import AuditAction
from creative_minds.auth import coordinator_only, require_user
from creative_minds.forms import parse_date_or_none
from creative_minds.views import page


class AuditController(Controller):
    path = "/audit"
    guards = [coordinator_only]

    @get("/", name="audit:trail", sync_to_thread=True)
    def trail(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        person: FromQuery[str] = "",
        action: FromQuery[str] = "",
        subject: FromQuery[str] = "",
        code: FromQuery[str] = "",
        after: FromQuery[str] = "",
        before: FromQuery[str] = "",
        page_number: Annotated[int, QueryParameter(name="page", ge=1, le=1_000_000)] = 1,
    ) -> Template:
        filters = service.TrailFilter(
            person=person.strip()[:120],
            action=action if action in set(AuditAction) else "",
            subject=subject.strip()[:32],
            subject_label=code.strip()[:120],
            on_or_after=parse_date_or_none(after),
            on_or_before=parse_date_or_none(before),
        )
        found = service.trail(db_session, filters, page=page_number, by=require_user(request))
        return page(
            "audit/trail.html",
            found=found,
            filters={
                "person": person,
                "action": filters.action,
                "subject": subject,
                "code": code,
                "after": after,
                "before": before,
            },
            actions=AuditAction.labels(),
            today=date.today(),
        )
