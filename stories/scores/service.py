"""Recording SWEMWBS forms: scored exactly with the conversion table; follow-ups pair with a baseline.

A reporter's work is never lost: a form saved with an answer missed (or any mistake) can be corrected
or replaced by the reporter who entered it or by a coordinator; each earlier version is kept with who
replaced it, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import insert
from sqlmodel import Session, col, select

from creative_minds.accounts.models import User
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.db import MAX_ID, get_or_404
from creative_minds.exceptions import DomainError, Forbidden, Invalid, NotFound
from creative_minds.timeutil import today, utcnow
from stories.participants.models import Participant, ParticipantProject
from stories.participants.service import NOT_YOURS, check_access, check_can_see, visible_to
from stories.scores import swemwbs
from stories.scores.forms import ScoreInput
from stories.scores.models import CompletionMode, ScoreKind, WellbeingScore, WellbeingScoreRevision

ITEM_FIELDS = tuple(f"item_{i}" for i in range(1, 8))


class AlreadyRecorded(Invalid):
    """The participant already has this form for this project: the form is shown again with what was
    typed, offering to replace the saved one (with a reason) instead of losing the answers."""

    def __init__(self, participant: Participant, existing: WellbeingScore) -> None:
        what = "baseline" if existing.kind == ScoreKind.BASELINE else "follow-up"
        state = (
            "scored"
            if existing.is_scored
            else f"not scored: statement {', '.join(map(str, existing.missing_items))} unanswered"
        )
        message = (
            f"{participant.code} already has a {what} for this project, dated {existing.completed_on:%d/%m/%Y} "
            f"({state}). To replace it with the answers below, tick “Replace the saved form”, say why, and save again."
        )
        super().__init__(message, errors={"replace": message})
        self.existing = existing


def find_score(session: Session, participant_id: int, project_id: int, kind: ScoreKind) -> WellbeingScore | None:
    return session.exec(
        select(WellbeingScore).where(
            WellbeingScore.participant_id == participant_id,
            WellbeingScore.project_id == project_id,
            WellbeingScore.kind == kind.value,
        )
    ).first()


def form_defaults(participant: Participant) -> dict[str, Any]:
    """What a new form starts with: the project preselected when the person has one (or one awaiting
    its follow-up), and the follow-up once a baseline exists for it."""
    kinds: dict[int, set[str]] = {}
    for score in participant.scores:
        kinds.setdefault(score.project_id, set()).add(score.kind)
    project_ids = [link.project_id for link in participant.project_links]
    awaiting = [pid for pid in project_ids if kinds.get(pid) == {ScoreKind.BASELINE.value}]
    fresh = [pid for pid in project_ids if not kinds.get(pid)]
    values: dict[str, Any] = {"completed_on": today().isoformat(), "completion_mode": CompletionMode.SELF.value}
    if len(awaiting) == 1 or (awaiting and not fresh):
        values.update(project_id=awaiting[0], kind=ScoreKind.FOLLOW_UP.value)
    elif len(project_ids) == 1 or (len(fresh) == 1 and not awaiting):
        pid = project_ids[0] if len(project_ids) == 1 else fresh[0]
        done = kinds.get(pid, set())
        values.update(
            project_id=pid,
            kind=ScoreKind.FOLLOW_UP.value if ScoreKind.BASELINE.value in done else ScoreKind.BASELINE.value,
        )
    else:
        values["kind"] = ScoreKind.BASELINE.value
    return values


def score_values(score: WellbeingScore) -> dict[str, Any]:
    """A saved form as the form's fields, to correct it."""
    return {
        "project_id": score.project_id,
        "kind": score.kind,
        "completed_on": score.completed_on.isoformat(),
        "completion_mode": score.completion_mode if score.completion_mode != CompletionMode.NOT_RECORDED else "",
        **{name: getattr(score, name) for name in ITEM_FIELDS},
    }


def _check(session: Session, participant: Participant, data: ScoreInput, *, ignore: int | None = None) -> None:
    """Rules every save follows (new or corrected)."""
    baseline = follow_up = None
    if data.kind == ScoreKind.FOLLOW_UP:
        baseline = find_score(session, participant.id, data.project_id, ScoreKind.BASELINE)
    else:
        follow_up = find_score(session, participant.id, data.project_id, ScoreKind.FOLLOW_UP)
    _check_with({link.project_id for link in participant.project_links}, data, baseline, follow_up, ignore=ignore)


def _check_with(
    project_ids: set[int],
    data: ScoreInput,
    baseline: _Dated | None,
    follow_up: _Dated | None,
    *,
    ignore: int | None,
) -> None:
    """_check's rules, given the participant's projects and their saved baseline or follow-up for the project."""
    if data.project_id not in project_ids:
        raise Invalid(
            "Choose one of the participant's projects.",
            errors={"project_id": "Choose one of this participant's projects, or add the project to them first."},
        )
    try:
        swemwbs.check_items(data.items)
    except swemwbs.ItemError as exc:
        raise Invalid(str(exc), errors={"items": str(exc)}) from exc
    if data.kind == ScoreKind.FOLLOW_UP:
        if baseline is None or baseline.id == ignore:
            raise Invalid(
                "A follow-up needs a baseline first.",
                errors={"kind": "Record the baseline (before) form for this project first."},
            )
        if data.completed_on < baseline.completed_on:
            raise Invalid(
                "The follow-up is dated before the baseline.",
                errors={
                    "completed_on": f"The baseline was on {baseline.completed_on:%d/%m/%Y}; the follow-up must be after it."
                },
            )
    else:
        if follow_up is not None and follow_up.id != ignore and follow_up.completed_on < data.completed_on:
            raise Invalid(
                "The baseline is dated after the follow-up.",
                errors={
                    "completed_on": f"The follow-up was on {follow_up.completed_on:%d/%m/%Y}; the baseline must be before it."
                },
            )


def _form_values(data: ScoreInput) -> dict[str, Any]:
    """What a saved form holds from the form's answers: the answers, and the scores worked out from them."""
    raw, metric = swemwbs.score(data.items)
    return {
        "project_id": data.project_id,
        "kind": data.kind.value,
        "completed_on": data.completed_on,
        "completion_mode": data.completion_mode.value,
        "raw_score": raw,
        "metric_score": metric,
        **dict(zip(ITEM_FIELDS, data.items, strict=True)),
    }


def _fill(score: WellbeingScore, data: ScoreInput) -> None:
    for name, value in _form_values(data).items():
        setattr(score, name, value)


class _Dated(Protocol):
    """A saved form as the rules need it: its id and date."""

    @property
    def id(self) -> int | None: ...

    @property
    def completed_on(self) -> date: ...


@dataclass
class _Pending:
    """A form checked and about to be written by record_scores (a negative id until it has its own)."""

    id: int
    completed_on: date
    values: dict[str, Any]


def record_score(
    session: Session, participant: Participant, data: ScoreInput, *, by: User, replace: bool = False, reason: str = ""
) -> WellbeingScore:
    """Save a new form. If this form already exists, refuse (AlreadyRecorded) unless `replace`, which
    corrects the saved form with these answers (the earlier version kept, with the reason)."""
    check_can_see(session, by, participant)
    existing = find_score(session, participant.id, data.project_id, data.kind)
    if existing is not None:
        if not replace:
            _check(session, participant, data, ignore=existing.id)
            raise AlreadyRecorded(participant, existing)
        return correct_score(session, participant, existing, data, reason=reason, by=by)
    _check(session, participant, data)
    score = WellbeingScore(
        participant_id=participant.id,
        recorded_by_id=by.id,
        project_id=data.project_id,
        kind=data.kind.value,
        completed_on=data.completed_on,
    )
    _fill(score, data)
    session.add(score)
    session.flush()
    audit.record(
        session,
        by=by,
        action=AuditAction.CREATE,
        subject="score",
        subject_id=score.id,
        label=participant.code,
        detail=f"{data.kind.value} on {data.completed_on:%d/%m/%Y}",
    )
    return score


def record_scores(session: Session, rows: list[tuple[int, ScoreInput]], *, by: User) -> list[int | DomainError]:
    """Save many new forms at once (a bulk import): (participant id, form) pairs, each checked by the
    rules record_score follows (without `replace`: a form already saved is refused with
    AlreadyRecorded), in order, so a follow-up finds a baseline saved earlier in the same call.

    The participants, their projects and their saved forms are read once for all the rows; the forms
    and their audit events are written in a few statements. Returns, for each row, the new form's id
    or the error that refused the row (nothing saved for it)."""
    check_access(by)
    wanted = sorted({participant_id for participant_id, _ in rows if 0 < participant_id <= MAX_ID})
    codes: dict[int, str] = dict(
        session.exec(select(Participant.id, Participant.code).where(col(Participant.id).in_(wanted))).all()
    )
    visible = set(codes)
    if not by.is_coordinator:
        visible = set(session.exec(select(Participant.id).where(col(Participant.id).in_(wanted), visible_to(by))))
    projects: dict[int, set[int]] = {}
    for participant_id, project_id in session.exec(
        select(ParticipantProject.participant_id, ParticipantProject.project_id).where(
            col(ParticipantProject.participant_id).in_(wanted)
        )
    ):
        projects.setdefault(participant_id, set()).add(project_id)
    saved: dict[tuple[int, int, str], WellbeingScore | _Pending] = {
        (score.participant_id, score.project_id, score.kind): score
        for score in session.exec(select(WellbeingScore).where(col(WellbeingScore.participant_id).in_(wanted)))
    }
    results: list[int | DomainError] = []
    made: list[tuple[int, _Pending]] = []
    now = utcnow()
    for index, (participant_id, data) in enumerate(rows):
        try:
            code = codes.get(participant_id)
            if code is None:
                raise NotFound(f"There is no participant number {participant_id}.")
            if participant_id not in visible:
                raise Forbidden(NOT_YOURS)
            key = (participant_id, data.project_id)
            existing = saved.get((*key, data.kind.value))
            baseline = saved.get((*key, ScoreKind.BASELINE.value)) if data.kind == ScoreKind.FOLLOW_UP else None
            follow_up = saved.get((*key, ScoreKind.FOLLOW_UP.value)) if data.kind != ScoreKind.FOLLOW_UP else None
            ignore = existing.id if existing is not None else None
            _check_with(projects.get(participant_id, set()), data, baseline, follow_up, ignore=ignore)
            if existing is not None:
                if isinstance(existing, _Pending):  # saved by an earlier row of this call
                    existing = WellbeingScore(**existing.values)
                raise AlreadyRecorded(Participant(id=participant_id, code=code), existing)
        except DomainError as exc:
            results.append(exc)
            continue
        # The same values record_score gives a new WellbeingScore.
        values = {
            "participant_id": participant_id,
            "recorded_by_id": by.id,
            "created_at": now,
            "corrected_by_id": None,
            "corrected_at": None,
            **_form_values(data),
        }
        pending = _Pending(-1 - len(made), data.completed_on, values)  # no saved form has a negative id
        saved[(*key, data.kind.value)] = pending
        made.append((index, pending))
        results.append(0)
    if not made:
        return results
    # Written without RETURNING (a plain executemany is many times quicker on PostgreSQL), then the new
    # ids read back by the form's unique (participant, project, kind).
    session.execute(insert(WellbeingScore), [pending.values for _, pending in made])
    written = {(p.values["participant_id"], p.values["project_id"], p.values["kind"]) for _, p in made}
    found = {
        (participant_id, project_id, kind): score_id
        for score_id, participant_id, project_id, kind in session.execute(
            select(
                WellbeingScore.id, WellbeingScore.participant_id, WellbeingScore.project_id, WellbeingScore.kind
            ).where(col(WellbeingScore.participant_id).in_(sorted({key[0] for key in written})))
        )
        if (participant_id, project_id, kind) in written
    }
    ids = [found[(p.values["participant_id"], p.values["project_id"], p.values["kind"])] for _, p in made]
    events = []
    for (index, pending), score_id in zip(made, ids, strict=True):
        results[index] = score_id
        values = pending.values
        events.append(
            (score_id, codes[values["participant_id"]], f"{values['kind']} on {pending.completed_on:%d/%m/%Y}")
        )
    audit.record_many(session, by=by, action=AuditAction.CREATE, subject="score", entries=events)
    return results


def can_correct(user: User, score: WellbeingScore) -> bool:
    return user.is_coordinator or (score.recorded_by_id is not None and score.recorded_by_id == user.id)


def get_score(session: Session, participant: Participant, score_id: int) -> WellbeingScore:
    score = get_or_404(session, WellbeingScore, score_id, "wellbeing form")
    if score.participant_id != participant.id:
        raise NotFound(f"{participant.code} has no wellbeing form number {score_id}.")
    return score


def correct_score(
    session: Session, participant: Participant, score: WellbeingScore, data: ScoreInput, *, reason: str, by: User
) -> WellbeingScore:
    """Replace a saved form's answers; the earlier version is kept with who replaced it, when and why."""
    check_can_see(session, by, participant)
    if not can_correct(by, score):
        raise Forbidden("Only the reporter who entered this form, or a coordinator, can correct it.")
    why = audit.require_reason(reason, "correcting this form")
    clash = find_score(session, participant.id, data.project_id, data.kind)
    if clash is not None and clash.id != score.id:
        raise Invalid(
            "There is already a form of that kind for that project.",
            errors={"kind": "This participant already has that form for that project: correct that one instead."},
        )
    _check(session, participant, data, ignore=score.id)
    session.add(
        WellbeingScoreRevision(
            score_id=score.id,
            project_id=score.project_id,
            kind=score.kind,
            completed_on=score.completed_on,
            raw_score=score.raw_score,
            metric_score=score.metric_score,
            completion_mode=score.completion_mode,
            recorded_by_id=score.corrected_by_id or score.recorded_by_id,
            recorded_at=score.corrected_at or score.created_at,
            replaced_by_id=by.id,
            replaced_by_name=by.full_name[:120],
            reason=why,
            **{name: getattr(score, name) for name in ITEM_FIELDS},
        )
    )
    _fill(score, data)
    score.corrected_by_id, score.corrected_at = by.id, utcnow()
    session.add(score)
    session.flush()
    session.refresh(score, ["revisions"])
    audit.record(
        session,
        by=by,
        action=AuditAction.CHANGE,
        subject="score",
        subject_id=score.id,
        label=participant.code,
        detail=f"corrected {data.kind.value} of {data.completed_on:%d/%m/%Y}: {why}",
    )
    return score
