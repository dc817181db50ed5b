"""Import a table of rows: check every row, then save the good ones through the features' services.

`run_import` works inside the caller's transaction, a chunk of rows at a time. New records are made
by the feature's bulk service (the same rules as its form, checked row by row, written in a few
statements) in a savepoint; a changed row, or every row of a kind without a bulk service, is saved
on its own in a savepoint. Either way a row the service refuses leaves nothing behind. In ALL_OR_NOTHING mode one bad row refuses the whole file
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
from itertools import groupby

from pydantic import BaseModel
from sqlalchemy import false, insert, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from creative_minds.accounts.models import User
from creative_minds.exceptions import DomainError, Forbidden
from creative_minds.timeutil import utcnow
from transfers.columns import RowProblems, normalise
from transfers.importers import Importer, Lookups, load_lookups
from transfers.models import ImportKey, ImportMode
from transfers.readers import ReadError, Table

Progress = Callable[[int, int], None]
CLEAR_EVERY = 1000  # rows read, checked and saved together (a chunk)
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


@dataclass
class _Row:
    """A row that passed the checks that need no database: its external id and fingerprint."""

    number: int
    cells: dict[str, str]
    external: str
    fingerprint: str
    key: tuple[int, int, str] | None = None  # its ImportKey: (id, record id, fingerprint)
    record_id: int | None = None  # the record to change; None to make one
    data: BaseModel | None = None


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
    when any row has a problem; the caller must then roll back.

    Rows are taken CLEAR_EVERY at a time: what they refer to and their import keys are read once per
    chunk, and an importer that can (Importer.create_many) makes the chunk's new records in a few
    statements, in a savepoint; if that meets anything unexpected, the chunk's rows are saved one at
    a time as below, so the outcome is the same either way."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators can import records.")
    begin_writing(session)
    positions, unused = column_map(importer, table)
    labels = {c.key: c.label for c in importer.columns}
    outcome = Outcome(total=len(table.rows), unused_columns=unused)
    lookups = load_lookups(session, without=importer.kind)
    seen: dict[str, int] = {}

    def problem(row: int, column_key: str, message: str) -> None:
        outcome.problems.append(RowProblem(row, labels.get(column_key, column_key.replace("_", " ")), message))
        outcome.bad_rows.add(row)

    def problems(row: int, found: dict[str, str]) -> None:
        for column_key, message in found.items():
            problem(row, column_key, message)

    rows = importer.ordered(
        [
            (number, {key: (raw[i].strip() if i < len(raw) else "") for key, i in positions.items()})
            for number, raw in table.rows
        ]
    )
    for start in range(0, len(rows), CLEAR_EVERY):
        chunk = rows[start : start + CLEAR_EVERY]
        checked: list[_Row] = []
        for number, cells in chunk:
            formulas = [name for name, value in cells.items() if value.startswith("=") and len(value) > 1]
            for name in formulas:
                problem(number, name, f"'{cells[name][:40]}' {FORMULA_HELP}")
            if formulas:
                continue
            try:
                external = importer.key_of(cells)
            except RowProblems as exc:
                problems(number, exc.problems)
                continue
            if not external:
                problem(number, importer.key_column, "This is required: it is kept to match the row next time.")
                continue
            if len(external) > 100:
                problem(number, importer.key_column, "Use 100 characters or fewer.")
                continue
            if external in seen:
                message = f"'{external}' is also on row {seen[external]}. Each row needs its own id."
                problem(number, importer.key_column, message)
                continue
            seen[external] = number
            checked.append(_Row(number, cells, external, fingerprint(cells)))
        _import_chunk(session, importer, lookups, checked, outcome, problems, by=by)
        if progress is not None:
            progress(start + len(chunk), outcome.total)
        # Every flush looks through every object the session holds, so a session holding thousands of
        # saved rows makes each row slower than the last. Written rows are not needed again: let them
        # go (the transaction stays open; nothing is committed).
        session.flush()
        session.expunge_all()
    outcome.problems.sort(key=lambda p: p.row)
    if outcome.problems and mode == ImportMode.ALL_OR_NOTHING:
        raise ImportRefused(outcome)
    return outcome


def _import_chunk(
    session: Session,
    importer: Importer,
    lookups: Lookups,
    rows: list[_Row],
    outcome: Outcome,
    problems: Callable[[int, dict[str, str]], None],
    *,
    by: User,
) -> None:
    kind = importer.kind.value
    keys = {
        external: (key_id, record_id, print_)
        for key_id, external, record_id, print_ in session.execute(
            select(ImportKey.id, ImportKey.external_id, ImportKey.record_id, ImportKey.fingerprint).where(
                ImportKey.kind == kind, col(ImportKey.external_id).in_([row.external for row in rows])
            )
        )
    }
    live = importer.existing(session, {key[1] for key in keys.values()})
    to_parse: list[_Row] = []
    for row in rows:
        row.key = keys.get(row.external)
        if row.key is not None and row.key[1] in live:
            if row.key[2] == row.fingerprint:
                outcome.unchanged += 1
                continue
            row.record_id = row.key[1]
        to_parse.append(row)
    importer.prepare(session, lookups, [row.cells for row in to_parse])
    to_save: list[_Row] = []
    for row in to_parse:
        try:
            row.data = importer.parse(session, lookups, row.cells)
        except RowProblems as exc:
            problems(row.number, exc.problems)
            continue
        to_save.append(row)
    saved: list[tuple[_Row, int]] = []
    # In file order: runs of new rows together (in bulk when the importer can), changed rows one by one.
    for is_new, run in groupby(to_save, key=lambda row: row.record_id is None):
        batch = list(run)
        results = _create_many(session, importer, batch, by=by) if is_new else None
        for position, row in enumerate(batch):
            result = results[position] if results is not None else _save_one(session, importer, row, by=by)
            if isinstance(result, DomainError):
                problems(row.number, importer.problems_of(result))
            else:
                saved.append((row, result))
    new_keys, changed_keys = [], []
    now = utcnow()
    for row, record_id in saved:
        if row.key is None:
            new_keys.append(
                {
                    "kind": kind,
                    "external_id": row.external,
                    "record_id": record_id,
                    "fingerprint": row.fingerprint,
                    "updated_at": now,
                }
            )
        else:
            changed_keys.append(
                {"id": row.key[0], "record_id": record_id, "fingerprint": row.fingerprint, "updated_at": now}
            )
        if row.record_id is None:
            outcome.created += 1
        else:
            outcome.updated += 1
    if new_keys:
        session.execute(insert(ImportKey), new_keys)
    if changed_keys:
        session.execute(update(ImportKey), changed_keys)


def _save_one(session: Session, importer: Importer, row: _Row, *, by: User) -> int | DomainError:
    """Save one row through the feature's service, in a savepoint: a refused row leaves nothing behind."""
    assert row.data is not None
    try:
        with session.begin_nested():
            return importer.save(session, row.record_id, row.data, by=by)
    except DomainError as exc:
        return exc


def _create_many(session: Session, importer: Importer, rows: list[_Row], *, by: User) -> list[int | DomainError] | None:
    """New records for these rows in a few statements (Importer.create_many), or None when the
    importer cannot, or something unexpected refused the whole batch (rolled back: nothing of it is
    kept); then each row is saved on its own."""
    if not importer.creates_in_bulk:
        return None
    try:
        with session.begin_nested():
            return importer.create_many(session, [row.data for row in rows if row.data is not None], by=by)
    except (DomainError, SQLAlchemyError):
        return None


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
