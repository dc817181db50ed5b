"""Recording SWEMWBS forms: scored exactly with the conversion table; follow-ups pair with a baseline."""

from __future__ import annotations

from sqlmodel import Session, select

from creative_minds.accounts.models import User
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.exceptions import Conflict, Invalid
from stories.participants.models import Participant
from stories.participants.service import check_can_see
from stories.scores import swemwbs
from stories.scores.forms import ScoreInput
from stories.scores.models import ScoreKind, WellbeingScore


def find_score(session: Session, participant_id: int, project_id: int, kind: ScoreKind) -> WellbeingScore | None:
    return session.exec(
        select(WellbeingScore).where(
            WellbeingScore.participant_id == participant_id,
            WellbeingScore.project_id == project_id,
            WellbeingScore.kind == kind.value,
        )
    ).first()


def record_score(session: Session, participant: Participant, data: ScoreInput, *, by: User) -> WellbeingScore:
    check_can_see(session, by, participant)
    if data.project_id not in {link.project_id for link in participant.project_links}:
        raise Invalid(
            "Choose one of the participant's projects.",
            errors={"project_id": "Choose one of this participant's projects, or add the project to them first."},
        )
    try:
        raw, metric = swemwbs.score(data.items)
    except swemwbs.ItemError as exc:
        raise Invalid(str(exc), errors={"items": str(exc)}) from exc
    if find_score(session, participant.id, data.project_id, data.kind) is not None:
        what = "a baseline" if data.kind == ScoreKind.BASELINE else "a follow-up"
        raise Conflict(f"{participant.code} already has {what} for this project.")
    if data.kind == ScoreKind.FOLLOW_UP:
        baseline = find_score(session, participant.id, data.project_id, ScoreKind.BASELINE)
        if baseline is None:
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
    score = WellbeingScore(
        participant_id=participant.id,
        project_id=data.project_id,
        kind=data.kind.value,
        completed_on=data.completed_on,
        raw_score=raw,
        metric_score=metric,
        recorded_by_id=by.id,
        **{f"item_{i}": value for i, value in enumerate(data.items, start=1)},
    )
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
