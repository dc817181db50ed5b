"""Participants: pseudonymous records only reporters and coordinators see; erasure removes everything."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from creative_minds.accounts.models import Role, User
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.db import MAX_ID, get_or_404
from creative_minds.exceptions import Forbidden, Invalid
from creative_minds.localities import Locality
from creative_minds.timeutil import today, utcnow
from projects.models import Project
from stories.equality import QUESTIONS
from stories.participants.forms import ParticipantInput
from stories.participants.models import Participant, ParticipantProject, ReporterAssignment
from stories.scores.models import ScoreKind, WellbeingScore

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I, easy to read aloud
FOLLOW_UP_AFTER_MONTHS = 3


def check_access(user: User | None) -> User:
    if user is None or user.role not in (Role.REPORTER, Role.COORDINATOR):
        raise Forbidden("Only Community Reporters and coordinators can see participant records.")
    return user


# Who sees which participants --------------------------------------------------------------------
# Coordinators see everyone. A reporter sees the participants they recorded, and those taking part
# in a project, or in a locality, that a coordinator assigned them to.


def visible_to(user: User) -> ColumnElement[bool]:
    """A condition on Participant: the ones this person may see."""
    if user.is_coordinator:
        return sa.true()
    projects = select(ReporterAssignment.project_id).where(
        ReporterAssignment.reporter_id == user.id, col(ReporterAssignment.project_id).is_not(None)
    )
    localities = select(ReporterAssignment.locality_id).where(
        ReporterAssignment.reporter_id == user.id, col(ReporterAssignment.locality_id).is_not(None)
    )
    assigned = (
        select(ParticipantProject.participant_id)
        .join(Project, col(Project.id) == ParticipantProject.project_id)
        .where(sa.or_(col(ParticipantProject.project_id).in_(projects), col(Project.locality_id).in_(localities)))
    )
    return sa.or_(col(Participant.created_by_id) == user.id, col(Participant.id).in_(assigned))


NOT_YOURS = (
    "This participant is not one of yours. Reporters see the people they recorded, and those in the "
    "projects or localities a coordinator assigned them to."
)


def check_can_see(session: Session, user: User, participant: Participant) -> None:
    check_access(user)
    if user.is_coordinator:
        return
    visible = session.exec(select(Participant.id).where(Participant.id == participant.id, visible_to(user))).first()
    if visible is None:
        raise Forbidden(NOT_YOURS)


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
    audit.record(
        session,
        by=by,
        action=AuditAction.CREATE,
        subject="participant",
        subject_id=participant.id,
        label=participant.code,
    )
    return participant


def _new_codes(session: Session, count: int) -> list[str]:
    """`count` new codes, different from each other and from every saved one (new_code, for many at once)."""
    codes: list[str] = []
    while len(codes) < count:
        fresh = {
            "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6)) for _ in range(count - len(codes))
        } - set(codes)
        taken = set(session.exec(select(Participant.code).where(col(Participant.code).in_(sorted(fresh)))))
        codes += sorted(fresh - taken)
    return codes


def create_participants(session: Session, rows: list[ParticipantInput], *, by: User) -> list[int | Invalid]:
    """Add many participants at once (a bulk import), each checked by the rules create_participant
    follows: the projects they take part in are read once for all the rows, and the participants,
    their project links and audit events are written in a few statements. Returns, for each row in
    order, the new participant's id or the Invalid that refused the row (nothing saved for it)."""
    check_access(by)
    asked = {i for data in rows for i in data.project_ids if 0 < i <= MAX_ID}
    found = set(session.exec(select(Project.id).where(col(Project.id).in_(sorted(asked))))) if asked else set()
    results: list[int | Invalid] = []
    made: list[tuple[int, ParticipantInput]] = []
    for index, data in enumerate(rows):
        if not set(data.project_ids) <= found:
            results.append(
                Invalid("Choose projects from the list.", errors={"project_ids": "Choose projects from the list."})
            )
            continue
        made.append((index, data))
        results.append(0)
    if not made:
        return results
    codes = _new_codes(session, len(made))
    now = utcnow()
    # The values create_participant gives a new Participant.
    participants = [
        {"code": code, "created_by_id": by.id, "created_at": now, **{name: getattr(data, name) for name in QUESTIONS}}
        for code, (_, data) in zip(codes, made, strict=True)
    ]
    # Written without RETURNING (a plain executemany is many times quicker on PostgreSQL), then the new
    # ids read back by their unique codes.
    session.execute(sa.insert(Participant), participants)
    by_code = dict(session.exec(select(Participant.code, Participant.id).where(col(Participant.code).in_(codes))).all())
    ids = [int(by_code[code] or 0) for code in codes]
    links = []
    joined = today()
    for (index, data), participant_id in zip(made, ids, strict=True):
        results[index] = participant_id
        links += [
            {"participant_id": participant_id, "project_id": project_id, "joined_on": joined}
            for project_id in sorted(set(data.project_ids))
        ]
    if links:
        session.execute(sa.insert(ParticipantProject), links)
    entries = [(participant_id, code, "") for participant_id, code in zip(ids, codes, strict=True)]
    audit.record_many(session, by=by, action=AuditAction.CREATE, subject="participant", entries=entries)
    return results


def update_participant(session: Session, participant: Participant, data: ParticipantInput, *, by: User) -> Participant:
    check_can_see(session, by, participant)
    _apply(session, participant, data)
    session.add(participant)
    session.flush()
    audit.record(
        session,
        by=by,
        action=AuditAction.CHANGE,
        subject="participant",
        subject_id=participant.id,
        label=participant.code,
        detail="Equality answers or projects",
    )
    return participant


def _apply(session: Session, participant: Participant, data: ParticipantInput) -> None:
    for name in QUESTIONS:
        setattr(participant, name, getattr(data, name))
    wanted = {p.id for p in _projects(session, data.project_ids)}
    for link in [link for link in participant.project_links if link.project_id not in wanted]:
        participant.project_links.remove(link)
    present = {link.project_id for link in participant.project_links}
    for project_id in sorted(wanted - present):  # type: ignore[type-var]
        participant.project_links.append(ParticipantProject(project_id=project_id, joined_on=today()))  # type: ignore[call-arg]


def get_participant(session: Session, participant_id: int, *, by: User) -> Participant:
    check_access(by)
    participant = get_or_404(
        session,
        Participant,
        participant_id,
        "participant",
        options=[
            selectinload(Participant.project_links).selectinload(ParticipantProject.project),
            selectinload(Participant.scores).selectinload(WellbeingScore.project),
            selectinload(Participant.scores).selectinload(WellbeingScore.revisions),
            selectinload(Participant.stories),
        ],
    )
    check_can_see(session, by, participant)
    return participant


def read_participant(session: Session, participant_id: int, *, by: User) -> Participant:
    """The participant's whole record, for reading: the audit trail notes who read it."""
    participant = get_participant(session, participant_id, by=by)
    audit.record(
        session,
        by=by,
        action=AuditAction.READ,
        subject="participant",
        subject_id=participant.id,
        label=participant.code,
    )
    return participant


def list_participants(session: Session, *, by: User, code: str = "") -> list[Participant]:
    check_access(by)
    query = (
        select(Participant)
        .where(visible_to(by))
        .options(selectinload(Participant.project_links).selectinload(ParticipantProject.project))
    )
    if code.strip():
        query = query.where(col(Participant.code).contains(code.strip().upper()))
    return list(session.exec(query.order_by(col(Participant.created_at).desc(), col(Participant.id).desc())))


def erase(session: Session, participant_id: int, *, reason: str, by: User) -> str:
    """Delete the participant and, with them, every score, answer and story, everywhere.
    A coordinator's act, with a reason kept in the audit trail."""
    if not by.is_coordinator:
        raise Forbidden("Only a coordinator can erase a participant. Ask a coordinator, saying why.")
    why = audit.require_reason(reason, "erasing this participant")
    participant = get_participant(session, participant_id, by=by)
    code, pid = participant.code, participant.id
    session.delete(participant)
    session.flush()
    audit.record(
        session, by=by, action=AuditAction.ERASE, subject="participant", subject_id=pid, label=code, detail=why
    )
    return code


# Assignments ------------------------------------------------------------------------------------


def assignments(session: Session, *, by: User) -> list[ReporterAssignment]:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators assign reporters.")
    query = select(ReporterAssignment).options(
        selectinload(ReporterAssignment.reporter), selectinload(ReporterAssignment.project)
    )
    return list(session.exec(query.order_by(ReporterAssignment.reporter_id, ReporterAssignment.id)))


def assign(
    session: Session, reporter_id: int, *, project_id: int | None = None, locality_id: int | None = None, by: User
) -> ReporterAssignment:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators assign reporters.")
    reporter = session.get(User, reporter_id) if 0 < reporter_id <= MAX_ID else None
    if reporter is None or reporter.role != Role.REPORTER:
        raise Invalid("Choose a Community Reporter.", errors={"reporter_id": "Choose a reporter from the list."})
    if (project_id is None) == (locality_id is None):
        raise Invalid("Choose a project or a locality.", errors={"scope": "Choose one project or one locality."})
    if project_id is not None and session.get(Project, project_id) is None:
        raise Invalid("Choose a project from the list.", errors={"project_id": "Choose a project from the list."})
    if locality_id is not None and session.get(Locality, locality_id) is None:
        raise Invalid("Choose a locality from the list.", errors={"locality_id": "Choose a locality from the list."})
    existing = session.exec(
        select(ReporterAssignment).where(
            ReporterAssignment.reporter_id == reporter_id,
            ReporterAssignment.project_id == project_id,
            ReporterAssignment.locality_id == locality_id,
        )
    ).first()
    if existing is not None:
        return existing
    assignment = ReporterAssignment(
        reporter_id=reporter_id, project_id=project_id, locality_id=locality_id, created_by_id=by.id
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        by=by,
        action=AuditAction.ASSIGN,
        subject="assignment",
        subject_id=assignment.id,
        label=reporter.full_name,
        detail=f"project {project_id}" if project_id else f"locality {locality_id}",
    )
    return assignment


def unassign(session: Session, assignment_id: int, *, by: User) -> None:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators assign reporters.")
    assignment = get_or_404(session, ReporterAssignment, assignment_id, "assignment")
    session.delete(assignment)
    session.flush()
    audit.record(
        session, by=by, action=AuditAction.ASSIGN, subject="assignment", subject_id=assignment_id, detail="removed"
    )


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
        select(WellbeingScore)
        .join(Participant, col(Participant.id) == WellbeingScore.participant_id)
        .where(WellbeingScore.kind == ScoreKind.BASELINE, visible_to(by))
        .options(selectinload(WellbeingScore.participant), selectinload(WellbeingScore.project))
    ).all()
    followed = set(
        session.exec(
            select(WellbeingScore.participant_id, WellbeingScore.project_id).where(
                WellbeingScore.kind == ScoreKind.FOLLOW_UP
            )
        ).all()
    )
    horizon = today() + timedelta(days=within_days)
    due = []
    for baseline in baselines:
        if (baseline.participant_id, baseline.project_id) in followed:
            continue
        when = due_on(baseline.completed_on, baseline.project.end_date)
        if when <= horizon:
            due.append(DueFollowUp(baseline.participant, baseline.project, baseline.completed_on, when))
    return sorted(due, key=lambda d: (d.due_on, d.participant.code))
