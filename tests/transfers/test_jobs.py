"""Import jobs: one claimer per job, even with several app instances; abandoned jobs are taken over."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from partners.models import Partner
from tests.transfers.test_imports import GOOD_PARTNERS, PARTNER_HEADER, csv_file
from tests.utils import make_user
from transfers import jobs
from transfers.models import ImportJob, ImportMode, JobState

MB = 1024 * 1024


def _job(db) -> int:
    coordinator = make_user(db)
    job = jobs.create_job(
        db, kind="partners", filename="p.csv", content=csv_file(PARTNER_HEADER, *GOOD_PARTNERS), by=coordinator
    )
    db.commit()
    return job.id


def test_only_one_worker_claims_a_job_and_a_dead_workers_job_is_taken_over(db, engine):
    job_id = _job(db)
    assert jobs.claim(engine, job_id, "instance-a") is True
    assert jobs.claim(engine, job_id, "instance-b") is False
    assert jobs.waiting_jobs(engine) == []
    job = db.get(ImportJob, job_id)
    job.claimed_at = job.claimed_at - jobs.LEASE - timedelta(seconds=1)  # instance-a died long ago
    db.add(job)
    db.commit()
    assert jobs.waiting_jobs(engine) == [job_id]
    assert jobs.claim(engine, job_id, "instance-b") is True
    db.refresh(job)
    assert job.claimed_by == "instance-b"


def test_a_job_previews_then_imports_and_runs_once(db, engine):
    job_id = _job(db)
    assert jobs.run_waiting(engine, max_bytes=20 * MB) == 1
    assert jobs.run_waiting(engine, max_bytes=20 * MB) == 0  # nothing left to claim
    job = db.get(ImportJob, job_id)
    db.refresh(job)
    assert (job.state, job.preview) == (JobState.DONE, True)
    assert jobs.outcome_of(job).created == 2
    assert db.exec(select(Partner)).all() == []
    jobs.start_import(db, job, ImportMode.ALL_OR_NOTHING)
    db.commit()
    assert jobs.run_job(engine, job_id, max_bytes=20 * MB) is True
    assert jobs.run_job(engine, job_id, max_bytes=20 * MB) is False  # done: nobody runs it twice
    db.refresh(job)
    assert (job.state, job.preview, job.done_rows) == (JobState.DONE, False, 2)
    assert len(db.exec(select(Partner)).all()) == 2
