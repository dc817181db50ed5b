"""Evaluation report pages: the report for any scope, its CSV, and the printable annual report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Template
from sqlmodel import Session

from creative_minds.accounts.models import Role
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.auth import require_user, roles_required
from creative_minds.exceptions import Invalid
from creative_minds.forms import form_values, parse_id
from creative_minds.localities import list_localities
from creative_minds.settings import Settings
from creative_minds.transactions import mark_failed
from creative_minds.views import page
from partners.service import partner_choices
from stories.equality import QUESTIONS
from stories.participants.controller import project_choices
from stories.publishing import service as publishing
from stories.reports import charts
from stories.reports import service as reports
from stories.scores import swemwbs


def _scope(params: Mapping[str, Any]) -> reports.Scope:
    def text(name: str) -> str:
        value = params.get(name) or ""
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value).strip()

    def number(name: str) -> int | None:
        value = text(name)
        if not value:
            return None
        number = parse_id(value)
        if number is None:
            raise Invalid(
                f"Choose the {name.replace('_id', '')} from the list.", errors={name: "Choose from the list."}
            )
        return number

    year = text("year")
    if year and (not (year.isascii() and year.isdecimal()) or not 2000 <= int(year) <= 2100):
        raise Invalid("Choose a year like 2027.", errors={"year": "Choose a year from the list."})
    mode = text("mode")
    if mode and mode not in reports.PAIR_MODE_LABELS:
        raise Invalid("Choose how the forms were completed from the list.", errors={"mode": "Choose from the list."})
    return reports.Scope(
        number("project_id"), number("partner_id"), text("locality")[:32], int(year) if year else None, mode
    )


def _settings(request: Request) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    return {
        "threshold": settings.meaningful_change_points,
        "small_number": settings.small_number_threshold,
        "window": reports.Window(settings.follow_up_min_weeks, settings.follow_up_max_weeks),
    }


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
    before, after = evaluation.scores()  # numpy arrays of hundredths; the charts only place them in bands
    return {
        "before_after_chart": charts.before_after(before / 100, after / 100),
        "change_chart": charts.changes((after - before) / 100, evaluation.threshold),
    }


def _years() -> list[int]:
    return list(range(date.today().year, 2019, -1))


class ReportsController(Controller):
    path = "/reports"
    guards = [roles_required(Role.REPORTER)]

    def _page(
        self,
        request: Request,
        db_session: Session,
        scope: reports.Scope,
        *,
        status_code: int = 200,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        error_message: str = "",
    ) -> Template:
        user = require_user(request)
        result = reports.evaluate(db_session, scope, by=user, **_settings(request))
        return page(
            "stories/evaluation.html",
            status_code=status_code,
            evaluation=result,
            scope=scope,
            description=scope.describe(_names(db_session, scope)),
            questions=QUESTIONS,
            projects=project_choices(db_session),
            partners=partner_choices(db_session),
            localities=list_localities(db_session),
            years=_years(),
            modes=reports.PAIR_MODE_LABELS,
            reasons=reports.REASON_LABELS,
            question_choices=[("", "The pairs")]
            + [(name, f"The pairs with one answer: {q.label}") for name, q in QUESTIONS.items()],
            attribution=swemwbs.ATTRIBUTION,
            values=values or {},
            errors=errors or {},
            error_message=error_message,
            **_charts(result),
        )

    @get("/evaluation", name="reports:evaluation", sync_to_thread=True)
    def evaluation(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        return self._page(request, db_session, _scope(request.query_params))

    @post("/evaluation.csv", name="reports:evaluation_csv", sync_to_thread=True)
    def evaluation_csv(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Response | Template:
        """The de-identified pairs (or one equality breakdown): the reader says why, and the audit trail
        keeps who, when, what and the reason."""
        user = require_user(request)
        values, _ = form_values(data)
        scope = _scope(values)
        question = str(values.get("question") or "")
        if question and (question not in QUESTIONS or scope.geographic or scope.mode):
            raise Invalid("Choose a breakdown from the report.", errors={"question": "Choose from the report."})
        try:
            why = audit.require_reason(str(values.get("reason") or ""), "downloading this data")
        except Invalid as exc:
            return mark_failed(
                self._page(
                    request,
                    db_session,
                    scope,
                    status_code=422,
                    values=values,
                    errors=exc.errors,
                    error_message=exc.message,
                )
            )
        settings = _settings(request)
        result = reports.evaluate(db_session, scope, by=user, with_breakdowns=bool(question), **settings)
        if not result.shown:
            raise Invalid(
                f"Fewer than {settings['small_number']} people have paired scores here, so the data is not exported "
                "(people could be identified)."
            )
        description = scope.describe(_names(db_session, scope))
        what = f"paired wellbeing scores, {description}"
        if question:
            what += f", by {QUESTIONS[question].label.lower()}"
        audit.record(
            db_session,
            by=user,
            action=AuditAction.EXPORT,
            subject="report",
            label="evaluation CSV",
            detail=f"{what} ({len(result.pairs)} pairs). Reason: {why}",
        )
        body = reports.breakdown_csv(result, question) if question else reports.paired_csv(result)
        name = (
            f"paired-wellbeing-scores-by-{question.replace('_', '-')}.csv"
            if question
            else "paired-wellbeing-scores.csv"
        )
        return Response(
            body,
            media_type="text/csv",
            status_code=200,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get("/annual", name="reports:annual", sync_to_thread=True)
    def annual(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        user = require_user(request)
        raw_year = (request.query_params.get("year") or str(date.today().year)).strip()
        if not (raw_year.isascii() and raw_year.isdecimal()) or not 2000 <= int(raw_year) <= 2100:
            raise Invalid("Choose a year like 2027.", errors={"year": "Enter a year like 2027."})
        year = int(raw_year)
        result = reports.evaluate(db_session, reports.Scope(year=year), by=user, **_settings(request))
        return page(
            "stories/annual.html",
            year=year,
            evaluation=result,
            questions=QUESTIONS,
            modes=reports.PAIR_MODE_LABELS,
            reasons=reports.REASON_LABELS,
            attribution=swemwbs.ATTRIBUTION,
            localities=reports.by_locality(result, list_localities(db_session)),
            stories=publishing.public_stories(db_session)[:6],
            **_charts(result),
        )
