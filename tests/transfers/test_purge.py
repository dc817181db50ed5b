"""Uploaded import files are deleted CM_IMPORT_KEEP_DAYS after their job finished (imported, failed, or a
preview left without importing), by the daily scan and the import worker; never a file whose job is
waiting or running; several instances at once delete each file once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from creative_minds.cli import main
from creative_minds.exceptions import Conflict
from creative_minds.timeutil import utcnow
from tests.transfers.test_imports import GOOD_PARTNERS, PARTNER_HEADER, csv_file
from tests.utils import csrf_token, login, make_user
from transfers import jobs
from transfers.models import ImportJob, ImportMode, JobState

CONTENT = csv_file(PARTNER_HEADER, *GOOD_PARTNERS)


def _jobs(db) -> dict[str, int]:
    """Six jobs, each in a different state, their times set by hand."""
    coordinator = make_user(db)
    now = utcnow()
    shapes = {
        # name: (state, preview, finished days ago, created days ago)
        "left_preview": (JobState.DONE, True, 8, 8),  # checked 8 days ago, never imported: abandoned
        "failed_import": (JobState.FAILED, False, 7.1, 9),
        "imported_recently": (JobState.DONE, False, 6, 6),
        "imported_long_ago": (JobState.DONE, False, 30, 30),
        "running": (JobState.RUNNING, False, None, 30),  # a big import that started long ago
        "waiting": (JobState.WAITING, True, None, 30),
    }
    ids = {}
    for name, (state, preview, finished, created) in shapes.items():
        job = jobs.create_job(db, kind="partners", filename=f"{name}.csv", content=CONTENT, by=coordinator)
        job.state, job.preview = state.value, preview
        job.created_at = now - timedelta(days=created)
        job.finished_at = now - timedelta(days=finished) if finished is not None else None
        job.claimed_at = now - timedelta(days=created) if state == JobState.RUNNING else None
        job.report = '{"total": 2}' if finished is not None else ""
        db.add(job)
        db.flush()
        ids[name] = job.id
    db.commit()
    return ids


def _state(engine) -> dict[str, tuple[bool, bool]]:
    """Per job file name: (file still there, marked purged)."""
    with Session(engine) as session:
        return {
            job.filename.removesuffix(".csv"): (job.content == CONTENT, job.purged_at is not None)
            for job in session.exec(select(ImportJob))
        }


def test_finished_jobs_files_go_after_the_retention_period_and_running_ones_never(db, engine):
    _jobs(db)
    assert jobs.purge_uploads(engine, keep_days=7) == 3
    assert _state(engine) == {
        "left_preview": (False, True),
        "failed_import": (False, True),
        "imported_recently": (True, False),
        "imported_long_ago": (False, True),
        "running": (True, False),
        "waiting": (True, False),
    }
    with Session(engine) as session:  # the report and state stay
        left = session.exec(select(ImportJob).where(ImportJob.filename == "left_preview.csv")).one()
        assert (left.state, left.report) == (JobState.DONE, '{"total": 2}')
    assert jobs.purge_uploads(engine, keep_days=7) == 0  # the next day's run finds nothing new
    assert jobs.purge_uploads(engine, keep_days=5) == 1  # a shorter setting takes the 6-day-old one too
    assert _state(engine)["running"] == (True, False) and _state(engine)["waiting"] == (True, False)


def test_several_instances_at_once_delete_each_file_once(db, engine):
    _jobs(db)
    counts: list[int] = []
    errors: list[BaseException] = []

    def purge() -> None:
        try:
            counts.append(jobs.purge_uploads(engine, keep_days=7))
        except BaseException as exc:  # noqa: BLE001  (a database error in a thread would otherwise vanish)
            errors.append(exc)

    threads = [threading.Thread(target=purge) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(counts) == [0, 0, 0, 3]


def test_a_left_preview_whose_file_was_deleted_cannot_be_imported_and_says_why(client, db, engine):
    ids = _jobs(db)
    jobs.purge_uploads(engine, keep_days=7)
    job = db.get(ImportJob, ids["left_preview"])
    db.refresh(job)
    with pytest.raises(Conflict, match="Upload it again"):
        jobs.start_import(db, job, ImportMode.ALL_OR_NOTHING)
    db.rollback()
    coordinator = db.get(ImportJob, ids["left_preview"]).created_by_id
    from creative_minds.accounts.models import User

    login(client, db.get(User, coordinator).email)
    page = client.get(f"/imports/jobs/{ids['left_preview']}")
    assert "The uploaded file was deleted on" in page.text
    assert 'name="mode"' not in page.text  # no import button
    response = client.post(
        f"/imports/jobs/{ids['left_preview']}/import",
        data={"mode": "all", "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 409
    assert "Upload it again to import it" in response.text
    db.expire_all()
    assert db.get(ImportJob, ids["left_preview"]).state == JobState.DONE


def test_the_daily_scan_deletes_them_with_the_setting(db, engine, settings):
    _jobs(db)
    env = {
        "DATABASE_URL": settings.database_url,
        "DATABASE_SCHEMA": settings.database_schema or "",
        "CM_IMPORT_KEEP_DAYS": "10",
    }
    result = CliRunner().invoke(main, ["remind"], env=env)
    assert result.exit_code == 0, result.output
    assert "import files deleted (older than 10 days): 1." in result.output  # only the 30-day-old import
    assert _state(engine)["imported_long_ago"] == (False, True)
    assert _state(engine)["left_preview"] == (True, False)
