"""What imports keep: the external id of each imported row, and import jobs run outside requests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from creative_minds.labels import LabelledEnum
from creative_minds.timeutil import utcnow


class ImportKind(LabelledEnum):
    PARTNERS = "partners", "Partners"
    PROJECTS = "projects", "Projects"
    MEMBERS = "members", "Collective members"
    PARTICIPANTS = "participants", "Participants"
    SWEMWBS = "swemwbs", "SWEMWBS forms"


class ImportMode(LabelledEnum):
    ALL_OR_NOTHING = "all", "Save nothing unless every row is right"
    SKIP_BAD_ROWS = "skip", "Save the good rows and leave out the rows with problems"


class JobState(LabelledEnum):
    WAITING = "waiting", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Nothing saved"


class ImportKey(SQLModel, table=True):
    """A record made by an import, found again by the id it has in the spreadsheet it came from.

    `fingerprint` is a hash of the row as last imported: the same row again changes nothing."""

    __tablename__ = "import_key"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    external_id: str = Field(max_length=100)
    record_id: int = Field(index=True)
    fingerprint: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())

    __table_args__ = (sa.UniqueConstraint("kind", "external_id", name="uq_import_key_kind_external_id"),)


class ImportJob(SQLModel, table=True):
    """An uploaded file waiting to be imported by a worker (any app instance may claim it)."""

    __tablename__ = "import_job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    mode: str = Field(max_length=8)
    filename: str = Field(max_length=200)
    content: bytes = Field(sa_type=sa.LargeBinary())
    state: str = Field(default=JobState.WAITING, max_length=16, index=True)
    # A preview first (nothing kept), then the import itself when the coordinator asks for it.
    preview: bool = True
    total_rows: int = 0
    done_rows: int = 0
    message: str = Field(default="", sa_type=sa.Text())
    report: str = Field(default="", sa_type=sa.Text())  # the Outcome as JSON
    created_by_id: int = Field(foreign_key="user.id", index=True)
    claimed_by: str = Field(default="", max_length=100)
    claimed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    # When the uploaded file was deleted (CM_IMPORT_KEEP_DAYS after the job finished); the report stays.
    purged_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
