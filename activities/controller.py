"""Activity pages (open to everyone): find on a map and in a list, one activity, a printable sheet, feeds."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from activities import geojson
from activities.geocode import Place, locate
from activities.ical import calendar_for
from activities.mapview import ASSETS_CSS, ASSETS_JS, build_map
from activities.search import LIST_PAGE_SIZE, RADII_MILES, TIMES_OF_DAY, ActivityFilters, Found, find_activities, get_activity, with_categories
from creative_minds.exceptions import Invalid, NotFound
from creative_minds.geo import ATTRIBUTION
from creative_minds.localities import list_localities
from creative_minds.postcodes import PostcodeError
from creative_minds.settings import Settings
from creative_minds.timeutil import today
from creative_minds.views import page
from projects.models import AGE_GROUP_LABELS, CATEGORY_LABELS, CONDITION_LABELS, WEEKDAY_LABELS

STALE_AFTER_DAYS = 183


def _place(settings: Settings, filters: ActivityFilters) -> tuple[Place | None, str | None]:
    if not filters.postcode:
        return None, None
    try:
        return locate(filters.postcode, lookup_url=settings.postcode_lookup_url, timeout=settings.postcode_lookup_timeout), None
    except PostcodeError as exc:
        return None, str(exc)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _ids(raw: list[str] | None) -> list[int]:
    values = raw or []
    if len(values) > 100:
        raise Invalid("A shortlist can hold up to 100 activities.")
    try:
        return [int(v) for v in values]
    except ValueError as exc:
        raise Invalid("The shortlist link is not right: activity numbers must be whole numbers.") from exc


class ActivitiesController(Controller):
    path = "/activities"

    @get("/", name="activities:find", sync_to_thread=True)
    def find(self, request: HTMXRequest, db_session: NamedDependency[Session], page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1) -> Template:
        settings: Settings = request.app.state.settings
        filters = ActivityFilters.from_query(request.query_params)
        near, postcode_error = _place(settings, filters)
        found = find_activities(db_session, filters, near=near)
        pages = max(1, -(-len(found) // LIST_PAGE_SIZE))
        page_number = min(page_number, pages)
        listed = found[(page_number - 1) * LIST_PAGE_SIZE: page_number * LIST_PAGE_SIZE]
        rendered = build_map(
            found, tile_url=settings.tile_url, tile_attribution=settings.tile_attribution,
            near=(near.latitude, near.longitude) if near else None,
        )
        params = filters.as_params()
        context: dict[str, Any] = {
            "filters": filters, "found": found, "listed": listed, "near": near, "postcode_error": postcode_error,
            "map": rendered, "page_number": page_number, "pages": pages, "page_size": LIST_PAGE_SIZE,
            "query": urlencode(params), "params": params, "attribution": ATTRIBUTION,
        }
        if request.htmx and not request.htmx.boosted:
            return page("activities/_results.html", **context)
        context.update(
            localities=list_localities(db_session), categories=CATEGORY_LABELS, weekdays=WEEKDAY_LABELS,
            times_of_day=TIMES_OF_DAY, age_groups=AGE_GROUP_LABELS, focuses=CONDITION_LABELS, radii=RADII_MILES,
            assets_js=ASSETS_JS, assets_css=ASSETS_CSS,
        )
        return page("activities/find.html", **context)

    @get("/{project_id:int}", name="activities:detail", sync_to_thread=True)
    def detail(self, db_session: NamedDependency[Session], project_id: FromPath[int]) -> Template:
        project = get_activity(db_session, project_id)
        if project is None:
            raise NotFound("This activity is not running now, or the link is wrong.")
        age = (today() - project.updated_at.date()).days
        return page("activities/detail.html", project=project, checked_days_ago=age, stale=age > STALE_AFTER_DAYS)

    @get("/sheet", name="activities:sheet", sync_to_thread=True)
    def sheet(self, db_session: NamedDependency[Session], ids: Annotated[list[str] | None, QueryParameter(name="id")] = None) -> Template:
        chosen = _ids(ids)
        found = find_activities(db_session, ActivityFilters(), ids=chosen) if chosen else []
        order = {pid: i for i, pid in enumerate(chosen)}
        projects = sorted((f.project for f in found), key=lambda p: order[p.id])
        return page("activities/sheet.html", projects=projects, missing=len(set(chosen)) - len(projects))

    @get("/{project_id:int}/calendar.ics", name="activities:ics_one", sync_to_thread=True)
    def ics_one(self, request: Request, db_session: NamedDependency[Session], project_id: FromPath[int]) -> Response:
        project = get_activity(db_session, project_id)
        if project is None:
            raise NotFound("This activity is not running now, or the link is wrong.")
        body = calendar_for([project], name=project.title, base_url=_base_url(request))
        return _calendar_response(body, f"activity-{project.id}.ics")

    @get("/calendar.ics", name="activities:ics_search", sync_to_thread=True)
    def ics_search(self, request: Request, db_session: NamedDependency[Session]) -> Response:
        found = _feed_search(request, db_session)
        body = calendar_for([f.project for f in found], name="Creative Minds activities", base_url=_base_url(request))
        return _calendar_response(body, "activities.ics")

    @get("/map.geojson", name="activities:geojson", sync_to_thread=True)
    def geojson(self, request: Request, db_session: NamedDependency[Session]) -> Response:
        found = with_categories(db_session, _feed_search(request, db_session))
        return Response(
            geojson.feature_collection(found, base_url=_base_url(request)), media_type="application/geo+json",
            headers={"Access-Control-Allow-Origin": "*"},
        )


def _feed_search(request: Request, db_session: Session) -> list[Found]:
    """The finder's search for a feed: a postcode that cannot be used is a 422, not a silent 'anywhere'."""
    settings: Settings = request.app.state.settings
    filters = ActivityFilters.from_query(request.query_params)
    near, error = _place(settings, filters)
    if error:
        raise Invalid(error, errors={"postcode": error})
    return find_activities(db_session, filters, near=near)


def _calendar_response(body: bytes, filename: str) -> Response:
    return Response(
        body, media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Access-Control-Allow-Origin": "*"},
    )
