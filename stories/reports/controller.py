"""Evaluation report pages: the report for any scope, its CSV, and the printable annual report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlmodel import Session

from creative_minds.accounts.models import Role
from creative_minds.auth import require_user, roles_required
from creative_minds.exceptions import Invalid
from creative_minds.forms import parse_id
from creative_minds.localities import list_localities
from creative_minds.settings import Settings
from creative_minds.views import page
from partners.service import partner_choices
from stories.equality import QUESTIONS
from stories.participants.controller import project_choices
from stories.publishing import service as publishing
from stories.reports import charts
from stories.reports import service as reports
from stories.scores import swemwbs


def _scope(request: Request) -> reports.Scope:
    params = request.query_params

    def number(name: str) -> int | None:
        value = (params.get(name) or "").strip()
        if not value:
            return None
        number = parse_id(value)
        if number is None:
            raise Invalid(
                f"Choose the {name.replace('_id', '')} from the list.", errors={name: "Choose from the list."}
            )
        return number

    def day(name: str) -> date | None:
        value = (params.get(name) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise Invalid("Enter dates like 2027-03-31.", errors={name: "Enter a date like 2027-03-31."}) from exc

    scope = reports.Scope(
        number("project_id"),
        number("partner_id"),
        (params.get("locality") or "").strip()[:32],
        day("date_from"),
        day("date_to"),
    )
    if scope.date_from and scope.date_to and scope.date_to < scope.date_from:
        raise Invalid(
            "The end of the period is before its start.", errors={"date_to": "Choose an end after the start."}
        )
    return scope


def _settings(request: Request) -> tuple[Decimal, int]:
    settings: Settings = request.app.state.settings
    return settings.meaningful_change_points, settings.small_number_threshold


def _names(session: Session, scope: reports.Scope) -> dict[str, str]:
    names: dict[str, str] = {}
    if scope.project_id:
        names["project"] = dict(project_choices(session)).get(scope.project_id, f"project {scope.project_id}")
    if scope.partner_id:
        names["partner"] = dict(partner_choices(session)).get(scope.partner_id, f"partner {scope.partner_id}")
    if scope.locality:
        names["locality"] = next(
            (loc.name for loc in list_localities(session) if loc.slug == scope.locality), scope.locality
        )
    return names


def _charts(evaluation: reports.Evaluation) -> dict[str, Any]:
    if not evaluation.shown:
        return {}
    return {
        "before_after_chart": charts.before_after(
            [p.baseline_metric for p in evaluation.pairs], [p.follow_up_metric for p in evaluation.pairs]
        ),
        "change_chart": charts.changes([p.change for p in evaluation.pairs], evaluation.threshold),
    }


class ReportsController(Controller):
    path = "/reports"
    guards = [roles_required(Role.REPORTER)]

    @get("/evaluation", name="reports:evaluation", sync_to_thread=True)
    def evaluation(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        require_user(request)
        scope = _scope(request)
        threshold, small = _settings(request)
        result = reports.evaluate(db_session, scope, threshold=threshold, small_number=small)
        return page(
            "stories/evaluation.html",
            evaluation=result,
            scope=scope,
            description=scope.describe(_names(db_session, scope)),
            questions=QUESTIONS,
            projects=project_choices(db_session),
            partners=partner_choices(db_session),
            localities=list_localities(db_session),
            attribution=swemwbs.ATTRIBUTION,
            query=request.url.query,
            **_charts(result),
        )

    @get("/evaluation.csv", name="reports:evaluation_csv", sync_to_thread=True)
    def evaluation_csv(self, request: Request, db_session: NamedDependency[Session]) -> Response:
        require_user(request)
        threshold, small = _settings(request)
        result = reports.evaluate(db_session, _scope(request), threshold=threshold, small_number=small)
        if not result.shown:
            raise Invalid(
                f"Fewer than {small} people have paired scores here, so the data is not exported (people could be identified)."
            )
        return Response(
            reports.paired_csv(result),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="paired-wellbeing-scores.csv"'},
        )

    @get("/annual", name="reports:annual", sync_to_thread=True)
    def annual(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        require_user(request)
        raw_year = (request.query_params.get("year") or str(date.today().year)).strip()
        if not (raw_year.isascii() and raw_year.isdecimal()) or not 2000 <= int(raw_year) <= 2100:
            raise Invalid("Choose a year like 2027.", errors={"year": "Enter a year like 2027."})
        year = int(raw_year)
        scope = reports.Scope(date_from=date(year, 1, 1), date_to=date(year, 12, 31))
        threshold, small = _settings(request)
        result = reports.evaluate(db_session, scope, threshold=threshold, small_number=small)
        return page(
            "stories/annual.html",
            year=year,
            evaluation=result,
            questions=QUESTIONS,
            attribution=swemwbs.ATTRIBUTION,
            localities=reports.by_locality(db_session, scope, threshold=threshold, small_number=small),
            stories=publishing.public_stories(db_session)[:6],
            **_charts(result),
        )
