"""The evaluation report: paired SWEMWBS changes for any project, partner, locality, year and way of
completing, with who is left out and why, loss to follow-up, and small numbers protected across views.

One scan of the forms (and, for the equality breakdowns or a reporter, one of the people) gives every
course in the network (one person at one project: their baseline and any follow-up) as numpy columns of
whole numbers; everything else is worked out column-wise from those, exactly, in hundredths (see
suppression.py for the building blocks). Someone at more than one project counts once above project
level, by their earliest complete pair, and in each project's own view with that project's pair.
"""

from __future__ import annotations

import io
import random
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, overload

import sqlalchemy as sa
from sqlmodel import Session, col, select

from creative_minds.accounts.models import User
from creative_minds.csvout import safe_writer
from creative_minds.formatting import format_hundredths, half_up
from creative_minds.labels import LabelledEnum
from creative_minds.localities import Locality
from partners.models import Partner
from projects.models import Project
from stories.equality import NOT_ANSWERED, QUESTIONS
from stories.participants.models import Participant
from stories.participants.service import visible_to
from stories.reports.stats import PairedSummary, summarise_arrays
from stories.reports.suppression import Cell, suppress
from stories.scores.models import ASSISTED, CompletionMode, ScoreKind, WellbeingScore
from stories.scores.swemwbs import METRIC

HUNDREDTHS = {raw: int(metric * 100) for raw, metric in METRIC.items()}
ADVISED_PAIRS = 30  # the scale's authors: at least 30 people with both forms before drawing conclusions

# Context, not a target: Health Survey for England 2010-13, n = 27,169 (Ng Fat et al. 2017).
NORMS = {"men": Decimal("23.7"), "women": Decimal("23.2")}
NORMS_SOURCE = "Health Survey for England 2010–13, n = 27,169 (Ng Fat et al. 2017)"


class PairMode(LabelledEnum):
    """How a pair's two forms were completed."""

    SELF = "self", "Both forms by the person alone"
    ASSISTED = "assisted", "One or both forms read out or filled in for them"
    NOT_RECORDED = "not_recorded", "Not recorded for one or both forms"


PAIR_MODE_LABELS = PairMode.labels()


class Reason(LabelledEnum):
    """Why a scored baseline is not in the pairs."""

    INCOMPLETE_BASELINE = "incomplete_baseline", "Baseline not scored (an answer is missing)"
    INCOMPLETE_FOLLOW_UP = "incomplete_follow_up", "Follow-up not scored (an answer is missing)"
    NOT_YET = "no_follow_up_yet", "No follow-up yet (the window is still open)"
    PAST_DUE = "no_follow_up_past_due", "No follow-up, and the window has closed"
    OUTSIDE_WINDOW = "outside_window", "Follow-up filled in outside the window"


REASON_LABELS = Reason.labels()


def pair_mode(baseline_mode: str, follow_up_mode: str) -> str:
    modes = {baseline_mode, follow_up_mode}
    if modes & set(ASSISTED):
        return PairMode.ASSISTED
    if CompletionMode.NOT_RECORDED.value in modes:
        return PairMode.NOT_RECORDED
    return PairMode.SELF


@dataclass(frozen=True)
class Scope:
    project_id: int | None = None
    partner_id: int | None = None
    locality: str = ""
    year: int | None = None  # of the baseline
    mode: str = ""  # a PairMode, or "" for every way of completing

    @property
    def geographic(self) -> bool:
        return bool(self.project_id or self.partner_id or self.locality)

    def describe(self, names: dict[str, str]) -> str:
        parts = [names.get("project") or names.get("partner") or names.get("locality") or "the whole network"]
        parts.append(f"baselines in {self.year}" if self.year else "all years")
        if self.mode:
            parts.append(PAIR_MODE_LABELS[self.mode].lower())
        return ", ".join(parts)


@dataclass(frozen=True)
class Window:
    min_weeks: int = 8
    max_weeks: int = 26

    def holds(self, baseline_on: date, follow_up_on: date) -> bool:
        return self.min_weeks * 7 <= (follow_up_on - baseline_on).days <= self.max_weeks * 7

    def closed(self, baseline_on: date, today: date) -> bool:
        return (today - baseline_on).days > self.max_weeks * 7


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    title: str
    partner_id: int
    partner_name: str
    locality: str  # slug
    locality_name: str


# Every course as columns -----------------------------------------------------------------------

# A course's status: 0 a pair, otherwise the reason it is left out (codes index STATUSES).
STATUSES: tuple[str, ...] = ("pair", *(reason.value for reason in Reason))
_CODE = {status: code for code, status in enumerate(STATUSES)}
PAIR_MODES: tuple[str, ...] = tuple(mode.value for mode in PairMode)  # a pair's mode code indexes this
# How a form was completed, as a small number: 0 by the person alone (or anything unknown), 1 read
# out, 2 filled in by the reporter, 3 not recorded (see pair_mode: the same rule, column-wise).
_COMPLETION_CODES = {
    CompletionMode.READ_OUT.value: 1,
    CompletionMode.BY_REPORTER.value: 2,
    CompletionMode.NOT_RECORDED.value: 3,
}
_HUNDREDTHS_OF_RAW = [-1] * 36  # raw score (0 = not scored) -> metric score in hundredths (-1 = none)
for _score, _value in HUNDREDTHS.items():
    _HUNDREDTHS_OF_RAW[_score] = _value


@dataclass(frozen=True)
class Course:
    """One person at one project (their baseline and any follow-up), read from the table's columns."""

    participant_id: int
    project_id: int
    year: int  # of the baseline
    baseline: int | None  # metric score in hundredths; None when not scored
    follow_up: int | None
    status: str  # "pair" or a Reason
    mode: str  # a PairMode, for pairs
    counted: bool  # the course this person counts by above project level
    answers: tuple[int, ...] = ()  # equality answers as codes (breakdowns only)

    @property
    def paired(self) -> bool:
        return self.status == "pair"

    @property
    def change(self) -> int:
        assert self.baseline is not None and self.follow_up is not None
        return self.follow_up - self.baseline


class Table:
    """Every course (one person at one project: their baseline and any follow-up) as numpy columns,
    classified: a pair or the reason it is left out, the pair's way of completing, and whether it is
    the course the person counts by at partner, locality and network level."""

    def __init__(self, data: Any, answers: bool, window: Window, today: date) -> None:
        """`data`: one row per course, the whole numbers fetch_table asks for (see there)."""
        import numpy as np

        data = np.asarray(data, dtype=np.int64).reshape(-1, len(_COLUMNS) + (1 if answers else 0))
        self.participant_id, self.project_id, self.baseline_id, self.baseline_day = (data[:, i] for i in range(4))
        self.follow_up_id, self.follow_up_day, forms = data[:, 4], data[:, 5], data[:, 6]
        baseline_raw, baseline_mode = forms & 63, (forms >> 6) & 3
        follow_up_raw, follow_up_mode = (forms >> 8) & 63, (forms >> 14) & 3
        self.visible = ((forms >> 16) & 1).astype(bool)
        self.answers = None
        if answers:
            packed = data[:, 7]
            self.answers = np.stack([(packed >> shift) & mask for shift, mask in _ANSWER_BITS], axis=1)
        to_hundredths = np.array(_HUNDREDTHS_OF_RAW, dtype=np.int64)
        self.baseline = to_hundredths[baseline_raw]  # -1 when not scored
        self.follow_up = to_hundredths[follow_up_raw]  # -1 when not scored or none
        epoch = date(1970, 1, 1).toordinal()
        days = (self.baseline_day - epoch).astype("datetime64[D]")
        self.year = days.astype("datetime64[Y]").astype(np.int64) + 1970
        scored = self.baseline >= 0
        has_follow_up = self.follow_up_id > 0
        gap = self.follow_up_day - self.baseline_day
        closed = (today.toordinal() - self.baseline_day) > window.max_weeks * 7
        inside = (gap >= window.min_weeks * 7) & (gap <= window.max_weeks * 7)
        self.status = np.select(
            [~scored, ~has_follow_up & closed, ~has_follow_up, self.follow_up < 0, ~inside],
            [
                _CODE[Reason.INCOMPLETE_BASELINE],
                _CODE[Reason.PAST_DUE],
                _CODE[Reason.NOT_YET],
                _CODE[Reason.INCOMPLETE_FOLLOW_UP],
                _CODE[Reason.OUTSIDE_WINDOW],
            ],
            0,
        )
        self.paired = self.status == 0
        assisted = np.isin(baseline_mode, (1, 2)) | np.isin(follow_up_mode, (1, 2))
        not_recorded = (baseline_mode == 3) | (follow_up_mode == 3)
        self.mode = np.where(assisted, 1, np.where(not_recorded, 2, 0))
        # Someone at more than one project counts once above project level: by their earliest
        # complete pair (earliest baseline, then follow-up, then project), or, with no pair, by their
        # earliest baseline. Worked out over every course, so it is the same in every view.
        far = np.iinfo(np.int64).max
        order = np.lexsort(
            (
                self.project_id,
                np.where(self.paired, self.follow_up_day, far),
                self.baseline_day,
                ~self.paired,
                self.participant_id,
            )
        )
        first = np.ones(len(order), dtype=bool)
        first[1:] = self.participant_id[order][1:] != self.participant_id[order][:-1]
        self.counted = np.zeros(len(order), dtype=bool)
        self.counted[order[first]] = True
        self.block_of = np.full(len(order), -1, dtype=np.int64)  # set by build_blocks

    def __len__(self) -> int:
        return len(self.participant_id)

    def course(self, i: int) -> Course:
        baseline, follow_up = int(self.baseline[i]), int(self.follow_up[i])
        return Course(
            int(self.participant_id[i]),
            int(self.project_id[i]),
            int(self.year[i]),
            baseline if baseline >= 0 else None,
            follow_up if follow_up >= 0 else None,
            STATUSES[int(self.status[i])],
            PAIR_MODES[int(self.mode[i])] if self.paired[i] else "",
            bool(self.counted[i]),
            tuple(int(v) for v in self.answers[i]) if self.answers is not None else (),
        )


class Rows(Sequence[Course]):
    """Some of the table's courses (by index), read as Course objects only when asked for."""

    def __init__(self, table: Table, positions: Any) -> None:
        self.table, self.positions = table, positions

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, i: int) -> Course: ...
    @overload
    def __getitem__(self, i: slice) -> Rows: ...
    def __getitem__(self, i: int | slice) -> Course | Rows:
        if isinstance(i, slice):
            return Rows(self.table, self.positions[i])
        return self.table.course(int(self.positions[i]))

    def __iter__(self) -> Iterator[Course]:
        for i in self.positions.tolist():
            yield self.table.course(i)


@dataclass(eq=False)
class Block:
    """A building block of every figure (suppression.py): whole groups of at least the threshold."""

    level: str  # "project", "locality" or "network"
    year: int
    project_id: int | None = None
    locality: str = ""
    number: int = 0  # its place in the list of blocks (the table's block_of)
    table: Table | None = None
    counted: bool = True  # False: a block of people counted by another project above project level
    modes: dict[str, Cell[None]] = field(default_factory=dict)

    def _rows(self, extra: Any = None) -> Rows:
        import numpy as np

        assert self.table is not None
        mask = self.table.block_of == self.number
        if extra is not None:
            mask &= extra
        return Rows(self.table, np.flatnonzero(mask))

    @property
    def courses(self) -> Rows:
        return self._rows()

    @property
    def pairs(self) -> Rows:
        assert self.table is not None
        return self._rows(self.table.paired)

    @property
    def non_completers(self) -> Rows:
        assert self.table is not None
        return self._rows((self.table.baseline >= 0) & ~self.table.paired)


def build_blocks(table: Table, projects: dict[int, ProjectInfo], small: int) -> tuple[list[Block], Any]:
    """Project-year groups large enough, then locality-year pools, then network-year pools, of the
    courses people count by above project level; and project-year groups of the other courses (people
    counted by another project), shown only in their project's own view. Sets table.block_of; returns
    the blocks and, for each block and pair mode, whether that mode's cell is hidden (a last row for
    courses in no block, all hidden)."""
    import numpy as np

    localities = sorted({info.locality for info in projects.values()})
    locality_code = {slug: i for i, slug in enumerate(localities)}
    size = max(projects, default=0) + 1
    locality_of_project = np.full(size, -1, dtype=np.int64)
    for info in projects.values():
        locality_of_project[info.id] = locality_code[info.locality]
    known = (table.project_id < size) & (table.project_id >= 0)
    project = np.where(known, table.project_id, 0)
    locality = np.where(known, locality_of_project[project], -1)
    known &= locality >= 0
    year = table.year
    paired = table.paired
    left = (table.baseline >= 0) & ~paired
    block_of = np.full(len(table), -1, dtype=np.int64)
    blocks: list[Block] = []

    def group(mask: Any, keys: Any) -> tuple[Any, Any, Any, Any]:
        """The groups of the masked courses by key: each group's key, the courses' group numbers, and
        which groups are reportable (pairs at least `small`; no one or at least `small` left out)."""
        chosen = np.flatnonzero(mask)
        unique, inverse = np.unique(keys[chosen], return_inverse=True)
        pairs = np.bincount(inverse, weights=paired[chosen], minlength=len(unique))
        others = np.bincount(inverse, weights=left[chosen], minlength=len(unique))
        ok = (pairs >= small) & ((others == 0) | (others >= small))
        return chosen, unique, inverse, ok

    def place(chosen: Any, unique: Any, inverse: Any, ok: Any, make: Any) -> Any:
        numbers = np.full(len(unique), -1, dtype=np.int64)
        for g in np.flatnonzero(ok).tolist():
            block = make(int(unique[g]))
            block.number, block.table = len(blocks), table
            numbers[g] = block.number
            blocks.append(block)
        block_of[chosen] = numbers[inverse]
        return chosen[~ok[inverse]]  # the courses left for a wider pool

    project_key = project * 10_000 + year
    counted = known & table.counted
    chosen, unique, inverse, ok = group(counted, project_key)
    rest = place(
        chosen,
        unique,
        inverse,
        ok,
        lambda key: Block("project", key % 10_000, key // 10_000, projects[key // 10_000].locality),
    )
    pool = np.zeros(len(table), dtype=bool)
    pool[rest] = True
    chosen, unique, inverse, ok = group(pool, locality * 10_000 + year)
    rest = place(
        chosen, unique, inverse, ok, lambda key: Block("locality", key % 10_000, None, localities[key // 10_000])
    )
    pool[:] = False
    pool[rest] = True
    chosen, unique, inverse, ok = group(pool, year)
    place(chosen, unique, inverse, ok, lambda key: Block("network", key))  # what is still too small is left out
    # People counted by another project: their own project-year groups, in that project's view only.
    chosen, unique, inverse, ok = group(known & ~table.counted, project_key)
    place(
        chosen,
        unique,
        inverse,
        ok,
        lambda key: Block("project", key % 10_000, key // 10_000, projects[key // 10_000].locality, counted=False),
    )
    table.block_of = block_of
    # Each block's split by way of completing, small cells hidden with the next smallest.
    modes = len(PAIR_MODES)
    in_block = paired & (block_of >= 0)
    counts = np.bincount(block_of[in_block] * modes + table.mode[in_block], minlength=len(blocks) * modes).reshape(
        len(blocks), modes
    )
    hidden = np.ones((len(blocks) + 1, modes), dtype=bool)
    labels = PAIR_MODE_LABELS
    for block in blocks:
        cells = suppress([Cell(mode, int(counts[block.number, m]), None) for m, mode in enumerate(PAIR_MODES)], small)
        block.modes = {cell.label: cell for cell in cells}
        hidden[block.number] = [cell.hidden for cell in cells]
    assert len(labels) == modes
    return blocks, hidden


def in_view(block: Block, scope: Scope, projects: dict[int, ProjectInfo]) -> bool:
    """A block counts in a view only when it lies wholly inside it. A block of people counted by
    another project counts only in its own project's view."""
    if scope.year and block.year != scope.year:
        return False
    if block.level == "project":
        info = projects[block.project_id]  # type: ignore[index]
        return (
            (block.counted or scope.project_id == info.id)
            and (not scope.project_id or info.id == scope.project_id)
            and (not scope.partner_id or info.partner_id == scope.partner_id)
            and (not scope.locality or info.locality == scope.locality)
        )
    if scope.project_id or scope.partner_id:
        return False
    if block.level == "locality":
        return not scope.locality or block.locality == scope.locality
    return not scope.locality


# Fetching ---------------------------------------------------------------------------------------


def project_infos(session: Session) -> dict[int, ProjectInfo]:
    query = (
        select(Project.id, Project.title, Project.partner_id, Partner.name, Locality.slug, Locality.name)  # type: ignore[call-overload]
        .join(Partner, col(Partner.id) == Project.partner_id)
        .join(Locality, col(Locality.id) == Project.locality_id)
    )
    return {row[0]: ProjectInfo(*row) for row in session.exec(query)}


_COLUMNS = (
    "participant",
    "project",
    "baseline form",
    "baseline day",
    "follow-up form",
    "follow-up day",
    "both forms' raw scores and ways of completing, and whether the reader may see the person",
)
# Each equality answer's code in its own bits of one whole number: (shift, mask) for each question.
_ANSWER_BITS: list[tuple[int, int]] = []
for _question in QUESTIONS.values():
    _width = (len(_question.options) + 1).bit_length()
    _ANSWER_BITS.append((sum(w.bit_length() for _, w in _ANSWER_BITS), (1 << _width) - 1))
assert sum(mask.bit_length() for _, mask in _ANSWER_BITS) <= 62


def _day(column: Any, dialect: str) -> Any:
    """A date as its proleptic Gregorian ordinal (date.toordinal), worked out by the database."""
    if dialect == "sqlite":
        return sa.cast(sa.func.round(sa.func.julianday(column) - 1721424.5), sa.Integer)
    return sa.type_coerce(column - sa.literal_column("DATE '0001-01-01'"), sa.Integer) + 1


def _completion_code(column: Any) -> Any:
    return sa.case(_COMPLETION_CODES, value=column, else_=0)


def _whole_numbers(connection: sa.Connection, query: Any, narrow: int, *, wide: bool = False) -> Any:
    """The query's rows of whole numbers as a numpy array: the first `narrow` columns fit 4 bytes,
    then one of 8 bytes if `wide`. On PostgreSQL the rows come as one string of big-endian numbers
    (no Python object per value); elsewhere as the driver's plain tuples."""
    import numpy as np

    width = narrow + (1 if wide else 0)
    if connection.dialect.name == "postgresql":
        columns = list(query.selected_columns)
        sends = [sa.func.int4send(sa.cast(c, sa.Integer)) for c in columns[:narrow]]
        sends += [sa.func.int8send(sa.cast(c, sa.BigInteger)) for c in columns[narrow:width]]
        row: Any = sends[0]
        for send in sends[1:]:
            row = row.op("||")(send)
        query = query.with_only_columns(sa.func.string_agg(row, sa.literal_column("''::bytea")))
    statement = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    cursor = connection.connection.cursor()  # the driver's own cursor: plain tuples, no row objects
    try:
        cursor.execute(str(statement))
        if connection.dialect.name != "postgresql":
            return np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, width)
        blob = bytes((cursor.fetchone() or (b"",))[0] or b"")
    finally:
        cursor.close()
    fields = [(f"c{i}", ">i4") for i in range(narrow)] + [(f"c{i}", ">i8") for i in range(narrow, width)]
    record = np.frombuffer(blob, dtype=np.dtype(fields))
    data = np.empty((len(record), width), dtype=np.int64)
    for i, (name, _) in enumerate(fields):
        data[:, i] = record[name]
    return data


def fetch_table(
    session: Session, *, window: Window, by: User | None = None, answers: bool = False, today: date | None = None
) -> Table:
    """Every course in the network from one scan of the forms (whole numbers: dates as day numbers,
    raw score, way of completing and kind packed in one), baselines matched with their follow-ups by
    numpy; the equality answers' codes and who the reader may see from one scan of the people. On PostgreSQL the rows come as one string of 4- and 8-byte
    numbers (no Python object per value). Always the whole network, whatever the view: the blocks,
    and whom a person counts by, must not depend on which view is asked for."""
    import numpy as np

    connection = session.connection()
    dialect = connection.dialect.name
    score = WellbeingScore
    forms = _whole_numbers(
        connection,
        sa.select(
            col(score.participant_id),
            col(score.project_id),
            col(score.id),
            _day(score.completed_on, dialect),
            sa.func.coalesce(score.raw_score, 0)
            + _completion_code(score.completion_mode) * 64
            + sa.case((col(score.kind) == ScoreKind.BASELINE.value, 0), else_=256),
        ),
        5,
    )
    # Each baseline with the same person's follow-up at the same project, if any (one of each at
    # most: a unique constraint), matched by numpy: one scan of the forms instead of a self-join.
    is_baseline = (forms[:, 4] >> 8) == 0
    baselines, follow_ups = forms[is_baseline], forms[~is_baseline]
    key = baselines[:, 0] * (1 << 31) + baselines[:, 1]
    follow_key = follow_ups[:, 0] * (1 << 31) + follow_ups[:, 1]
    order = np.argsort(follow_key, kind="stable")
    follow_ups, follow_key = follow_ups[order], follow_key[order]
    place = np.searchsorted(follow_key, key).clip(0, max(len(follow_key) - 1, 0))
    found = follow_key[place] == key if len(follow_key) else np.zeros(len(key), dtype=bool)
    matched = follow_ups[place] if len(follow_ups) else np.zeros((len(key), 5), dtype=np.int64)
    data = np.zeros((len(baselines), len(_COLUMNS)), dtype=np.int64)
    data[:, :4] = baselines[:, :4]
    data[:, 4] = np.where(found, matched[:, 2], 0)
    data[:, 5] = np.where(found, matched[:, 3], 0)
    data[:, 6] = (baselines[:, 4] & 255) | np.where(found, (matched[:, 4] & 255) << 8, 0)
    if by is not None and by.is_coordinator:
        data[:, 6] |= 1 << 16
    if answers or (by is not None and not by.is_coordinator):
        # Who the reader may see and the equality answers: one row per person, matched by numpy
        # (a join in the query above costs more than this whole second query).
        packed: Any = sa.literal(0, sa.BigInteger)
        if answers:
            for (name, question), (shift, _) in zip(QUESTIONS.items(), _ANSWER_BITS):
                options = {option: i for i, option in enumerate(question.options) if option != NOT_ANSWERED}
                code = sa.case(options, value=getattr(Participant, name), else_=len(question.options))
                packed = packed + sa.cast(code, sa.BigInteger) * (1 << shift)
        visible: Any = sa.literal(0)
        if by is not None and not by.is_coordinator:
            visible = sa.case((visible_to(by), 1), else_=0)
        people = _whole_numbers(connection, select(Participant.id, visible, packed), 2, wide=True)
        people = people[np.argsort(people[:, 0], kind="stable")]
        place = np.searchsorted(people[:, 0], data[:, 0]).clip(0, max(len(people) - 1, 0))
        if len(people):
            data[:, 6] |= people[place, 1] << 16
            if answers:
                data = np.column_stack([data, people[place, 2]])
        elif answers:
            data = np.column_stack([data, np.zeros(len(data), dtype=np.int64)])
    return Table(data, answers, window, today or date.today())


# The evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exclusion:
    code: str
    project_title: str
    reason: str
    detail: str
    form_id: int = 0
    participant_id: int = 0


@dataclass
class Evaluation:
    scope: Scope
    threshold: Decimal
    small_number: int
    window: Window
    # The data-quality counts: of every course in the view for a coordinator; of the people the
    # reader may see for anyone else (not entitled to exact counts of other people's forms).
    participants: int  # people at a project with a baseline form (above project level, each once)
    scored_baselines: int  # always the view's blocks (pairs plus those without one: safe to show)
    scored_follow_ups: int
    pairs: Rows
    summary: PairedSummary
    no_follow_up: int
    past_due: int
    completers_baseline: Fraction | None
    non_completers: int
    non_completers_baseline: Fraction | None
    modes: list[Cell[PairedSummary]] = field(default_factory=list)
    breakdowns: dict[str, list[Cell[PairedSummary]]] = field(default_factory=dict)
    exclusions: dict[str, list[Exclusion]] = field(default_factory=dict)
    pooled: bool = False  # some of the view's people are counted only at a wider level
    projects: dict[int, ProjectInfo] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    entitled: bool = True  # the data-quality counts are exact for the whole view (a coordinator)
    table: Table | None = None
    pair_index: Any = None
    mode_hidden: Any = None
    second_courses: int = 0  # courses in the view of people counted by another project's pair

    @property
    def shown(self) -> bool:
        return self.summary.n >= self.small_number

    @property
    def too_few_to_generalise(self) -> bool:
        return self.summary.n < ADVISED_PAIRS

    @property
    def norms(self) -> dict[str, Decimal]:
        return NORMS

    @property
    def norms_source(self) -> str:
        return NORMS_SOURCE

    def scores(self) -> tuple[Any, Any]:
        """The view's pairs' baselines and follow-ups (numpy arrays of hundredths)."""
        assert self.table is not None
        return self.table.baseline[self.pair_index], self.table.follow_up[self.pair_index]


def _mean(values: Any) -> Fraction | None:
    return Fraction(int(values.sum()), 100 * len(values)) if len(values) else None


def _summary_of(table: Table, index: Any, threshold: Decimal, *, tests: bool) -> PairedSummary:
    return summarise_arrays(table.baseline[index], table.follow_up[index], threshold=threshold, tests=tests)


def _geography(table: Table, projects: dict[int, ProjectInfo], scope: Scope) -> Any:
    """Which courses are at the view's projects and in its year (whatever their blocks)."""
    import numpy as np

    wanted = [
        info.id
        for info in projects.values()
        if (not scope.project_id or info.id == scope.project_id)
        and (not scope.partner_id or info.partner_id == scope.partner_id)
        and (not scope.locality or info.locality == scope.locality)
    ]
    allowed = np.zeros(max([*projects, *wanted, 0]) + 1, dtype=bool)
    allowed[wanted] = True
    known = table.project_id < len(allowed)
    mask = known & allowed[np.where(known, table.project_id, 0)]
    if scope.year:
        mask &= table.year == scope.year
    return mask


def evaluate(
    session: Session,
    scope: Scope,
    *,
    threshold: Decimal,
    small_number: int,
    window: Window | None = None,
    by: User | None = None,
    today: date | None = None,
    with_breakdowns: bool = True,
) -> Evaluation:
    """`with_breakdowns=False` skips the equality breakdowns (and fetching the answers), e.g. for the CSV."""
    window = window or Window()
    breakdowns = with_breakdowns and not scope.geographic and not scope.mode
    projects = project_infos(session)
    table = fetch_table(session, window=window, by=by, answers=breakdowns, today=today)
    evaluation = evaluate_table(
        table,
        projects,
        scope,
        threshold=threshold,
        small_number=small_number,
        window=window,
        breakdowns=breakdowns,
        entitled=by is None or by.is_coordinator,  # (no reader: the caller is the app itself)
    )
    evaluation.exclusions = _exclusions(session, table, projects, scope, window)
    return evaluation


def evaluate_table(
    table: Table,
    projects: dict[int, ProjectInfo],
    scope: Scope,
    *,
    threshold: Decimal,
    small_number: int,
    window: Window,
    breakdowns: bool = False,
    entitled: bool = True,
    blocks: tuple[list[Block], Any] | None = None,
) -> Evaluation:
    import numpy as np

    block_list, mode_hidden = blocks or build_blocks(table, projects, small_number)
    shown_blocks = np.array([in_view(b, scope, projects) for b in block_list] + [False], dtype=bool)
    inside = shown_blocks[table.block_of]  # block_of -1 (in no block) reads the last, False
    all_pairs = inside & table.paired
    pair_mask = all_pairs
    if scope.mode:
        m = PAIR_MODES.index(scope.mode)
        pair_mask = all_pairs & (table.mode == m) & ~mode_hidden[table.block_of, m]
    pair_index = np.flatnonzero(pair_mask)
    shown = len(pair_index) >= small_number
    summary = _summary_of(table, pair_index, threshold, tests=shown)
    scored = table.baseline >= 0
    non_completers = inside & scored & ~table.paired
    geography = _geography(table, projects, scope)
    in_scope = geography if scope.project_id else geography & table.counted
    # Data quality: exact for the view's blocks for a coordinator; otherwise only the reader's own
    # people (every one of theirs in the view, counted once above project level).
    quality = inside if entitled else in_scope & table.visible
    status = table.status
    evaluation = Evaluation(
        scope=scope,
        threshold=threshold,
        small_number=small_number,
        window=window,
        participants=int(quality.sum()),
        scored_baselines=int((inside & scored).sum()),
        scored_follow_ups=int((quality & (table.follow_up >= 0)).sum()),
        pairs=Rows(table, pair_index),
        summary=summary,
        no_follow_up=int((quality & ((status == _CODE[Reason.NOT_YET]) | (status == _CODE[Reason.PAST_DUE]))).sum()),
        past_due=int((quality & (status == _CODE[Reason.PAST_DUE])).sum()),
        completers_baseline=_mean(table.baseline[all_pairs]),
        non_completers=int(non_completers.sum()),
        non_completers_baseline=_mean(table.baseline[non_completers]),
        pooled=int(inside.sum()) < int(in_scope.sum()),
        projects=projects,
        blocks=block_list,
        entitled=entitled,
        table=table,
        pair_index=pair_index,
        mode_hidden=mode_hidden,
        second_courses=int((inside & ~table.counted).sum()),
    )
    if not scope.mode:
        for m, mode in enumerate(PAIR_MODES):
            of_mode = all_pairs & (table.mode == m)
            kept = of_mode & ~mode_hidden[table.block_of, m]
            members = np.flatnonzero(kept)
            cell: Cell[PairedSummary] = Cell(
                PAIR_MODE_LABELS[mode], len(members), _summary_of(table, members, threshold, tests=False)
            )
            cell.hidden = len(members) < small_number
            cell.partial = bool((of_mode & ~kept).any()) and not cell.hidden
            cell.members = [] if cell.hidden else Rows(table, members)  # type: ignore[assignment]
            evaluation.modes.append(cell)
    if breakdowns and shown and table.answers is not None:
        before, after = evaluation.scores()
        evaluation.breakdowns = _breakdowns(
            table.year[pair_index], table.answers[pair_index], before, after, threshold, small_number
        )
    return evaluation


def _breakdowns(
    years: Any, answers: Any, before: Any, after: Any, threshold: Decimal, small: int
) -> dict[str, list[Cell[PairedSummary]]]:
    """Network-level only: for each question and year, small answers hidden (and the next smallest
    until the hidden add up to the threshold); a view over several years adds up the shown cells."""
    import numpy as np

    distinct, year_of = np.unique(years, return_inverse=True)
    result: dict[str, list[Cell[PairedSummary]]] = {}
    for index, (name, question) in enumerate(QUESTIONS.items()):
        labels = (*question.options, NOT_ANSWERED)  # an answer's code is its place here
        codes = answers[:, index]
        counts = np.bincount(year_of * len(labels) + codes, minlength=len(distinct) * len(labels))
        counts = counts.reshape(len(distinct), len(labels))
        shown = np.zeros_like(counts, dtype=bool)
        for y in range(len(distinct)):
            cells = suppress([Cell(label, int(counts[y, i]), None) for i, label in enumerate(labels)], small)
            shown[y] = [not cell.hidden and cell.n > 0 for cell in cells]
        kept = shown[year_of, codes]
        cells_out = []
        for i, label in enumerate(labels):
            total = int(counts[:, i].sum())
            if not total:
                continue
            mask = kept & (codes == i)
            n = int(mask.sum())
            out: Cell[PairedSummary] = Cell(
                label, n, summarise_arrays(before[mask], after[mask], threshold=threshold, tests=False)
            )
            out.hidden = n == 0
            out.reason = "primary" if out.hidden else ""
            out.partial = 0 < n < total
            out.mask = mask
            cells_out.append(out)
        result[name] = cells_out
    return result


def _exclusions(
    session: Session, table: Table, projects: dict[int, ProjectInfo], scope: Scope, window: Window
) -> dict[str, list[Exclusion]]:
    """Who is left out of the pairs and why: only people the reader may see, in the view's projects
    and year; each incomplete form says which statements are unanswered (two small queries)."""
    import numpy as np

    result: dict[str, list[Exclusion]] = {reason: [] for reason in REASON_LABELS}
    chosen = np.flatnonzero(_geography(table, projects, scope) & table.visible & ~table.paired)
    if not len(chosen):
        return result
    people = sorted(set(table.participant_id[chosen].tolist()))
    codes: dict[int, str] = {}
    for start in range(0, len(people), 1000):
        chunk = people[start : start + 1000]
        codes.update(session.exec(select(Participant.id, Participant.code).where(col(Participant.id).in_(chunk))).all())
    incomplete = {_CODE[Reason.INCOMPLETE_BASELINE], _CODE[Reason.INCOMPLETE_FOLLOW_UP]}
    forms = []
    for i in chosen.tolist():
        if int(table.status[i]) in incomplete:
            forms.append(
                int(
                    table.baseline_id[i]
                    if table.status[i] == _CODE[Reason.INCOMPLETE_BASELINE]
                    else table.follow_up_id[i]
                )
            )
    items: dict[int, list[int | None]] = {}
    for start in range(0, len(forms), 1000):
        chunk = forms[start : start + 1000]
        query = select(WellbeingScore.id, *(getattr(WellbeingScore, f"item_{i}") for i in range(1, 8))).where(
            col(WellbeingScore.id).in_(chunk)
        )
        items.update({row[0]: list(row[1:]) for row in session.exec(query)})
    for i in chosen.tolist():
        status = STATUSES[int(table.status[i])]
        baseline_on = date.fromordinal(int(table.baseline_day[i]))
        detail = ""
        form = int(table.follow_up_id[i])
        if status == Reason.OUTSIDE_WINDOW:
            days = int(table.follow_up_day[i] - table.baseline_day[i])
            detail = f"{half_up(Fraction(days, 7), 1)} weeks after the baseline (window {window.min_weeks} to {window.max_weeks})"
        elif status in (Reason.NOT_YET, Reason.PAST_DUE):
            detail = f"baseline on {baseline_on:%d/%m/%Y}"
        if status == Reason.INCOMPLETE_BASELINE:
            form = int(table.baseline_id[i])
        if status in (Reason.INCOMPLETE_BASELINE, Reason.INCOMPLETE_FOLLOW_UP):
            detail = (
                "statement "
                + ", ".join(str(n) for n, v in enumerate(items.get(form, []), start=1) if v is None)
                + " unanswered"
            )
        participant = int(table.participant_id[i])
        result[status].append(
            Exclusion(
                codes.get(participant, ""), projects[int(table.project_id[i])].title, status, detail, form, participant
            )
        )
    return result


def by_locality(evaluation: Evaluation, localities: list[Locality]) -> list[Cell[PairedSummary]]:
    """The view's figures for each locality, from the same blocks (no second query)."""
    import numpy as np

    assert evaluation.table is not None
    table = evaluation.table
    cells = []
    for locality in localities:
        scope = Scope(locality=locality.slug, year=evaluation.scope.year, mode=evaluation.scope.mode)
        shown_blocks = np.array([in_view(b, scope, evaluation.projects) for b in evaluation.blocks] + [False])
        mask = shown_blocks[table.block_of] & table.paired
        if scope.mode:
            m = PAIR_MODES.index(scope.mode)
            mask &= (table.mode == m) & ~evaluation.mode_hidden[table.block_of, m]
        members = np.flatnonzero(mask)
        cell = Cell(locality.name, len(members), _summary_of(table, members, evaluation.threshold, tests=False))
        cell.hidden = len(members) < evaluation.small_number
        cell.members = [] if cell.hidden else Rows(table, members)  # type: ignore[assignment]
        cells.append(cell)
    return cells


# The de-identified CSV -------------------------------------------------------------------------

CSV_HEADER = [
    "Project",
    "Partner",
    "Locality",
    "Baseline year",
    "How completed",
    "Baseline raw",
    "Baseline metric",
    "Follow-up raw",
    "Follow-up metric",
    "Change (metric)",
]

_RAW = {hundredths: raw for raw, hundredths in HUNDREDTHS.items()}


def _raw(hundredths: int | None) -> int | str:
    return _RAW[hundredths] if hundredths is not None else ""


def _line(cells: list[Any]) -> str:
    """One CSV line as csv.writer writes it (quoting where needed), without its line ending."""
    out = io.StringIO()
    safe_writer(out).writerow(cells)
    return out.getvalue()[:-2]


def paired_csv(evaluation: Evaluation) -> str:
    """De-identified pairs of the view, rows in random order. A grouping column is filled only where
    that group is shown on the reports: project and partner for project blocks, locality for project
    and locality blocks, how completed where that block's split is shown. No codes, no dates.

    Each line is the text of its block and way of completing, then the text of its two scores: both
    written once for each distinct value, not once per row."""
    import numpy as np

    assert evaluation.table is not None
    table, projects, index = evaluation.table, evaluation.projects, evaluation.pair_index
    block_of, modes = table.block_of[index], table.mode[index]
    names = {info.locality: info.locality_name for info in projects.values()}
    prefix_of = {}
    for number, m in set(zip(block_of.tolist(), modes.tolist())):
        block = evaluation.blocks[number]
        info = projects[block.project_id] if block.project_id else None
        mode = PAIR_MODES[m]
        prefix_of[(number, m)] = _line(
            [
                info.title if info else "",
                info.partner_name if info else "",
                names.get(block.locality, "") if block.level != "network" else "",
                block.year,
                "" if block.modes[mode].hidden else PAIR_MODE_LABELS[mode],
            ]
        )
    key = block_of * len(PAIR_MODES) + modes
    prefixes = {number * len(PAIR_MODES) + m: text for (number, m), text in prefix_of.items()}
    before, after = table.baseline[index], table.follow_up[index]
    scores_key = before * 10_000 + after
    scores_text = {}
    for value in np.unique(scores_key).tolist():
        b, a = divmod(value, 10_000)
        scores_text[value] = (
            f"{_raw(b)},{format_hundredths(b)},{_raw(a)},{format_hundredths(a)},{format_hundredths(a - b)}\r\n"
        )
    lines = [prefixes[k] + "," + scores_text[s] for k, s in zip(key.tolist(), scores_key.tolist())]
    _shuffle(lines)
    return _line(CSV_HEADER) + "\r\n" + "".join(lines)


def _shuffle(rows: list) -> None:
    """Random order, so a row's place says nothing about when it was entered (seeded from the OS)."""
    random.Random(secrets.randbits(128)).shuffle(rows)


def breakdown_csv(evaluation: Evaluation, question: str) -> str:
    """One equality answer beside each pair (network level), filled only where that answer's cell is
    shown for that year; nothing else that could be cross-tabulated with it."""
    import numpy as np

    table, index = evaluation.table, evaluation.pair_index
    assert table is not None and table.answers is not None
    options = (*QUESTIONS[question].options, NOT_ANSWERED)
    codes = table.answers[index, list(QUESTIONS).index(question)]
    years = table.year[index]
    before, after = table.baseline[index], table.follow_up[index]
    label = np.empty(len(index), dtype=object)
    for year in np.unique(years).tolist():
        in_year = years == year
        counts = np.bincount(codes[in_year], minlength=len(options))
        cells = suppress(
            [Cell(option, int(counts[i]), i) for i, option in enumerate(options) if counts[i]], evaluation.small_number
        )
        for cell in cells:
            label[in_year & (codes == cell.value)] = "" if cell.hidden else cell.label
    rows = [
        [year, text, format_hundredths(b), format_hundredths(a), format_hundredths(a - b)]
        for year, text, b, a in zip(years.tolist(), label.tolist(), before.tolist(), after.tolist())
    ]
    _shuffle(rows)
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(
        ["Baseline year", QUESTIONS[question].label, "Baseline metric", "Follow-up metric", "Change (metric)"]
    )
    writer.writerows(rows)
    return out.getvalue()
