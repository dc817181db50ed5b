"""Open Referral UK 3.0 read-only API: other directories and social prescribing tools can read our activities."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlmodel import Session, col, select

from activities import openreferral
from activities.search import ActivityFilters, Found, find_activities, with_categories
from creative_minds.exceptions import NotFound
from partners.models import Partner, PartnerStatus
from projects.models import ProjectAgeGroup

OPEN = {"Access-Control-Allow-Origin": "*"}


def _json(data: Any) -> Response:
    return Response(data, media_type="application/json", headers=OPEN)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _age_groups(session: Session, ids: list[int]) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(ProjectAgeGroup.project_id, ProjectAgeGroup.age_group)
            .where(col(ProjectAgeGroup.project_id).in_(ids[start:start + 500])).order_by(ProjectAgeGroup.age_group)
        )
        for project_id, group in rows:
            groups[project_id].append(group)
    return groups


def _partners(session: Session, ids: set[int]) -> dict[int, Partner]:
    return {p.id: p for p in session.exec(select(Partner).where(col(Partner.id).in_(ids)))} if ids else {}


def _services(session: Session, found: list[Found], base_url: str) -> list[dict[str, Any]]:
    with_categories(session, found)
    ages = _age_groups(session, [f.project.id for f in found])
    partners = _partners(session, {f.project.partner_id for f in found})
    result = []
    for f in found:
        partner = partners[f.project.partner_id]
        data = openreferral.service(f.project, base_url=base_url, age_groups=ages[f.project.id], website=partner.website)
        data["organization"]["description"] = partner.description or partner.kind_label
        result.append(data)
    return result


class OpenReferralController(Controller):
    path = "/openreferral"
    tags = ["open referral"]

    @get("/", name="oruk:root", sync_to_thread=False)
    def root(self, request: Request) -> Response:
        """Which standard this API follows."""
        return _json({"version": openreferral.VERSION, "profile": openreferral.PROFILE, "openapi_url": f"{_base(request)}/schema/openapi.json"})

    @get("/services", name="oruk:services", sync_to_thread=True)
    def services(
        self, request: Request, db_session: NamedDependency[Session],
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
        per_page: Annotated[int, QueryParameter(name="per_page", ge=1, le=100)] = 50,
    ) -> Response:
        """Running activities as HSDS-UK services, fully nested, in pages."""
        found = find_activities(db_session, ActivityFilters())
        chosen = found[(page_number - 1) * per_page: page_number * per_page]
        contents = _services(db_session, chosen, _base(request))
        return _json(openreferral.page(contents, total=len(found), number=page_number, size=per_page))

    @get("/services/{service_id:str}", name="oruk:service", sync_to_thread=True)
    def service(self, request: Request, db_session: NamedDependency[Session], service_id: FromPath[str]) -> Response:
        """One service with its organisation, locations, schedules, costs and attributes."""
        found = find_activities(db_session, ActivityFilters())
        match = [f for f in found if openreferral.stable_id("service", f.project.id) == service_id.lower()]
        if not match:
            raise NotFound("There is no running activity with this service id.")
        return _json(_services(db_session, match, _base(request))[0])

    @get("/organizations", name="oruk:organizations", sync_to_thread=True)
    def organizations(
        self, db_session: NamedDependency[Session],
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
        per_page: Annotated[int, QueryParameter(name="per_page", ge=1, le=100)] = 50,
    ) -> Response:
        """Approved partner groups as HSDS-UK organizations."""
        partners = list(db_session.exec(select(Partner).where(Partner.status == PartnerStatus.APPROVED).order_by(Partner.name, Partner.id)))
        chosen = partners[(page_number - 1) * per_page: page_number * per_page]
        contents = [
            openreferral.organization(p.id, p.name, p.description or p.kind_label, p.contact_email, p.website) for p in chosen
        ]
        return _json(openreferral.page(contents, total=len(partners), number=page_number, size=per_page))
