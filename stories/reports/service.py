"""The evaluation report: paired SWEMWBS changes for any project, partner, locality and period."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from creative_minds.csvout import safe_writer
from creative_minds.formatting import half_up
from creative_minds.localities import Locality
from projects.models import Project
from stories.equality import NOT_ANSWERED, QUESTIONS
from stories.participants.models import Participant
from stories.reports.stats import PairedSummary, summarise
from stories.reports.suppression import Cell, suppress
from stories.scores.models import ScoreKind, WellbeingScore


@dataclass(frozen=True)
class Scope:
    project_id: int | None = None
    partner_id: int | None = None
    locality: str = ""
    date_from: date | None = None  # baseline completed on or after
    date_to: date | None = None  # baseline completed on or before

    def describe(self, names: dict[str, str]) -> str:
        parts = [names.get("project") or names.get("partner") or names.get("locality") or "the whole network"]
        if self.date_from or self.date_to:
            start = f"{self.date_from:%d %B %Y}" if self.date_from else "the start"
            end = f"{self.date_to:%d %B %Y}" if self.date_to else "today"
            parts.append(f"baselines from {start} to {end}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Pair:
    participant_id: int
    project_title: str
    locality: str
    baseline_on: date
    follow_up_on: date
    baseline_raw: int
    baseline_metric: Decimal
    follow_up_raw: int
    follow_up_metric: Decimal
    answers: dict[str, str | None]

    @property
    def change(self) -> Decimal:
        return self.follow_up_metric - self.baseline_metric


@dataclass
class Evaluation:
    scope: Scope
    threshold: Decimal
    small_number: int
    participants_with_baseline: int
    incomplete_forms: int
    pairs: list[Pair]
    summary: PairedSummary
    breakdowns: dict[str, list[Cell[PairedSummary]]] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.summary.n >= self.small_number


def _filtered(query, scope: Scope, score):
    query = query.join(Project, Project.id == score.project_id).join(Locality, Locality.id == Project.locality_id)
    if scope.project_id:
        query = query.where(score.project_id == scope.project_id)
    if scope.partner_id:
        query = query.where(Project.partner_id == scope.partner_id)
    if scope.locality:
        query = query.where(Locality.slug == scope.locality)
    if scope.date_from:
        query = query.where(score.completed_on >= scope.date_from)
    if scope.date_to:
        query = query.where(score.completed_on <= scope.date_to)
    return query


def paired(session: Session, scope: Scope) -> list[Pair]:
    base, follow = aliased(WellbeingScore), aliased(WellbeingScore)
    query = (
        select(base, follow, Project.title, Locality.name, Participant)  # type: ignore[call-overload]
        .join(
            follow,
            (follow.participant_id == base.participant_id)
            & (follow.project_id == base.project_id)
            & (follow.kind == ScoreKind.FOLLOW_UP.value),
        )
        .join(Participant, Participant.id == base.participant_id)
        .where(base.kind == ScoreKind.BASELINE.value, base.metric_score.is_not(None), follow.metric_score.is_not(None))
    )
    rows = session.exec(_filtered(query, scope, base).order_by(base.id)).all()
    return [
        Pair(
            b.participant_id,
            title,
            locality,
            b.completed_on,
            f.completed_on,
            b.raw_score,
            b.metric_score,
            f.raw_score,
            f.metric_score,
            {name: getattr(person, name) for name in QUESTIONS},
        )
        for b, f, title, locality, person in rows
    ]


def evaluate(session: Session, scope: Scope, *, threshold: Decimal, small_number: int) -> Evaluation:
    pairs = paired(session, scope)
    with_baseline = session.exec(
        _filtered(
            select(func.count(func.distinct(WellbeingScore.participant_id)))
            .select_from(WellbeingScore)
            .where(WellbeingScore.kind == ScoreKind.BASELINE.value, WellbeingScore.metric_score.is_not(None)),
            scope,
            WellbeingScore,
        )
    ).one()
    incomplete = session.exec(
        _filtered(
            select(func.count()).select_from(WellbeingScore).where(WellbeingScore.metric_score.is_(None)),
            scope,
            WellbeingScore,
        )
    ).one()
    evaluation = Evaluation(
        scope,
        threshold,
        small_number,
        with_baseline,
        incomplete,
        pairs,
        summarise([(p.baseline_metric, p.follow_up_metric) for p in pairs], threshold=threshold),
    )
    for name, question in QUESTIONS.items():
        groups: dict[str, list[Pair]] = {label: [] for label in (*question.options, NOT_ANSWERED)}
        for pair in pairs:
            groups[pair.answers[name] or NOT_ANSWERED].append(pair)
        cells = [
            Cell(
                label,
                len(members),
                summarise([(p.baseline_metric, p.follow_up_metric) for p in members], threshold=threshold),
            )
            for label, members in groups.items()
            if members
        ]
        evaluation.breakdowns[name] = suppress(cells, small_number)
    return evaluation


def by_locality(session: Session, scope: Scope, *, threshold: Decimal, small_number: int) -> list[Cell[PairedSummary]]:
    pairs = paired(session, scope)
    names = sorted({p.locality for p in pairs})
    cells = [
        Cell(
            name,
            len(members),
            summarise([(p.baseline_metric, p.follow_up_metric) for p in members], threshold=threshold),
        )
        for name in names
        for members in [[p for p in pairs if p.locality == name]]
    ]
    return suppress(cells, small_number)


def paired_csv(evaluation: Evaluation) -> str:
    """De-identified paired data: no codes, baseline month only, rows in random order."""
    rows = list(evaluation.pairs)
    random.SystemRandom().shuffle(rows)
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(
        [
            "Project",
            "Locality",
            "Baseline month",
            "Baseline raw",
            "Baseline metric",
            "Follow-up raw",
            "Follow-up metric",
            "Change (metric)",
        ]
    )
    for pair in rows:
        writer.writerow(
            [
                pair.project_title,
                pair.locality,
                f"{pair.baseline_on:%Y-%m}",
                pair.baseline_raw,
                half_up(pair.baseline_metric),
                pair.follow_up_raw,
                half_up(pair.follow_up_metric),
                half_up(pair.change),
            ]
        )
    return out.getvalue()
