"""JSON API for partners (documented in the OpenAPI schema at /schema)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody
from sqlmodel import Session

from creative_minds.auth import coordinator_only, login_required, require_user
from creative_minds.forms import parse_id
from partners import service
from partners.dependencies import FILTERS
from partners.forms import PartnerDetails, PartnerInput, PartnerList, PartnerOut
from partners.guards import may_change_partner


class PartnerApiController(Controller):
    path = "/api/partners"
    guards = [login_required]
    tags = ["partners"]

    @get("/", name="api:partners:list", sync_to_thread=True, dependencies=FILTERS)
    def list_partners(
        self, request: Request, db_session: NamedDependency[Session], filters: NamedDependency[service.PartnerFilters]
    ) -> PartnerList:
        """Partners matching the filters, 25 per page. Only coordinators see partners that are not approved."""
        found = service.search_partners(db_session, filters, user=require_user(request))
        return PartnerList(
            total=found.total, page=found.page, pages=found.pages, items=[PartnerOut.of(p) for p in found.items]
        )

    @get("/{partner_id:int}", name="api:partners:detail", sync_to_thread=True)
    def get_partner(
        self, request: Request, db_session: NamedDependency[Session], partner_id: FromPath[int]
    ) -> PartnerOut:
        return PartnerOut.of(service.get_visible_partner(db_session, partner_id, require_user(request)))

    @post("/", name="api:partners:create", guards=[coordinator_only], sync_to_thread=True)
    def create_partner(
        self, request: Request, db_session: NamedDependency[Session], data: JSONBody[PartnerInput]
    ) -> PartnerOut:
        """Add an approved partner (coordinators only)."""
        partner = service.create_partner(db_session, data, by=require_user(request))
        return PartnerOut.of(service.get_partner(db_session, partner.id))

    @put("/{partner_id:int}", name="api:partners:update", guards=[may_change_partner], sync_to_thread=True)
    def update_partner(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        partner_id: FromPath[int],
        data: JSONBody[PartnerInput],
        if_match: Annotated[
            str | None,
            HeaderParameter(
                name="If-Match", description="The version you last read; a newer one on the server answers 409"
            ),
        ] = None,
    ) -> PartnerOut:
        """Replace a partner's details. A partner's own users may do this; only coordinators change the agreement."""
        user = require_user(request)
        partner = service.get_partner(db_session, partner_id)
        service.check_can_edit(user, partner)
        details: PartnerDetails = data if user.is_coordinator else PartnerDetails.model_validate(data.model_dump())
        return PartnerOut.of(
            service.update_partner(db_session, partner, details, by=user, expected_version=parse_id(if_match))
        )

    @post(
        "/{partner_id:int}/approve",
        name="api:partners:approve",
        guards=[coordinator_only],
        sync_to_thread=True,
        status_code=200,
    )
    def approve(self, request: Request, db_session: NamedDependency[Session], partner_id: FromPath[int]) -> PartnerOut:
        partner = service.get_partner(db_session, partner_id)
        return PartnerOut.of(service.approve_partner(db_session, partner, by=require_user(request)))

    @post(
        "/{partner_id:int}/archive",
        name="api:partners:archive",
        guards=[coordinator_only],
        sync_to_thread=True,
        status_code=200,
    )
    def archive(self, request: Request, db_session: NamedDependency[Session], partner_id: FromPath[int]) -> PartnerOut:
        partner = service.get_partner(db_session, partner_id)
        return PartnerOut.of(service.archive_partner(db_session, partner, by=require_user(request)))
