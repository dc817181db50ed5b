"""Downloads for coordinators: the partner, project and ledger lists (CSV and .xlsx, with the list's
filters) and the awards as 360Giving open data (JSON and flat CSV)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from sqlmodel import Session

from creative_minds.auth import coordinator_only, require_user
from creative_minds.forms import parse_id
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
