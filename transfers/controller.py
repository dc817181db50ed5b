"""Import pages: choose a kind, download its template, upload a file, read the preview, import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from creative_minds.accounts import invitations
from creative_minds.auth import coordinator_only, require_user
from creative_minds.db import get_or_404
from creative_minds.exceptions import Invalid, NotFound
from creative_minds.transactions import mark_failed
from creative_minds.views import page, redirect_with_message
from transfers import invites, jobs, service
from transfers.importers import IMPORTERS, importer_for
from transfers.models import ImportJob, ImportKind, ImportMode, JobState
from transfers.readers import ReadError, read_table
from transfers.spreadsheets import CSV_TYPE, XLSX_TYPE, csv_bytes, xlsx_bytes

# Larger bodies are refused by Litestar itself (413); below this the app reads the file and says
# plainly when it is over CM_IMPORT_MAX_MB.
HARD_BODY_LIMIT = 120 * 1024 * 1024


@dataclass
class UploadForm:
    file: UploadFile | None = None


def _kind(kind: str) -> ImportKind:
    if kind not in IMPORTERS:
        raise NotFound(f"There is no import of {kind!r}.")
    return ImportKind(kind)


def _max_bytes(request: Request) -> int:
    return request.app.state.settings.import_max_mb * 1024 * 1024


def _upload_page(kind: ImportKind, *, error: str = "", status_code: int = 200) -> Template:
    importer = importer_for(kind.value)
    return page(
        "transfers/upload.html",
        status_code=status_code,
        kind=kind,
        columns=service.template_help(importer),
        error_message=error,
        errors={"file": error} if error else {},
    )


class ImportController(Controller):
    path = "/imports"
    guards = [coordinator_only]
    tags = ["imports"]
    include_in_schema = False

    @get("/", name="imports:index", sync_to_thread=True)
    def index(self, db_session: NamedDependency[Session]) -> Template:
        recent = db_session.exec(select(ImportJob).order_by(col(ImportJob.id).desc()).limit(20)).all()
        return page("transfers/index.html", kinds=list(ImportKind), jobs=recent)

    @get("/{kind:str}", name="imports:kind", sync_to_thread=False)
    def upload_form(self, kind: FromPath[str]) -> Template:
        return _upload_page(_kind(kind))

    @get("/{kind:str}/template.csv", name="imports:template_csv", sync_to_thread=False)
    def template_csv(self, kind: FromPath[str]) -> Response:
        importer = importer_for(_kind(kind).value)
        return Response(
            csv_bytes([service.template_header(importer)]),
            media_type=CSV_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{kind}-template.csv"'},
        )

    @get("/{kind:str}/template.xlsx", name="imports:template_xlsx", sync_to_thread=True)
    def template_xlsx(self, kind: FromPath[str]) -> Response:
        importer = importer_for(_kind(kind).value)
        help_rows = [["Column", "Required?", "Accepts"], *service.template_help(importer)]
        content = xlsx_bytes([(kind.capitalize(), [service.template_header(importer)]), ("How to fill in", help_rows)])
        return Response(
            content,
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{kind}-template.xlsx"'},
        )

    @post("/{kind:str}", name="imports:upload", sync_to_thread=True, request_max_body_size=HARD_BODY_LIMIT)
    def upload(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        kind: FromPath[str],
        data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template | Redirect:
        chosen = _kind(kind)
        user = require_user(request)
        upload = data.file
        if upload is None or not getattr(upload, "filename", ""):
            return mark_failed(_upload_page(chosen, error="Choose a CSV or Excel file to upload.", status_code=422))
        content = upload.file.read(_max_bytes(request) + 1)
        try:
            table = read_table(upload.filename, content, max_bytes=_max_bytes(request))
            service.column_map(importer_for(chosen.value), table)
        except ReadError as exc:
            return mark_failed(_upload_page(chosen, error=str(exc), status_code=422))
        job = jobs.create_job(db_session, kind=chosen.value, filename=upload.filename, content=content, by=user)
        return Redirect(
            request.app.route_reverse("imports:job", job_id=job.id),
            status_code=303,
            background=BackgroundTask(jobs.run_job, request.app.state.engine, job.id, max_bytes=_max_bytes(request)),
        )

    @get("/jobs/{job_id:int}", name="imports:job", sync_to_thread=True)
    def job(self, request: HTMXRequest, db_session: NamedDependency[Session], job_id: FromPath[int]) -> Template:
        job = get_or_404(db_session, ImportJob, job_id, "import")
        context: dict[str, Any] = {
            "job": job,
            "kind": ImportKind(job.kind),
            "outcome": jobs.outcome_of(job),
            "finished": job.state in (JobState.DONE, JobState.FAILED),
            "progress": jobs.progress_of(job),
            "modes": list(ImportMode),
        }
        if request.htmx:
            return page("transfers/_job.html", **context)
        return page("transfers/job.html", **context)

    @post("/jobs/{job_id:int}/import", name="imports:run", sync_to_thread=True)
    def start(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        job_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        job = get_or_404(db_session, ImportJob, job_id, "import")
        try:
            mode = ImportMode(str(data.get("mode", "")))
        except ValueError as exc:
            raise Invalid(
                "Choose whether to save nothing unless every row is right, or to leave out the rows with problems.",
                errors={"mode": "Choose one."},
            ) from exc
        jobs.start_import(db_session, job, mode)
        response = redirect_with_message(request, request.app.route_reverse("imports:job", job_id=job.id), "Importing.")
        response.background = BackgroundTask(
            jobs.run_job, request.app.state.engine, job.id, max_bytes=_max_bytes(request)
        )
        return response

    @post("/jobs/{job_id:int}/invite", name="imports:invite", sync_to_thread=True)
    def invite(self, request: Request, db_session: NamedDependency[Session], job_id: FromPath[int]) -> Redirect:
        """Invite the imported collective members who never signed in and were never invited."""
        job = get_or_404(db_session, ImportJob, job_id, "import")
        if job.kind != ImportKind.MEMBERS or job.preview or job.state != JobState.DONE:
            raise Invalid("Invitations are sent after collective members have been imported.")
        people = invitations.not_yet_invited(db_session, invites.imported_members(db_session))
        days = request.app.state.settings.invite_valid_days
        sent = invitations.invite(db_session, people, by=require_user(request), valid_for=timedelta(days=days))
        back = request.app.route_reverse("imports:job", job_id=job.id)
        if not sent:
            return redirect_with_message(
                request, back, "Every imported member has been invited or has signed in already."
            )
        word = "invitation" if sent == 1 else "invitations"
        return redirect_with_message(request, back, f"{sent} {word} sent: each link works once, for {days} days.")
