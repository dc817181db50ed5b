"""Downloads for coordinators: the partner, project and ledger lists (CSV and .xlsx, with the list's
filters) and the awards as 360Giving open data (JSON and flat CSV).

Collective members (constituency, lived experience) and connections (people using services) are
special-category data: they are POST forms asking why, and the reason goes into the audit trail
with who, when and how many rows, like the members' involvement and evaluation CSVs."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Template
from sqlmodel import Session

from collectives.membership.service import MemberFilters
from connections.funnel import FunnelScope
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.auth import coordinator_only, require_user
from creative_minds.exceptions import Invalid
from creative_minds.forms import form_values, parse_date_or_none, parse_id
from creative_minds.transactions import mark_failed
from creative_minds.views import page
from partners.dependencies import FILTERS as PARTNER_FILTERS
from partners.service import PartnerFilters
from projects.dependencies import FILTERS as PROJECT_FILTERS
from projects.service import ProjectFilters
from transfers import exports, threesixtygiving
from transfers.spreadsheets import CSV_TYPE, XLSX_TYPE, csv_bytes, xlsx_bytes


def _download(name: str, rows: list[list[Any]], fmt: str) -> Response:
    stamp = date.today().isoformat()
    if fmt == "xlsx":
        return Response(
            xlsx_bytes([(name.capitalize(), rows)]),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.xlsx"'},
        )
    return Response(
        csv_bytes(rows),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'},
    )


def _grants(request: Request, db_session: Session) -> list[dict[str, Any]]:
    settings = request.app.state.settings
    return threesixtygiving.grants(
        db_session,
        prefix=settings.threesixtygiving_prefix,
        funder_id=settings.funder_org_id,
        funder_name="Creative Minds",
    )


def _text(values: dict[str, Any], name: str) -> str:
    raw = values.get(name)
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    return str(raw or "").strip()


def _connection_scope(values: dict[str, Any]) -> FunnelScope:
    """The funnel page's filters, sent back as hidden fields; a value that is not one means "all"."""
    return FunnelScope(
        project_id=parse_id(_text(values, "activity")),
        partner_id=parse_id(_text(values, "partner")),
        locality_id=parse_id(_text(values, "locality")),
        date_from=parse_date_or_none(_text(values, "date_from")),
        date_to=parse_date_or_none(_text(values, "date_to")),
    )


SENSITIVE = {
    # what: (file name, audit subject, audit label, words for "Say why you are ...", filter field names)
    "members": ("members", "member constituency", "collective members list", "downloading members' details",
                ("locality", "constituency", "status", "access")),
    "connections": ("connections", "connection", "connections list", "downloading connections",
                    ("activity", "partner", "locality", "date_from", "date_to")),
}  # fmt: skip


def _sensitive_download(
    request: Request, db_session: Session, data: dict[str, Any], what: str, fmt: str
) -> Response | Template:
    name, subject, label, doing, fields = SENSITIVE[what]
    values, _ = form_values(data)
    user = require_user(request)
    try:
        why = audit.require_reason(_text(values, "reason"), doing)
    except Invalid as exc:
        return mark_failed(
            page(
                "transfers/export_reason.html",
                status_code=422,
                what=what,
                fmt=fmt,
                hidden={field: _text(values, field) for field in fields},
                values={"reason": _text(values, "reason")[:500]},
                errors=exc.errors,
                error_message=exc.message,
            )
        )
    if what == "members":
        filters = MemberFilters.from_values(values)
        rows = exports.member_rows(db_session, filters, by=user)
        described = filters.describe()
    else:
        scope = _connection_scope(values)
        rows = exports.connection_rows(db_session, scope, by=user)
        described = ", ".join(f"{k}={v}" for k, v in vars(scope).items() if v is not None) or "none"
    count = len(rows) - 1
    audit.record(
        db_session,
        by=user,
        action=AuditAction.EXPORT,
        subject=subject,
        label=f"{label} ({fmt})",
        detail=f"{count} row{'' if count == 1 else 's'}. Filters: {described}. Reason: {why}",
    )
    return _download(name, rows, fmt)


class ExportController(Controller):
    path = "/exports"
    guards = [coordinator_only]
    include_in_schema = False

    @get("/partners.csv", name="exports:partners_csv", dependencies=PARTNER_FILTERS, sync_to_thread=True)
    def partners_csv(
        self, request: Request, db_session: NamedDependency[Session], filters: NamedDependency[PartnerFilters]
    ) -> Response:
        return _download("partners", exports.partner_rows(db_session, filters, by=require_user(request)), "csv")

    @get("/partners.xlsx", name="exports:partners_xlsx", dependencies=PARTNER_FILTERS, sync_to_thread=True)
    def partners_xlsx(
        self, request: Request, db_session: NamedDependency[Session], filters: NamedDependency[PartnerFilters]
    ) -> Response:
        return _download("partners", exports.partner_rows(db_session, filters, by=require_user(request)), "xlsx")

    @get("/projects.csv", name="exports:projects_csv", dependencies=PROJECT_FILTERS, sync_to_thread=True)
    def projects_csv(
        self, request: Request, db_session: NamedDependency[Session], filters: NamedDependency[ProjectFilters]
    ) -> Response:
        return _download("projects", exports.project_rows(db_session, filters, by=require_user(request)), "csv")

    @get("/projects.xlsx", name="exports:projects_xlsx", dependencies=PROJECT_FILTERS, sync_to_thread=True)
    def projects_xlsx(
        self, request: Request, db_session: NamedDependency[Session], filters: NamedDependency[ProjectFilters]
    ) -> Response:
        return _download("projects", exports.project_rows(db_session, filters, by=require_user(request)), "xlsx")

    @post("/members.csv", name="exports:members_csv", sync_to_thread=True, status_code=200)
    def members_csv(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Response | Template:
        return _sensitive_download(request, db_session, data, "members", "csv")

    @post("/members.xlsx", name="exports:members_xlsx", sync_to_thread=True, status_code=200)
    def members_xlsx(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Response | Template:
        return _sensitive_download(request, db_session, data, "members", "xlsx")

    @post("/connections.csv", name="exports:connections_csv", sync_to_thread=True, status_code=200)
    def connections_csv(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Response | Template:
        return _sensitive_download(request, db_session, data, "connections", "csv")

    @post("/connections.xlsx", name="exports:connections_xlsx", sync_to_thread=True, status_code=200)
    def connections_xlsx(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Response | Template:
        return _sensitive_download(request, db_session, data, "connections", "xlsx")

    @get("/applications.csv", name="exports:applications_csv", sync_to_thread=True)
    def applications_csv(
        self, request: Request, db_session: NamedDependency[Session], round_id: FromQuery[str] = ""
    ) -> Response:
        rows = exports.application_rows(db_session, by=require_user(request), round_id=parse_id(round_id))
        return _download("applications", rows, "csv")

    @get("/applications.xlsx", name="exports:applications_xlsx", sync_to_thread=True)
    def applications_xlsx(
        self, request: Request, db_session: NamedDependency[Session], round_id: FromQuery[str] = ""
    ) -> Response:
        rows = exports.application_rows(db_session, by=require_user(request), round_id=parse_id(round_id))
        return _download("applications", rows, "xlsx")

    @get("/ledger.csv", name="exports:ledger_csv", sync_to_thread=True)
    def ledger_csv(
        self, request: Request, db_session: NamedDependency[Session], locality_id: FromQuery[str] = ""
    ) -> Response:
        rows = exports.ledger_rows(db_session, by=require_user(request), locality_id=parse_id(locality_id))
        return _download("ledger", rows, "csv")

    @get("/ledger.xlsx", name="exports:ledger_xlsx", sync_to_thread=True)
    def ledger_xlsx(
        self, request: Request, db_session: NamedDependency[Session], locality_id: FromQuery[str] = ""
    ) -> Response:
        rows = exports.ledger_rows(db_session, by=require_user(request), locality_id=parse_id(locality_id))
        return _download("ledger", rows, "xlsx")

    @get("/360giving.json", name="exports:360giving_json", sync_to_thread=True)
    def threesixty_json(self, request: Request, db_session: NamedDependency[Session]) -> Response:
        data = threesixtygiving.package(_grants(request, db_session), publisher="Creative Minds")
        return Response(
            json.dumps(data, ensure_ascii=False, indent=1).encode(),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="creative-minds-360giving.json"'},
        )

    @get("/360giving.csv", name="exports:360giving_csv", sync_to_thread=True)
    def threesixty_csv(self, request: Request, db_session: NamedDependency[Session]) -> Response:
        rows = threesixtygiving.flat_rows(_grants(request, db_session))
        return _download("creative-minds-360giving", rows, "csv")
