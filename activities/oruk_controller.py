"""Open Referral UK 3.0 read-only API: other directories and social prescribing tools can read our activities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlmodel import Session, col, select

from activities import openreferral
from activities.search import SHOWN_STATUSES, ActivityFilters, Found, activity_page, find_activities, with_categories
from creative_minds.cache import data_version
from creative_minds.exceptions import NotFound
from creative_minds.timeutil import today
from partners.models import Partner, PartnerStatus
from projects.models import Project, ProjectAgeGroup
from projects.sessions import changes_for

OPEN = {"Access-Control-Allow-Origin": "*"}


def _json(data: Any) -> Response:
    return Response(data, media_type="application/json", headers=OPEN)


def _kept(request: Request, db_session: Session, key: tuple, make: Callable[[], Any]) -> Response:
    """A JSON answer kept until the data changes (creative_minds/cache.py)."""
    token = data_version(db_session)
    body = request.app.state.page_cache.get_or_make(
        # today(): past cancellations and extra sessions drop out of the schedules as days pass.
        (*key, token, _base(request), today()) if token else None,
        lambda: msgspec.json.encode(make()),
    )
    return Response(body, media_type="application/json", headers=OPEN)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _age_groups(session: Session, ids: list[int]) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(ProjectAgeGroup.project_id, ProjectAgeGroup.age_group)
            .where(col(ProjectAgeGroup.project_id).in_(ids[start : start + 500]))
            .order_by(ProjectAgeGroup.age_group)
        )
        for project_id, group in rows:
            groups[project_id].append(group)
    return groups


def _partners(session: Session, ids: set[int]) -> dict[int, Partner]:
    return {p.id: p for p in session.exec(select(Partner).where(col(Partner.id).in_(ids)))} if ids else {}  # type: ignore[misc]


def _services(session: Session, found: list[Found], base_url: str) -> list[dict[str, Any]]:
    with_categories(session, found)
    ages = _age_groups(session, [f.project.id for f in found])
    changes = changes_for(session, [f.project.id for f in found])
    partners = _partners(session, {f.project.partner_id for f in found})
    result = []
    for f in found:
        partner = partners[f.project.partner_id]
        data = openreferral.service(
            f.project,
            base_url=base_url,
            age_groups=ages[f.project.id],
            website=partner.website,
            changes=changes.get(f.project.id, []),
        )
        data["organization"]["description"] = partner.description or partner.kind_label
        result.append(data)
    return result


class OpenReferralController(Controller):
    path = "/openreferral"
    tags = ["open referral"]

    @get("/", name="oruk:root", sync_to_thread=False)
    def root(self, request: Request) -> Response:
        """Which standard this API follows."""
        return _json(
            {
                "version": openreferral.VERSION,
                "profile": openreferral.PROFILE,
                "openapi_url": f"{_base(request)}/schema/openapi.json",
            }
        )

    @get("/services", name="oruk:services", sync_to_thread=True)
    def services(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
        per_page: Annotated[int, QueryParameter(name="per_page", ge=1, le=100)] = 50,
    ) -> Response:
        """Running activities as HSDS-UK services, fully nested, in pages."""

        def make() -> dict[str, Any]:
            total, chosen = activity_page(db_session, number=page_number, size=per_page)
            contents = _services(db_session, chosen, _base(request))
            return openreferral.page(contents, total=total, number=page_number, size=per_page)

        return _kept(request, db_session, ("oruk:services", page_number, per_page), make)

    @get("/services/{service_id:str}", name="oruk:service", sync_to_thread=True)
    def service(self, request: Request, db_session: NamedDependency[Session], service_id: FromPath[str]) -> Response:
        """One service with its organisation, locations, schedules, costs and attributes."""
        wanted = service_id.lower()[:100]

        def make() -> dict[str, Any]:
            running = db_session.execute(select(Project.id).where(col(Project.status).in_(SHOWN_STATUSES)))
            ids = [pid for (pid,) in running if openreferral.stable_id("service", pid) == wanted]
            match = find_activities(db_session, ActivityFilters(), ids=ids) if ids else []
            if not match:
                raise NotFound("There is no running activity with this service id.")
            return _services(db_session, match, _base(request))[0]

        return _kept(request, db_session, ("oruk:service", wanted), make)

    @get("/organizations", name="oruk:organizations", sync_to_thread=True)
    def organizations(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
        per_page: Annotated[int, QueryParameter(name="per_page", ge=1, le=100)] = 50,
    ) -> Response:
        """Approved partner groups as HSDS-UK organizations."""

        def make() -> dict[str, Any]:
            partners = list(
                db_session.exec(
                    select(Partner).where(Partner.status == PartnerStatus.APPROVED).order_by(Partner.name, Partner.id)
                )
            )
            chosen = partners[(page_number - 1) * per_page : page_number * per_page]
            contents = [
                openreferral.organization(p.id, p.name, p.description or p.kind_label, p.contact_email, p.website)
                for p in chosen
            ]
            return openreferral.page(contents, total=len(partners), number=page_number, size=per_page)

        return _kept(request, db_session, ("oruk:organizations", page_number, per_page), make)
