"""Import a table of rows: check every row, then save the good ones through the features' services.

`run_import` works inside the caller's transaction. Each row is saved in a savepoint, so a row the
service refuses leaves nothing behind. In ALL_OR_NOTHING mode one bad row refuses the whole file
(ImportRefused: the caller rolls everything back); in SKIP_BAD_ROWS mode the bad rows are left out
and reported. A preview is the same run rolled back, so it finds exactly the problems the import
will meet (a postcode that cannot be placed, a partner that is archived...).

Re-importing: each saved row keeps its external id and a fingerprint of its cells (ImportKey). The
same row again is left alone; a changed row updates the record it made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import false, update
from sqlmodel import Session, select

from creative_minds.accounts.models import User
from creative_minds.exceptions import DomainError, Forbidden
from creative_minds.timeutil import utcnow
from transfers.columns import RowProblems, normalise
from transfers.importers import Importer, load_lookups
from transfers.models import ImportKey, ImportMode
from transfers.readers import ReadError, Table

Progress = Callable[[int, int], None]
CLEAR_EVERY = 200
FORMULA_HELP = "is a formula. Type the value itself: formulas are never run or trusted."


@dataclass
class RowProblem:
    row: int
    column: str  # the column's label, or "" for the row as a whole
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, {self.column.lower()}" if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class Outcome:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    unused_columns: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.bad_rows)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "problems": [[p.row, p.column, p.message] for p in self.problems],
            "unused_columns": self.unused_columns,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Outcome:
        outcome = cls(
            total=data.get("total", 0),
            created=data.get("created", 0),
            updated=data.get("updated", 0),
            unchanged=data.get("unchanged", 0),
            problems=[RowProblem(*p) for p in data.get("problems", [])],
            unused_columns=data.get("unused_columns", []),
        )
        outcome.bad_rows = {p.row for p in outcome.problems}
        return outcome


class ImportRefused(DomainError):
    """All or nothing, and some rows have problems: nothing was saved."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(
            f"Nothing was saved: {outcome.skipped} of {outcome.total} rows have problems. "
            "Fix them and import again, or choose to leave out the rows with problems."
        )
        self.outcome = outcome


def column_map(importer: Importer, table: Table) -> tuple[dict[str, int], list[str]]:
    """Which position holds each column, and the headers not used. ReadError if a required one is missing."""
    positions: dict[str, int] = {}
    unused: list[str] = []
    by_name = {name: column for column in importer.columns for name in column.names}
    for index, header in enumerate(table.headers):
        column = by_name.get(normalise(header))
        if column is None or column.key in positions:
            if header.strip():
                unused.append(header.strip())
            continue
        positions[column.key] = index
    missing = [c.label for c in importer.columns if c.required and c.key not in positions]
    if missing:
        raise ReadError(
            "The first row must name the columns, and these are missing: "
            + ", ".join(missing)
            + ". Download the template to see every column."
        )
    return positions, unused


def fingerprint(cells: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(cells.items()), ensure_ascii=False).encode()).hexdigest()


def begin_writing(session: Session) -> None:
    """Make sure the transaction has really begun before the first savepoint.

    Python's sqlite3 driver only sends BEGIN before a write; a SAVEPOINT sent first would start a
    transaction of its own, and releasing it would commit the row at once (so "all or nothing" would
    keep the first row). An UPDATE that matches nothing makes the driver begin; on PostgreSQL it is a no-op."""
    session.execute(update(ImportKey).where(false()).values(kind=ImportKey.kind))


def run_import(
    session: Session,
    importer: Importer,
    table: Table,
    *,
    mode: ImportMode,
    by: User,
    progress: Progress | None = None,
) -> Outcome:
    """Check and save every row (see the module's note). Raises ImportRefused in ALL_OR_NOTHING mode
    when any row has a problem; the caller must then roll back."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators can import records.")
    begin_writing(session)
    positions, unused = column_map(importer, table)
    labels = {c.key: c.label for c in importer.columns}
    outcome = Outcome(total=len(table.rows), unused_columns=unused)
    lookups = load_lookups(session)
    kind = importer.kind.value
    keys = {key.external_id: key for key in session.exec(select(ImportKey).where(ImportKey.kind == kind)).all()}
    seen: dict[str, int] = {}

    def problem(row: int, column_key: str, message: str) -> None:
        outcome.problems.append(RowProblem(row, labels.get(column_key, column_key.replace("_", " ")), message))
        outcome.bad_rows.add(row)

    rows = [
        (number, {key: (raw[i].strip() if i < len(raw) else "") for key, i in positions.items()})
        for number, raw in table.rows
    ]
    for done, (number, cells) in enumerate(importer.ordered(rows), start=1):
        if progress is not None and (done % 200 == 0 or done == outcome.total):
            progress(done, outcome.total)
        formulas = [name for name, value in cells.items() if value.startswith("=") and len(value) > 1]
        for name in formulas:
            problem(number, name, f"'{cells[name][:40]}' {FORMULA_HELP}")
        if formulas:
            continue
        try:
            external = importer.key_of(cells)
        except RowProblems as exc:
            for column_key, message in exc.problems.items():
                problem(number, column_key, message)
            continue
        if not external:
            problem(number, importer.key_column, "This is required: it is kept to match the row next time.")
            continue
        if len(external) > 100:
            problem(number, importer.key_column, "Use 100 characters or fewer.")
            continue
        if external in seen:
            problem(
                number, importer.key_column, f"'{external}' is also on row {seen[external]}. Each row needs its own id."
            )
            continue
        seen[external] = number
        print_ = fingerprint(cells)
        key = keys.get(external)
        if key is not None and key.fingerprint == print_ and importer.exists(session, key.record_id):
            outcome.unchanged += 1
            continue
        try:
            data = importer.parse(session, lookups, cells)
        except RowProblems as exc:
            for column_key, message in exc.problems.items():
                problem(number, column_key, message)
            continue
        record_id = key.record_id if key is not None and importer.exists(session, key.record_id) else None
        try:
            with session.begin_nested():
                saved = importer.save(session, record_id, data, by=by)
        except DomainError as exc:
            for column_key, message in importer.problems_of(exc).items():
                problem(number, column_key, message)
            continue
        if key is None:
            key = ImportKey(kind=kind, external_id=external, record_id=saved, fingerprint=print_)
            keys[external] = key
        else:
            key.record_id, key.fingerprint, key.updated_at = saved, print_, utcnow()
        session.add(key)
        lookups.keys[(kind, external)] = saved
        if record_id is None:
            outcome.created += 1
        else:
            outcome.updated += 1
        if (outcome.created + outcome.updated) % CLEAR_EVERY == 0:
            # Every flush looks through every object the session holds, so a session holding
            # thousands of saved rows makes each row slower than the last. Written rows are not
            # needed again: let them go (the transaction stays open; nothing is committed).
            session.flush()
            session.expunge_all()
    session.flush()
    outcome.problems.sort(key=lambda p: p.row)
    if outcome.problems and mode == ImportMode.ALL_OR_NOTHING:
        raise ImportRefused(outcome)
    return outcome


def preview(
    session: Session, importer: Importer, table: Table, *, by: User, progress: Progress | None = None
) -> Outcome:
    """What importing would do, row by row; nothing is kept (the savepoint is rolled back)."""
    begin_writing(session)
    nested = session.begin_nested()
    try:
        return run_import(session, importer, table, mode=ImportMode.SKIP_BAD_ROWS, by=by, progress=progress)
    finally:
        nested.rollback()


def template_header(importer: Importer) -> list[str]:
    return [c.label for c in importer.columns]


def template_help(importer: Importer) -> list[list[str]]:
    """Column, required or not, what it accepts: the template's second sheet and the import page."""
    return [[c.label, "Required" if c.required else "Optional", c.accepts or "text"] for c in importer.columns]
