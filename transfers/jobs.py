"""Import jobs: the upload is kept in the database and any app instance (or the command line's
worker) runs it, so a long import never holds a request open.

Claiming is one conditional UPDATE (`WHERE state = 'waiting' OR the lease ran out`): on PostgreSQL
and SQLite alike only one claimer's UPDATE matches the row, so two instances never run the same job.
A worker that dies leaves its job claimed until the lease ends; then another takes it over. Progress
is written in its own short transactions; the records and the job's final state are committed
together, so a job that says "done" has saved its rows and one that failed has saved nothing.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, or_, update
from sqlmodel import Session, col, select

from creative_minds.accounts.models import User
from creative_minds.db import session_scope
from creative_minds.exceptions import Conflict, DomainError
from creative_minds.timeutil import utcnow
from transfers.importers import importer_for
from transfers.models import ImportJob, ImportMode, JobState
from transfers.readers import ReadError, read_table
from transfers.service import ImportRefused, Outcome, preview, run_import

LEASE = timedelta(minutes=5)
log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def create_job(session: Session, *, kind: str, filename: str, content: bytes, by: User) -> ImportJob:
    job = ImportJob(
        kind=kind,
        mode=ImportMode.SKIP_BAD_ROWS.value,
        filename=filename[:200],
        content=content,
        created_by_id=by.id,
    )
    session.add(job)
    session.flush()
    return job


PURGED = (
    "The uploaded file was deleted some days after it was checked (the report stays). Upload it again to import it."
)


def start_import(session: Session, job: ImportJob, mode: ImportMode) -> None:
    """After the preview: import for real, in the chosen mode."""
    ready = (job.state == JobState.DONE and job.preview) or (job.state == JobState.FAILED and not job.preview)
    if job.purged_at is not None:
        raise Conflict(PURGED)
    if not ready:
        if job.state == JobState.DONE:
            raise Conflict("This file has been imported already. Upload it again to import it again.")
        raise Conflict("This file is not ready to import: wait for its preview first.")
    # One conditional UPDATE: if the daily purge deleted the file a moment ago, this matches nothing.
    started = session.execute(
        update(ImportJob)
        .where(col(ImportJob.id) == job.id, col(ImportJob.state) == job.state, col(ImportJob.purged_at).is_(None))
        .values(preview=False, mode=mode.value, state=JobState.WAITING.value, done_rows=0, claimed_by="")
    )
    if started.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(job)
        raise Conflict(PURGED if job.purged_at is not None else "This file is being imported already.")
    session.refresh(job)


def purge_uploads(engine: Engine, *, keep_days: int, now: datetime | None = None) -> int:
    """Delete the uploaded files of jobs that finished (imported, failed, or a preview left without
    importing) more than `keep_days` ago; the job and its report stay. One conditional UPDATE, so
    several instances (or the daily scan beside the import worker) may run it at once; a job that is
    waiting or running never matches. Returns how many files were deleted."""
    now = now or utcnow()
    with engine.begin() as conn:
        result = conn.execute(
            update(ImportJob)
            .where(
                col(ImportJob.purged_at).is_(None),
                col(ImportJob.state).in_([JobState.DONE.value, JobState.FAILED.value]),
                col(ImportJob.finished_at) < now - timedelta(days=keep_days),
            )
            .values(content=b"", purged_at=now)
        )
        return int(result.rowcount or 0)


def claim(engine: Engine, job_id: int, worker: str) -> bool:
    now = utcnow()
    with engine.begin() as conn:
        result = conn.execute(
            update(ImportJob)
            .where(
                col(ImportJob.id) == job_id,
                or_(
                    col(ImportJob.state) == JobState.WAITING.value,
                    and_(col(ImportJob.state) == JobState.RUNNING.value, col(ImportJob.claimed_at) < now - LEASE),
                ),
            )
            .values(state=JobState.RUNNING.value, claimed_by=worker, claimed_at=now, done_rows=0)
        )
        return result.rowcount == 1


def waiting_jobs(engine: Engine) -> list[int]:
    stale = utcnow() - LEASE
    with Session(engine) as session:
        return list(
            session.exec(
                select(ImportJob.id)
                .where(
                    or_(
                        col(ImportJob.state) == JobState.WAITING.value,
                        and_(col(ImportJob.state) == JobState.RUNNING.value, col(ImportJob.claimed_at) < stale),
                    )
                )
                .order_by(col(ImportJob.id))
            ).all()
        )


# Rows done per running job in this process. SQLite lets one transaction write at a time, and the
# import's own transaction holds that lock until it ends, so there progress is only kept here (an
# SQLite deployment is one instance); PostgreSQL also gets it in the job's row for every instance.
PROGRESS: dict[int, tuple[int, int]] = {}


def progress_of(job: ImportJob) -> tuple[int, int]:
    """(rows done, rows in all) of a job, as far as anyone here can tell."""
    return PROGRESS.get(job.id or 0, (job.done_rows, job.total_rows))


def _progress(engine: Engine, job_id: int, worker: str):
    def report(done: int, total: int) -> None:
        PROGRESS[job_id] = (done, total)
        if engine.dialect.name == "sqlite":
            return
        with engine.begin() as conn:
            conn.execute(
                update(ImportJob)
                .where(col(ImportJob.id) == job_id, col(ImportJob.claimed_by) == worker)
                .values(done_rows=done, total_rows=total, claimed_at=utcnow())
            )

    return report


def _finish(session: Session, job: ImportJob, state: JobState, outcome: Outcome | None, message: str) -> None:
    job.state = state.value
    job.message = message
    job.finished_at = utcnow()
    if outcome is not None:
        job.report = json.dumps(outcome.as_dict())
        job.total_rows = job.done_rows = outcome.total
    session.add(job)


def run_job(engine: Engine, job_id: int, *, max_bytes: int, worker: str | None = None) -> bool:
    """Claim and run one job; False if someone else has it."""
    worker = worker or worker_name()
    if not claim(engine, job_id, worker):
        return False
    progress = _progress(engine, job_id, worker)
    failure: tuple[Outcome | None, str] | None = None
    try:
        with session_scope(engine) as session:
            job = session.get(ImportJob, job_id)
            assert job is not None
            by = session.get(User, job.created_by_id)
            if job.purged_at is not None:
                raise DomainError(PURGED)
            importer = importer_for(job.kind)
            table = read_table(job.filename, job.content, max_bytes=max_bytes)
            if by is None or not by.is_coordinator:
                raise DomainError("The person who uploaded this file can no longer import. Upload it again.")
            if job.preview:
                outcome = preview(session, importer, table, by=by, progress=progress)
            else:
                outcome = run_import(session, importer, table, mode=ImportMode(job.mode), by=by, progress=progress)
            _finish(session, job, JobState.DONE, outcome, "")
    except ImportRefused as exc:
        failure = (exc.outcome, exc.message)
    except (ReadError, DomainError) as exc:
        failure = (None, str(getattr(exc, "message", exc)))
    except Exception:
        log.exception("import job %s failed", job_id)
        failure = (None, "The import stopped on an unexpected error. Nothing was saved.")
    PROGRESS.pop(job_id, None)
    if failure is not None:
        with session_scope(engine) as session:
            job = session.get(ImportJob, job_id)
            assert job is not None
            _finish(session, job, JobState.FAILED, failure[0], failure[1])
    return True


def run_waiting(engine: Engine, *, max_bytes: int) -> int:
    """Run every job waiting (or abandoned); returns how many this worker ran."""
    return sum(run_job(engine, job_id, max_bytes=max_bytes) for job_id in waiting_jobs(engine))


def outcome_of(job: ImportJob) -> Outcome | None:
    return Outcome.from_dict(json.loads(job.report)) if job.report else None
