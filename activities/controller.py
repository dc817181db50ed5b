"""Activity pages (open to everyone): find on a map and in a list, one activity, a printable sheet, feeds."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import astuple
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from markupsafe import Markup
from sqlmodel import Session

from activities import feeds
from activities.geocode import Place, locate
from activities.ical import fast_calendar
from activities.mapview import ASSETS_CSS, ASSETS_JS, map_shell, marker_data
from activities.search import (
    LIST_PAGE_SIZE,
    RADII_MILES,
    TIMES_OF_DAY,
    ActivityFilters,
    find_activities,
    get_activity,
    search,
    with_sessions,
)
from connections.service import intake_of, too_long_ago
from creative_minds.cache import data_version
from creative_minds.db import MAX_ID
from creative_minds.exceptions import Invalid, NotFound
from creative_minds.forms import parse_id
from creative_minds.geo import ATTRIBUTION
from creative_minds.localities import list_localities
from creative_minds.postcodes import PostcodeError
from creative_minds.settings import Settings
from creative_minds.timeutil import today
from creative_minds.views import page, render
from projects import sessions
from projects.models import AGE_GROUP_LABELS, CATEGORY_LABELS, CONDITION_LABELS, WEEKDAY_LABELS
from projects.service import can_edit


def _place(settings: Settings, filters: ActivityFilters) -> tuple[Place | None, str | None]:
    if not filters.postcode:
        return None, None
    try:
        return locate(
            filters.postcode, lookup_url=settings.postcode_lookup_url, timeout=settings.postcode_lookup_timeout
        ), None
    except PostcodeError as exc:
        return None, str(exc)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _ids(raw: list[str] | None) -> list[int]:
    values = raw or []
    if len(values) > 100:
        raise Invalid("A shortlist can hold up to 100 activities.")
    ids = [parse_id(v) for v in values]
    if None in ids:
        raise Invalid("The shortlist link is not right: activity numbers must be whole numbers.")
    return [i for i in ids if i is not None]


def _picked(raw: list[str]) -> list[int]:
    """The shortlist carried through filters and pages (ids only; nothing personal)."""
    ids: list[int] = []
    for value in raw[:100]:
        if value.isdigit() and 0 < int(value) <= MAX_ID and int(value) not in ids:
            ids.append(int(value))
    return ids


class ActivitiesController(Controller):
    path = "/activities"

    @get("/", name="activities:find", sync_to_thread=True)
    def find(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        page_number: Annotated[int, QueryParameter(name="page", ge=1)] = 1,
    ) -> Response:
        settings: Settings = request.app.state.settings
        filters = ActivityFilters.from_query(request.query_params)
        near, postcode_error = _place(settings, filters)
        picked = _picked(request.query_params.getall("pick", []))
        token = data_version(db_session)
        where = (near.latitude, near.longitude, near.label) if near else None
        # today(): "not confirmed for 3 months" moves on with the calendar, not only with the data.
        key = (
            ("finder", token, astuple(filters), page_number, tuple(picked), where, postcode_error, today())
            if token
            else None
        )

        def results() -> tuple[str, int]:
            found = search(db_session, filters, near=near, page_number=page_number, page_size=LIST_PAGE_SIZE)
            with_sessions(db_session, found.listed)
            params = filters.as_params()
            context: dict[str, Any] = {
                "filters": filters,
                "total": found.total,
                "listed": found.listed,
                "near": near,
                "postcode_error": postcode_error,
                "markers": marker_data(found.markers, (near.latitude, near.longitude) if near else None),
                "page_number": found.page_number,
                "pages": found.pages,
                "page_size": LIST_PAGE_SIZE,
                "query": urlencode(params),
                "params": params,
                "picked": picked,
            }
            return render(request, "activities/_results.html", context), found.total

        html, total = request.app.state.page_cache.get_or_make(key, results)
        if request.htmx and not request.htmx.boosted:
            return Response(html, media_type=MediaType.HTML)
        return page(
            "activities/find.html",
            results=Markup(html),
            total=total,
            filters=filters,
            picked=picked,
            localities=list_localities(db_session),
            categories=CATEGORY_LABELS,
            weekdays=WEEKDAY_LABELS,
            times_of_day=TIMES_OF_DAY,
            age_groups=AGE_GROUP_LABELS,
            focuses=CONDITION_LABELS,
            radii=RADII_MILES,
            assets_js=ASSETS_JS,
            assets_css=ASSETS_CSS,
            map=map_shell(settings.tile_url, settings.tile_attribution),
            attribution=ATTRIBUTION,
        )

    @get("/{project_id:int}/popup", name="activities:popup", sync_to_thread=True)
    def popup(
        self,
        db_session: NamedDependency[Session],
        project_id: FromPath[int],
        miles: Annotated[float | None, QueryParameter(ge=0, le=1000)] = None,
    ) -> Template:
        """What a map marker shows when opened (fetched then, so the page carries only positions)."""
        found = find_activities(db_session, ActivityFilters(), ids=[project_id]) if 0 < project_id <= MAX_ID else []
        if not found:
            raise NotFound("This activity is not running now, or the link is wrong.")
        with_sessions(db_session, found)
        return page("activities/_popup.html", p=found[0].project, miles=miles)

    @get("/{project_id:int}", name="activities:detail", sync_to_thread=True)
    def detail(self, request: Request, db_session: NamedDependency[Session], project_id: FromPath[int]) -> Template:
        settings: Settings = request.app.state.settings
        project = get_activity(db_session, project_id)
        if project is None:
            raise NotFound("This activity is not running now, or the link is wrong.")
        intake = intake_of(db_session, project.id)
        # Last confirmed running: the partner's one-click confirmation, or the last edit of the listing.
        confirmed = max(filter(None, (intake.confirmed_on, project.updated_at.date())))
        changes = sessions.list_changes(db_session, project.id, since=today())
        return page(
            "activities/detail.html",
            project=project,
            upcoming=sessions.upcoming(project, changes),
            can_change_sessions=can_edit(request.scope.get("user"), project),
            intake=intake,
            confirmed_on=confirmed,
            checked_days_ago=(today() - confirmed).days,
            stale=too_long_ago(confirmed),
            tile_url=settings.tile_url,
            tile_attribution=settings.tile_attribution,
        )

    @get("/sheet", name="activities:sheet", sync_to_thread=True)
    def sheet(
        self, db_session: NamedDependency[Session], ids: Annotated[list[str] | None, QueryParameter(name="id")] = None
    ) -> Template:
        chosen = _ids(ids)
        found = with_sessions(db_session, find_activities(db_session, ActivityFilters(), ids=chosen)) if chosen else []
        order = {pid: i for i, pid in enumerate(chosen)}
        projects = sorted((f.project for f in found), key=lambda p: order[p.id])
        return page("activities/sheet.html", projects=projects, missing=len(set(chosen)) - len(projects))

    @get("/{project_id:int}/calendar.ics", name="activities:ics_one", sync_to_thread=True)
    def ics_one(self, request: Request, db_session: NamedDependency[Session], project_id: FromPath[int]) -> Response:
        project = get_activity(db_session, project_id)
        if project is None:
            raise NotFound("This activity is not running now, or the link is wrong.")
        changes = sessions.changes_for(db_session, [project.id]) if project.id else {}
        body = fast_calendar([project], name=project.title, base_url=_base_url(request), changes=changes)
        return _calendar_response(body, f"activity-{project.id}.ics")

    @get("/calendar.ics", name="activities:ics_search", sync_to_thread=True)
    def ics_search(self, request: Request, db_session: NamedDependency[Session]) -> Response:
        cache, base = request.app.state.page_cache, _base_url(request)
        body, encoding = _feed(
            request,
            db_session,
            "ics",
            lambda filters, near, key: feeds.calendar_feed(
                db_session, filters, near, name="Creative Minds activities", base_url=base, cache=cache, key=key
            ),
        )
        return _calendar_response(body, "activities.ics", encoding=_encoded(encoding))

    @get("/map.geojson", name="activities:geojson", sync_to_thread=True)
    def geojson(self, request: Request, db_session: NamedDependency[Session]) -> Response:
        cache, base = request.app.state.page_cache, _base_url(request)
        body, encoding = _feed(
            request,
            db_session,
            "geojson",
            lambda filters, near, key: feeds.geojson_feed(
                db_session, filters, near, base_url=base, cache=cache, key=key
            ),
        )
        return Response(
            body, media_type="application/geo+json", headers={"Access-Control-Allow-Origin": "*", **_encoded(encoding)}
        )


# A feed is megabytes of repetitive text: sent gzipped to a client that accepts it (browsers, httpx),
# and kept gzipped too. Level 1 gives a twelfth of the bytes (10,000 activities: 4.6 MB to 0.36 MB)
# for about 15 ms of one core; higher levels save little more and cost two to four times the time.
# Only the feeds (open data, no secrets and nothing a visitor typed echoed back) are compressed.
GZIP_LEVEL = 1


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (named, or `*`, with a q above 0)."""
    for part in header.lower().split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if name not in ("gzip", "*"):
            continue
        weight = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            return float(weight) > 0
        except ValueError:
            return False
    return False


def _encoded(encoding: str | None) -> dict[str, str]:
    vary = {"Vary": "Accept-Encoding"}
    return {"Content-Encoding": encoding, **vary} if encoding else vary


def _feed(
    request: Request,
    db_session: Session,
    kind: str,
    build: Callable[[ActivityFilters, Place | None, tuple | None], bytes],
) -> tuple[bytes, str | None]:
    """A feed of the finder's search, kept until the data changes (and each activity's piece of it,
    under the key given to `build`): a postcode that cannot be used is a 422, not a silent 'anywhere'.
    Gzipped (and so kept) when the client accepts it; returns the body and its encoding."""
    settings: Settings = request.app.state.settings
    filters = ActivityFilters.from_query(request.query_params)
    near, error = _place(settings, filters)
    if error:
        raise Invalid(error, errors={"postcode": error})
    token = data_version(db_session)
    where = (near.latitude, near.longitude) if near else None
    key = (kind, token, astuple(filters), where, _base_url(request), today()) if token else None
    pieces = (kind + " piece", token, _base_url(request), today()) if token else None
    cache = request.app.state.page_cache
    if not accepts_gzip(request.headers.get("accept-encoding", "")):
        return cache.get_or_make(key, lambda: build(filters, near, pieces)), None
    zipped = (*key, "gzip") if key else None
    return cache.get_or_make(
        zipped,
        lambda: gzip.compress(cache.get_or_make(key, lambda: build(filters, near, pieces)), GZIP_LEVEL, mtime=0),
    ), "gzip"


def _calendar_response(body: bytes, filename: str, *, encoding: dict[str, str] | None = None) -> Response:
    return Response(
        body,
        media_type="text/calendar",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Access-Control-Allow-Origin": "*",
            **(encoding or {}),
        },
    )
