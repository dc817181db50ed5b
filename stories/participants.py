"""Participants: pseudonymous records only reporters and coordinators see; erasure removes everything."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from creative_minds.accounts.models import Role, User
from creative_minds.exceptions import Forbidden, Invalid, NotFound
from creative_minds.timeutil import today
from projects.models import Project
from stories.equality import QUESTIONS
from stories.forms import ParticipantInput
from stories.models import Participant, ParticipantProject, ScoreKind, WellbeingScore

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I, easy to read aloud
FOLLOW_UP_AFTER_MONTHS = 3


def check_access(user: User | None) -> User:
    if user is None or user.role not in (Role.REPORTER, Role.COORDINATOR):
        raise Forbidden("Only Community Reporters and coordinators can see participant records.")
    return user


def new_code(session: Session) -> str:
    while True:
        code = "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if session.exec(select(Participant.id).where(Participant.code == code)).first() is None:
            return code


def _projects(session: Session, ids: list[int]) -> list[Project]:
    found = list(session.exec(select(Project).where(col(Project.id).in_(ids)))) if ids else []
    if len(found) != len(set(ids)):
        raise Invalid("Choose projects from the list.", errors={"project_ids": "Choose projects from the list."})
    return found


def create_participant(session: Session, data: ParticipantInput, *, by: User) -> Participant:
    check_access(by)
    participant = Participant(code=new_code(session), created_by_id=by.id)
    _apply(session, participant, data)
    session.add(participant)
    session.flush()
    return participant


def update_participant(session: Session, participant: Participant, data: ParticipantInput, *, by: User) -> Participant:
    check_access(by)
    _apply(session, participant, data)
    session.add(participant)
    session.flush()
    return participant


def _apply(session: Session, participant: Participant, data: ParticipantInput) -> None:
    for name in QUESTIONS:
        setattr(participant, name, getattr(data, name))
    wanted = {p.id for p in _projects(session, data.project_ids)}
    for link in [link for link in participant.project_links if link.project_id not in wanted]:
        participant.project_links.remove(link)
    present = {link.project_id for link in participant.project_links}
    for project_id in sorted(wanted - present):
        participant.project_links.append(ParticipantProject(project_id=project_id, joined_on=today()))


def get_participant(session: Session, participant_id: int, *, by: User) -> Participant:
    check_access(by)
    participant = session.get(
        Participant, participant_id,
        options=[selectinload(Participant.project_links).selectinload(ParticipantProject.project),
                 selectinload(Participant.scores).selectinload(WellbeingScore.project),
                 selectinload(Participant.stories)],
    )
    if participant is None:
        raise NotFound(f"There is no participant number {participant_id}.")
    return participant


def list_participants(session: Session, *, by: User, code: str = "") -> list[Participant]:
    check_access(by)
    query = select(Participant).options(selectinload(Participant.project_links).selectinload(ParticipantProject.project))
    if code.strip():
        query = query.where(col(Participant.code).contains(code.strip().upper()))
    return list(session.exec(query.order_by(Participant.created_at.desc(), Participant.id.desc())))


def erase(session: Session, participant_id: int, *, by: User) -> str:
    """Delete the participant and, with them, every score, answer and story, everywhere."""
    participant = get_participant(session, participant_id, by=by)
    code = participant.code
    session.delete(participant)
    session.flush()
    return code


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last_day in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class DueFollowUp:
    participant: Participant
    project: Project
    baseline_on: date
    due_on: date

    @property
    def overdue_days(self) -> int:
        return (today() - self.due_on).days


def due_on(baseline_on: date, project_end: date | None) -> date:
    """3 months after the baseline, or at the project's end if that comes sooner."""
    three_months = add_months(baseline_on, FOLLOW_UP_AFTER_MONTHS)
    if project_end is not None and baseline_on < project_end < three_months:
        return project_end
    return three_months


def follow_ups_due(session: Session, *, by: User, within_days: int = 14) -> list[DueFollowUp]:
    """People with a baseline but no follow-up for that project, due within `within_days` or overdue."""
    check_access(by)
    baselines = session.exec(
        select(WellbeingScore).where(WellbeingScore.kind == ScoreKind.BASELINE)
        .options(selectinload(WellbeingScore.participant), selectinload(WellbeingScore.project))
    ).all()
    followed = set(session.exec(
        select(WellbeingScore.participant_id, WellbeingScore.project_id).where(WellbeingScore.kind == ScoreKind.FOLLOW_UP)
    ).all())
    horizon = today() + timedelta(days=within_days)
    due = []
    for baseline in baselines:
        if (baseline.participant_id, baseline.project_id) in followed:
            continue
        when = due_on(baseline.completed_on, baseline.project.end_date)
        if when <= horizon:
            due.append(DueFollowUp(baseline.participant, baseline.project, baseline.completed_on, when))
    return sorted(due, key=lambda d: (d.due_on, d.participant.code))
