"""The evaluation report: paired SWEMWBS changes for any project, partner, locality, year and way of
completing, with who is left out and why, loss to follow-up, and small numbers protected across views.

One query fetches every course (one person at one project: their baseline and any follow-up) as plain
columns; everything else is worked out from those rows (see suppression.py for the building blocks).
"""

from __future__ import annotations

import io
import random
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from creative_minds.accounts.models import User
from creative_minds.csvout import safe_cell, safe_writer
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


_PAIR_MODES = {(b.value, f.value): pair_mode(b.value, f.value) for b in CompletionMode for f in CompletionMode}


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


@dataclass(slots=True)
class Course:
    """One person at one project: their baseline form and any follow-up, as plain values."""

    participant_id: int
    project_id: int
    baseline_id: int
    baseline_on: date
    baseline: int | None  # metric score in hundredths; None when not scored
    baseline_mode: str
    follow_up_id: int | None
    follow_up_on: date | None
    follow_up: int | None
    follow_up_mode: str | None
    code: str | None  # the participant's code when the reader may see them, else None
    answers: tuple[str | None, ...] = ()
    status: str = ""  # "pair" or a Reason
    mode: str = ""  # a PairMode, for pairs
    year: int = 0  # of the baseline

    def __post_init__(self) -> None:
        self.year = self.baseline_on.year

    @property
    def paired(self) -> bool:
        return self.status == "pair"

    @property
    def change(self) -> int:
        assert self.baseline is not None and self.follow_up is not None
        return self.follow_up - self.baseline


@dataclass
class Block:
    """A building block of every figure (suppression.py): whole groups of at least the threshold."""

    level: str  # "project", "locality" or "network"
    year: int
    project_id: int | None = None
    locality: str = ""
    courses: list[Course] = field(default_factory=list)
    modes: dict[str, Cell[list[Course]]] = field(default_factory=dict)
    pairs: list[Course] = field(default_factory=list)
    non_completers: list[Course] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pairs = [c for c in self.courses if c.status == "pair"]
        self.non_completers = [c for c in self.courses if c.baseline is not None and c.status != "pair"]


def _reportable(courses: list[Course], small: int) -> bool:
    pairs = sum(1 for c in courses if c.paired)
    left = sum(1 for c in courses if c.baseline is not None and not c.paired)
    return pairs >= small and (left == 0 or left >= small)


def build_blocks(courses: Iterable[Course], projects: dict[int, ProjectInfo], small: int) -> list[Block]:
    """Project-year groups large enough, then locality-year pools, then network-year pools."""
    by_project: dict[tuple[int, int], list[Course]] = defaultdict(list)
    for course in courses:
        by_project[(course.project_id, course.year)].append(course)
    blocks: list[Block] = []
    by_locality: dict[tuple[str, int], list[Course]] = defaultdict(list)
    for (project_id, year), members in by_project.items():
        if _reportable(members, small):
            blocks.append(Block("project", year, project_id, projects[project_id].locality, members))
        else:
            by_locality[(projects[project_id].locality, year)].extend(members)
    by_year: dict[int, list[Course]] = defaultdict(list)
    for (locality, year), members in by_locality.items():
        if _reportable(members, small):
            blocks.append(Block("locality", year, None, locality, members))
        else:
            by_year[year].extend(members)
    for year, members in by_year.items():
        if _reportable(members, small):
            blocks.append(Block("network", year, None, "", members))
    for block in blocks:
        groups: dict[str, list[Course]] = {mode: [] for mode in PAIR_MODE_LABELS}
        for course in block.pairs:
            groups[course.mode].append(course)
        block.modes = {cell.label: cell for cell in suppress([Cell(m, len(g), g) for m, g in groups.items()], small)}
    return blocks


def in_view(block: Block, scope: Scope, projects: dict[int, ProjectInfo]) -> bool:
    """A block counts in a view only when it lies wholly inside it."""
    if scope.year and block.year != scope.year:
        return False
    if block.level == "project":
        info = projects[block.project_id]  # type: ignore[index]
        return (
            (not scope.project_id or info.id == scope.project_id)
            and (not scope.partner_id or info.partner_id == scope.partner_id)
            and (not scope.locality or info.locality == scope.locality)
        )
    if scope.project_id or scope.partner_id:
        return False
    if block.level == "locality":
        return not scope.locality or block.locality == scope.locality
    return not scope.locality


def view_pairs(blocks: list[Block], scope: Scope) -> list[Course]:
    pairs: list[Course] = []
    for block in blocks:
        if scope.mode:
            cell = block.modes[scope.mode]
            if not cell.hidden:
                pairs.extend(cell.value)
        else:
            pairs.extend(block.pairs)
    return pairs


# Fetching ---------------------------------------------------------------------------------------


def _project_infos(session: Session, scope: Scope) -> dict[int, ProjectInfo]:
    query = (
        select(Project.id, Project.title, Project.partner_id, Partner.name, Locality.slug, Locality.name)  # type: ignore[call-overload]
        .join(Partner, col(Partner.id) == Project.partner_id)
        .join(Locality, col(Locality.id) == Project.locality_id)
    )
    query = _geography(query, scope)
    return {row[0]: ProjectInfo(*row) for row in session.exec(query)}


def _geography(query, scope: Scope):
    if scope.project_id:
        query = query.where(Project.id == scope.project_id)
    if scope.partner_id:
        query = query.where(Project.partner_id == scope.partner_id)
    if scope.locality:
        query = query.where(Locality.slug == scope.locality)
    return query


def fetch_courses(
    session: Session,
    scope: Scope,
    *,
    window: Window,
    by: User | None = None,
    answers: bool = False,
    today: date | None = None,
) -> tuple[list[Course], dict[int, ProjectInfo]]:
    """Every course in the scope's geography and year (all ways of completing: the blocks need them),
    in one query of plain columns, classified as a pair or with the reason it is left out."""
    today = today or date.today()
    projects = _project_infos(session, scope)
    base, follow = aliased(WellbeingScore), aliased(WellbeingScore)
    visible = visible_to(by) if by is not None else sa.false()
    columns = [
        base.participant_id,
        base.project_id,
        base.id,
        base.completed_on,
        base.raw_score,
        base.completion_mode,
        follow.id,
        follow.completed_on,
        follow.raw_score,
        follow.completion_mode,
        sa.case((visible, Participant.code), else_=sa.null()),
    ]
    if answers:
        columns += [getattr(Participant, name) for name in QUESTIONS]
    query = (
        select(*columns)
        .select_from(base)
        .join(
            follow,
            (follow.participant_id == base.participant_id)
            & (follow.project_id == base.project_id)
            & (follow.kind == ScoreKind.FOLLOW_UP.value),
            isouter=True,
        )
        .join(Participant, col(Participant.id) == base.participant_id)
        .where(base.kind == ScoreKind.BASELINE.value)
    )
    if scope.geographic:
        query = query.where(col(base.project_id).in_(list(projects) or [0]))
    if scope.year:
        query = query.where(base.completed_on >= date(scope.year, 1, 1), base.completed_on <= date(scope.year, 12, 31))
    courses = []
    connection = session.connection()
    statement = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    rows = connection.exec_driver_sql(str(statement)).fetchall()  # plain tuples: no per-row processing
    as_date = date.fromisoformat if connection.dialect.name == "sqlite" else None
    for row in rows:
        b_raw, f_raw = row[4], row[8]
        b_on, f_on = row[3], row[7]
        if as_date is not None:
            b_on = as_date(b_on)
            f_on = as_date(f_on) if f_on is not None else None
        course = Course(
            row[0],
            row[1],
            row[2],
            b_on,
            HUNDREDTHS[b_raw] if b_raw is not None else None,
            row[5],
            row[6],
            f_on,
            HUNDREDTHS[f_raw] if f_raw is not None else None,
            row[9],
            row[10],
            tuple(row[11:]) if answers else (),
        )
        _classify(course, window, today)
        if course.project_id in projects:
            courses.append(course)
    return courses, projects


def _classify(course: Course, window: Window, today: date) -> None:
    if course.baseline is None:
        course.status = Reason.INCOMPLETE_BASELINE
    elif course.follow_up_id is None:
        course.status = Reason.PAST_DUE if window.closed(course.baseline_on, today) else Reason.NOT_YET
    elif course.follow_up is None:
        course.status = Reason.INCOMPLETE_FOLLOW_UP
    elif not window.holds(course.baseline_on, course.follow_up_on):
        course.status = Reason.OUTSIDE_WINDOW
    else:
        course.status = "pair"
        key = (course.baseline_mode, course.follow_up_mode or "")
        course.mode = _PAIR_MODES.get(key) or pair_mode(*key)


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
    participants: int  # people at a project with a baseline form (someone at two projects counts twice)
    scored_baselines: int
    scored_follow_ups: int
    pairs: list[Course]
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


def _mean(values: list[int]) -> Fraction | None:
    return Fraction(sum(values), 100 * len(values)) if values else None


def _arrays(courses: list[Course]) -> tuple[Any, Any]:
    import numpy as np

    before = np.array([c.baseline for c in courses], dtype=np.int64)
    after = np.array([c.follow_up for c in courses], dtype=np.int64)
    return before, after


def _summary(courses: list[Course], threshold: Decimal, *, tests: bool) -> PairedSummary:
    before, after = _arrays(courses)
    return summarise_arrays(before, after, threshold=threshold, tests=tests)


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
    courses, projects = fetch_courses(session, scope, window=window, by=by, answers=breakdowns, today=today)
    evaluation = evaluate_courses(
        courses, projects, scope, threshold=threshold, small_number=small_number, window=window, breakdowns=breakdowns
    )
    _missing_answers(session, evaluation.exclusions)
    return evaluation


def evaluate_courses(
    courses: list[Course],
    projects: dict[int, ProjectInfo],
    scope: Scope,
    *,
    threshold: Decimal,
    small_number: int,
    window: Window,
    breakdowns: bool = False,
    blocks: list[Block] | None = None,
) -> Evaluation:
    if blocks is None:
        blocks = build_blocks(courses, projects, small_number)
    shown_blocks = [b for b in blocks if in_view(b, scope, projects)]
    inside = [c for b in shown_blocks for c in b.courses]
    pairs = view_pairs(shown_blocks, scope)
    shown = len(pairs) >= small_number
    arrays = _arrays(pairs)
    summary = summarise_arrays(*arrays, threshold=threshold, tests=shown)
    non_completers = [c for b in shown_blocks for c in b.non_completers]
    all_pairs = [c for b in shown_blocks for c in b.pairs]
    in_scope = [c for c in courses if scope.year is None or c.year == scope.year]
    evaluation = Evaluation(
        scope=scope,
        threshold=threshold,
        small_number=small_number,
        window=window,
        participants=len(inside),
        scored_baselines=sum(1 for c in inside if c.baseline is not None),
        scored_follow_ups=sum(1 for c in inside if c.follow_up is not None),
        pairs=pairs,
        summary=summary,
        no_follow_up=sum(1 for c in inside if c.status in (Reason.NOT_YET, Reason.PAST_DUE)),
        past_due=sum(1 for c in inside if c.status == Reason.PAST_DUE),
        completers_baseline=_mean([c.baseline for c in all_pairs]),  # type: ignore[misc]
        non_completers=len(non_completers),
        non_completers_baseline=_mean([c.baseline for c in non_completers]),  # type: ignore[misc]
        pooled=len(inside) < len(in_scope),
        projects=projects,
        blocks=blocks,
    )
    if not scope.mode:
        for mode, label in PAIR_MODE_LABELS.items():
            members = [c for b in shown_blocks for c in b.modes[mode].value if not b.modes[mode].hidden]
            hidden = any(b.modes[mode].hidden for b in shown_blocks)
            cell: Cell[PairedSummary] = Cell(label, len(members), _summary(members, threshold, tests=False))
            cell.hidden = len(members) < small_number
            cell.partial = hidden and not cell.hidden
            cell.members = [] if cell.hidden else members
            evaluation.modes.append(cell)
    if breakdowns and shown:
        evaluation.breakdowns = _breakdowns(pairs, threshold, small_number, arrays)
    evaluation.exclusions = _exclusions(
        [c for c in courses if scope.year is None or c.year == scope.year], projects, window
    )
    return evaluation


def _breakdowns(
    pairs: list[Course], threshold: Decimal, small: int, arrays: tuple[Any, Any] | None = None
) -> dict[str, list[Cell[PairedSummary]]]:
    """Network-level only: for each question and year, small answers hidden (and the next smallest
    until the hidden add up to the threshold); a view over several years adds up the shown cells."""
    import numpy as np

    before, after = arrays or _arrays(pairs)
    columns = list(zip(*(p.answers for p in pairs))) if pairs else []
    years = sorted({p.year for p in pairs})
    year_index = {year: i for i, year in enumerate(years)}
    year_of = np.fromiter((year_index[p.year] for p in pairs), dtype=np.int64, count=len(pairs))
    result: dict[str, list[Cell[PairedSummary]]] = {}
    for index, (name, question) in enumerate(QUESTIONS.items()):
        labels = (*question.options, NOT_ANSWERED)
        code = {label: i for i, label in enumerate(labels)}
        blank = code[NOT_ANSWERED]
        codes = np.array([code.get(answer, blank) for answer in columns[index]], dtype=np.int64)
        counts = np.bincount(year_of * len(labels) + codes, minlength=len(years) * len(labels))
        counts = counts.reshape(len(years), len(labels))
        shown = np.zeros_like(counts, dtype=bool)
        for y in range(len(years)):
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


def _exclusions(courses: list[Course], projects: dict[int, ProjectInfo], window: Window) -> dict[str, list[Exclusion]]:
    """Who is left out of the pairs and why: only people the reader may see (their code is known)."""
    result: dict[str, list[Exclusion]] = {reason: [] for reason in REASON_LABELS}
    for course in courses:
        if course.paired or course.code is None:
            continue
        detail = ""
        if course.status == Reason.OUTSIDE_WINDOW:
            days = (course.follow_up_on - course.baseline_on).days  # type: ignore[operator]
            detail = f"{half_up(Fraction(days, 7), 1)} weeks after the baseline (window {window.min_weeks} to {window.max_weeks})"
        elif course.status in (Reason.NOT_YET, Reason.PAST_DUE):
            detail = f"baseline on {course.baseline_on:%d/%m/%Y}"
        form = course.baseline_id if course.status == Reason.INCOMPLETE_BASELINE else course.follow_up_id
        result[course.status].append(
            Exclusion(
                course.code, projects[course.project_id].title, course.status, detail, form or 0, course.participant_id
            )
        )
    return result


def _missing_answers(session: Session, exclusions: dict[str, list[Exclusion]]) -> dict[str, list[Exclusion]]:
    """Say which statements are unanswered on the incomplete forms listed (one small query)."""
    wanted = [
        e.form_id for reason in (Reason.INCOMPLETE_BASELINE, Reason.INCOMPLETE_FOLLOW_UP) for e in exclusions[reason]
    ]
    items: dict[int, list[int | None]] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        query = select(WellbeingScore.id, *(getattr(WellbeingScore, f"item_{i}") for i in range(1, 8))).where(
            col(WellbeingScore.id).in_(chunk)
        )
        items.update({row[0]: list(row[1:]) for row in session.exec(query)})
    for reason in (Reason.INCOMPLETE_BASELINE, Reason.INCOMPLETE_FOLLOW_UP):
        exclusions[reason] = [
            replace(
                e,
                detail="statement "
                + ", ".join(str(i) for i, v in enumerate(items.get(e.form_id, []), start=1) if v is None)
                + " unanswered",
            )
            for e in exclusions[reason]
        ]
    return exclusions


def by_locality(evaluation: Evaluation, localities: list[Locality]) -> list[Cell[PairedSummary]]:
    """The view's figures for each locality, from the same blocks (no second query)."""
    cells = []
    for locality in localities:
        scope = Scope(locality=locality.slug, year=evaluation.scope.year, mode=evaluation.scope.mode)
        blocks = [b for b in evaluation.blocks if in_view(b, scope, evaluation.projects)]
        members = view_pairs(blocks, scope)
        cell = Cell(
            locality.name,
            len(members),
            _summary(members, evaluation.threshold, tests=False),
        )
        cell.hidden = len(members) < evaluation.small_number
        cell.members = [] if cell.hidden else members
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


def paired_csv(evaluation: Evaluation) -> str:
    """De-identified pairs of the view, rows in random order. A grouping column is filled only where
    that group is shown on the reports: project and partner for project blocks, locality for project
    and locality blocks, how completed where that block's split is shown. No codes, no dates."""
    projects = evaluation.projects
    rows = []
    scope = evaluation.scope
    for block in evaluation.blocks:
        if not in_view(block, scope, projects):
            continue
        info = projects[block.project_id] if block.project_id else None
        locality_name = next((p.locality_name for p in projects.values() if p.locality == block.locality), "")
        # Names are checked for spreadsheet formulas once per block, not once per row.
        title = safe_cell(info.title) if info else ""
        partner = safe_cell(info.partner_name) if info else ""
        locality_cell = safe_cell(locality_name) if block.level != "network" else ""
        for mode, cell in block.modes.items():
            if scope.mode and (mode != scope.mode or cell.hidden):
                continue
            mode_cell = PAIR_MODE_LABELS[mode] if not cell.hidden else ""
            for pair in cell.value:
                rows.append(
                    [
                        title,
                        partner,
                        locality_cell,
                        pair.year,
                        mode_cell,
                        _raw(pair.baseline),
                        format_hundredths(pair.baseline),
                        _raw(pair.follow_up),
                        format_hundredths(pair.follow_up),
                        format_hundredths(pair.change),
                    ]
                )
    _shuffle(rows)
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows_prepared(rows)
    return out.getvalue()


def _shuffle(rows: list) -> None:
    """Random order, so a row's place says nothing about when it was entered (seeded from the OS)."""
    random.Random(secrets.randbits(128)).shuffle(rows)


_RAW = {hundredths: raw for raw, hundredths in HUNDREDTHS.items()}


def _raw(hundredths: int | None) -> int | str:
    return _RAW[hundredths] if hundredths is not None else ""


def breakdown_csv(evaluation: Evaluation, question: str) -> str:
    """One equality answer beside each pair (network level), filled only where that answer's cell is
    shown for that year; nothing else that could be cross-tabulated with it."""
    index = list(QUESTIONS).index(question)
    small = evaluation.small_number
    rows = []
    by_year: dict[int, list[Course]] = defaultdict(list)
    for pair in evaluation.pairs:
        by_year[pair.year].append(pair)
    for year, year_pairs in sorted(by_year.items()):
        groups: dict[str, list[Course]] = defaultdict(list)
        for pair in year_pairs:
            groups[pair.answers[index] or NOT_ANSWERED].append(pair)
        for cell in suppress([Cell(label, len(g), g) for label, g in groups.items()], small):
            for pair in cell.value:
                rows.append(
                    [
                        year,
                        "" if cell.hidden else cell.label,
                        format_hundredths(pair.baseline),
                        format_hundredths(pair.follow_up),
                        format_hundredths(pair.change),
                    ]
                )
    _shuffle(rows)
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(
        ["Baseline year", QUESTIONS[question].label, "Baseline metric", "Follow-up metric", "Change (metric)"]
    )
    writer.writerows(rows)
    return out.getvalue()
