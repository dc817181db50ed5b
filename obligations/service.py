"""Obligations: the daily scan that keeps them in step with the records, the reminders it queues,
what each person sees first, and going on despite a partner's record (with a reason kept).

The scan (`remind`) is safe to run twice, or on several instances at once: every obligation and
every reminder has a unique key, inserted with ON CONFLICT DO NOTHING, and closing a stale
obligation is a conditional UPDATE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import text, update
from sqlmodel import Session, col, func, select

from collectives.applications.models import Application, ApplicationStatus, IneligibleReason
from collectives.applications.service import partner_record_problems, reason_labels
from collectives.decisions.models import Decision
from collectives.rounds.models import Phase, Round
from creative_minds.accounts.models import User
from creative_minds.db import get_or_404
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.timeutil import today, utcnow
from obligations import events
from obligations.forms import ChoicesInput
from obligations.models import (
    KIND_LABELS,
    Obligation,
    ObligationKind,
    ObligationState,
    OverrideAction,
    RiskOverride,
    Topic,
)
from obligations.outbox import APP, Mail, insert_ignoring_repeats, make_digests, queue
from partners.models import AgreementStatus, Partner, PartnerStatus
from projects.models import Project
from stories.participants.models import Participant
from stories.participants.service import add_months, due_on
from stories.scores.models import ScoreKind, WellbeingScore

# Partnership agreements are renewed every year; funded projects run for a year (the grant
# period, from the decision) and report half-way and at the end.
AGREEMENT_MONTHS = 12
GRANT_MONTHS = 12
REPORT_AT_MONTHS = (6, 12)
SOON_DAYS = 14  # "due in 14 days" reminders
VOTE_CLOSING_DAYS = 2
SCAN_LOCK = 0x0C4D_0013  # the advisory lock the daily scan holds on PostgreSQL
REMINDED_KINDS = {
    ObligationKind.INSURANCE,
    ObligationKind.SAFEGUARDING,
    ObligationKind.AGREEMENT,
    ObligationKind.REPORT,
}


@dataclass(frozen=True)
class Wanted:
    key: str
    kind: ObligationKind
    title: str
    due_on: date
    partner_id: int | None = None
    owner_user_id: int | None = None
    locality_id: int | None = None
    application_id: int | None = None
    round_id: int | None = None
    score_id: int | None = None

    def row(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind.value,
            "title": self.title[:300],
            "due_on": self.due_on,
            "state": ObligationState.DUE.value,
            "partner_id": self.partner_id,
            "owner_user_id": self.owner_user_id,
            "locality_id": self.locality_id,
            "application_id": self.application_id,
            "round_id": self.round_id,
            "score_id": self.score_id,
            "created_at": utcnow(),
            "reason": "",
        }


# What the records say is due --------------------------------------------------------------------


def _partner_duties(session: Session) -> list[Wanted]:
    rows = session.execute(
        sa_select(  # type: ignore[call-overload]  # SQLModel types columns as plain values
            Partner.id,
            Partner.name,
            Partner.insurance_expires_on,
            Partner.safeguarding_review_due_on,
            Partner.agreement_status,
            Partner.agreement_signed_on,
        ).where(Partner.status == PartnerStatus.APPROVED)
    ).all()
    wanted = []
    for pid, name, insurance, safeguarding, agreement, signed_on in rows:
        if insurance is not None:
            wanted.append(
                Wanted(
                    f"insurance:p{pid}:{insurance}",
                    ObligationKind.INSURANCE,
                    f"{name}: insurance renewal",
                    insurance,
                    partner_id=pid,
                )
            )
        if safeguarding is not None:
            wanted.append(
                Wanted(
                    f"safeguarding:p{pid}:{safeguarding}",
                    ObligationKind.SAFEGUARDING,
                    f"{name}: safeguarding policy review",
                    safeguarding,
                    partner_id=pid,
                )
            )
        if agreement == AgreementStatus.SIGNED and signed_on is not None:
            renew = add_months(signed_on, AGREEMENT_MONTHS)
            wanted.append(
                Wanted(
                    f"agreement:p{pid}:{renew}",
                    ObligationKind.AGREEMENT,
                    f"{name}: partnership agreement renewal",
                    renew,
                    partner_id=pid,
                )
            )
    return wanted


def report_dates(decided_on: date, months: Sequence[int] = REPORT_AT_MONTHS) -> list[date]:
    return [add_months(decided_on, m) for m in months]


def _report_duties(session: Session) -> list[Wanted]:
    """Each funded application's reports, at the months its round's decision set (6 and 12 by default)."""
    rows = session.execute(
        sa_select(  # type: ignore[call-overload]
            Application.id,
            Application.partner_id,
            Application.decided_at,
            Project.title,
            Project.locality_id,
            Decision.report_months,
        )
        .join(Project, col(Project.id) == Application.project_id)
        .outerjoin(Decision, col(Decision.round_id) == Application.round_id)
        .where(Application.status == ApplicationStatus.FUNDED, col(Application.decided_at).is_not(None))
    ).all()
    wanted = []
    for aid, pid, decided_at, title, locality_id, report_months in rows:
        months = [int(m) for m in report_months.split(",") if m] if report_months else REPORT_AT_MONTHS
        dates = report_dates(decided_at.date(), months)
        for number, due in enumerate(dates, start=1):
            label = "final report" if number == len(dates) else "interim report"
            wanted.append(
                Wanted(
                    f"report:a{aid}:{number}",
                    ObligationKind.REPORT,
                    f"{title}: {label} on the funded project",
                    due,
                    partner_id=pid,
                    locality_id=locality_id,
                    application_id=aid,
                )
            )
    return wanted


def _round_duties(session: Session) -> list[Wanted]:
    rows = session.execute(
        sa_select(  # type: ignore[call-overload]  # SQLModel types columns as plain values
            Round.id, Round.name, Round.phase, Round.locality_id, Round.applications_close_on, Round.voting_closes_on
        ).where(col(Round.phase).in_([Phase.OPEN, Phase.VOTING]))
    ).all()
    wanted = []
    for rid, name, phase, locality_id, close_on, voting_on in rows:
        if phase == Phase.OPEN:
            wanted.append(
                Wanted(
                    f"applications-close:r{rid}:{close_on}",
                    ObligationKind.APPLICATIONS_CLOSE,
                    f"{name}: applications close",
                    close_on,
                    locality_id=locality_id,
                    round_id=rid,
                )
            )
        elif voting_on is not None:
            wanted.append(
                Wanted(
                    f"voting-closes:r{rid}:{voting_on}",
                    ObligationKind.VOTING_CLOSES,
                    f"{name}: voting closes",
                    voting_on,
                    locality_id=locality_id,
                    round_id=rid,
                )
            )
    return wanted


def _follow_up_duties(session: Session) -> list[Wanted]:
    """A follow-up for each baseline without one. Three plain reads joined here rather than in SQL, so
    the plan never depends on the database's statistics (a fresh bulk load once made a join crawl)."""
    followed = set(
        session.exec(
            select(WellbeingScore.participant_id, WellbeingScore.project_id).where(
                WellbeingScore.kind == ScoreKind.FOLLOW_UP
            )
        ).all()
    )
    baselines = session.execute(
        sa_select(  # type: ignore[call-overload]  # SQLModel types columns as plain values
            WellbeingScore.id,
            WellbeingScore.participant_id,
            WellbeingScore.project_id,
            WellbeingScore.completed_on,
            WellbeingScore.recorded_by_id,
        ).where(WellbeingScore.kind == ScoreKind.BASELINE)
    ).all()
    codes = dict(session.exec(select(Participant.id, Participant.code)).all())
    projects = {
        pid: (title, end, locality_id)
        for pid, title, end, locality_id in session.execute(
            sa_select(col(Project.id), col(Project.title), col(Project.end_date), col(Project.locality_id))
        ).all()
    }
    wanted = []
    for sid, participant_id, project_id, completed_on, recorded_by in baselines:
        if (participant_id, project_id) in followed or participant_id not in codes:
            continue
        title, end, locality_id = projects[project_id]
        wanted.append(
            Wanted(
                f"follow-up:s{sid}",
                ObligationKind.FOLLOW_UP,
                f"Follow-up form: {codes[participant_id]} at {title}",
                due_on(completed_on, end),
                owner_user_id=recorded_by,
                locality_id=locality_id,
                score_id=sid,
            )
        )
    return wanted


def wanted_now(session: Session) -> dict[str, Wanted]:
    every = [*_partner_duties(session), *_report_duties(session), *_round_duties(session), *_follow_up_duties(session)]
    return {w.key: w for w in every}


@dataclass
class ScanResult:
    added: int = 0
    closed: int = 0
    reminders: int = 0
    digests: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def sync(session: Session) -> ScanResult:
    """Add the obligations the records now call for; close the due ones they no longer do (a date
    moved on, a follow-up was recorded, a round moved to its next phase, a partner was archived)."""
    result = ScanResult()
    wanted = wanted_now(session)
    existing = session.exec(select(Obligation.key, Obligation.id, Obligation.state)).all()
    known = {key for key, _id, _state in existing}
    result.added = insert_ignoring_repeats(session, Obligation, [w.row() for k, w in wanted.items() if k not in known])
    stale = [oid for key, oid, state in existing if state == ObligationState.DUE and key not in wanted]
    for start in range(0, len(stale), 500):
        closed = session.execute(
            update(Obligation)
            .where(col(Obligation.id).in_(stale[start : start + 500]), Obligation.state == ObligationState.DUE)
            .values(
                state=ObligationState.DONE.value,
                closed_at=utcnow(),
                reason="Closed by the daily check: the record no longer calls for it (renewed, recorded or moved on).",
            )
        )
        result.closed += max(closed.rowcount or 0, 0)  # type: ignore[attr-defined]
    return result


# Reminders ------------------------------------------------------------------------------------


def stage(days_left: int) -> str | None:
    if days_left < 0:
        return "overdue"
    if days_left == 0:
        return "today"
    if days_left <= SOON_DAYS:
        return "soon"
    return None


def _when(days_left: int) -> str:
    if days_left < 0:
        days = -days_left
        return f"overdue by {days} day{'s' if days != 1 else ''}"
    if days_left == 0:
        return "due today"
    return f"due in {days_left} day{'s' if days_left != 1 else ''}"


def reminder_mails(session: Session, on: date) -> list[Mail]:
    """A reminder for each report or renewal entering a stage: due within 14 days, due today, overdue
    (overdue ones go to the coordinators too). Each stage of each obligation is sent once."""
    horizon = on + timedelta(days=SOON_DAYS)
    due = session.exec(
        select(Obligation).where(
            Obligation.state == ObligationState.DUE,
            col(Obligation.kind).in_([k.value for k in REMINDED_KINDS]),
            col(Obligation.due_on) <= horizon,
        )
    ).all()
    partner_ids = {o.partner_id for o in due if o.partner_id}
    people: dict[int, list[User]] = {pid: events.partner_users(session, pid) for pid in partner_ids}
    coordinators = events.coordinators(session)
    mails = []
    for obligation in due:
        days_left = (obligation.due_on - on).days
        step = stage(days_left)
        if step is None:
            continue
        users = list(people.get(obligation.partner_id or 0, []))
        if step == "overdue" or not users:
            users += [c for c in coordinators if c not in users]
        link = f"{APP}/partners/{obligation.partner_id}" if obligation.partner_id else f"{APP}/obligations"
        mails.append(
            Mail(
                key=f"reminder:o{obligation.id}:{step}",
                topic=Topic.REMINDERS,
                subject=f"{KIND_LABELS[obligation.kind]} {_when(days_left)}",
                body=(
                    f"{obligation.title}: {_when(days_left)} ({obligation.due_on.strftime('%-d %B %Y')}).\n\n"
                    f"See it in the app: {link}"
                ),
                users=users,
            )
        )
    return mails


def remind(session: Session, *, on: date | None = None, digest: bool | None = None) -> ScanResult:
    """The daily scan: obligations in step, reminders and vote-closing messages queued, and on
    Mondays (or when asked) the weekly digests made."""
    on = on or today()
    if session.get_bind().dialect.name == "postgresql":
        # Scans started at the same moment on several instances take turns (the lock ends with the
        # transaction); the unique keys alone would keep them right, this spares the waiting on each row.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCAN_LOCK})
    result = sync(session)
    session.flush()
    result.reminders = queue(session, reminder_mails(session, on))
    closing = session.exec(
        select(Round).where(
            Round.phase == Phase.VOTING,
            col(Round.voting_closes_on).is_not(None),
            col(Round.voting_closes_on) >= on,
            col(Round.voting_closes_on) <= on + timedelta(days=VOTE_CLOSING_DAYS),
        )
    ).all()
    for round_ in closing:
        assert round_.voting_closes_on is not None
        result.reminders += events.vote_closing(session, round_, (round_.voting_closes_on - on).days)
    if digest if digest is not None else on.weekday() == 0:
        year, week, _ = on.isocalendar()
        result.digests = make_digests(session, week_of=f"{year}-W{week:02d}")
    return result


# Reading --------------------------------------------------------------------------------------


def _coordinator(by: User) -> None:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators see and change the network's obligations.")


@dataclass(frozen=True)
class ObligationFilters:
    show: str = "overdue"  # overdue | soon | all | closed
    kind: str = ""


def list_obligations(session: Session, filters: ObligationFilters, *, by: User, limit: int = 500) -> list[Obligation]:
    _coordinator(by)
    now = today()
    query = select(Obligation)
    if filters.show == "closed":
        query = query.where(Obligation.state != ObligationState.DUE)
    else:
        query = query.where(Obligation.state == ObligationState.DUE)
        if filters.show == "overdue":
            query = query.where(col(Obligation.due_on) < now)
        elif filters.show == "soon":
            query = query.where(
                col(Obligation.due_on) >= now, col(Obligation.due_on) <= now + timedelta(days=SOON_DAYS)
            )
    if filters.kind in set(ObligationKind):
        query = query.where(Obligation.kind == filters.kind)
    order = col(Obligation.closed_at).desc() if filters.show == "closed" else col(Obligation.due_on)
    return list(session.exec(query.order_by(order, col(Obligation.id)).limit(limit)))


def overdue_counts(session: Session) -> dict[str, int]:
    rows = session.exec(
        select(Obligation.kind, func.count())
        .where(Obligation.state == ObligationState.DUE, col(Obligation.due_on) < today())
        .group_by(Obligation.kind)
    ).all()
    return {kind: n for kind, n in rows}


def get_obligation(session: Session, obligation_id: int) -> Obligation:
    return get_or_404(session, Obligation, obligation_id, "obligation")


def close(session: Session, obligation: Obligation, *, waive: bool, reason: str, by: User) -> Obligation:
    """Mark an obligation done, or waive it; waiving needs a reason, which is kept."""
    _coordinator(by)
    reason = reason.strip()
    if waive and not reason:
        raise Invalid("Say why it is waived.", errors={"reason": "Give the reason for waiving this (it is kept)."})
    if len(reason) > 1000:
        raise Invalid("The reason is too long.", errors={"reason": "Keep the reason under 1,000 characters."})
    done = session.execute(
        update(Obligation)
        .where(col(Obligation.id) == obligation.id, Obligation.state == ObligationState.DUE)
        .values(
            state=(ObligationState.WAIVED if waive else ObligationState.DONE).value,
            reason=reason,
            closed_at=utcnow(),
            closed_by_id=by.id,
        )
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This obligation is already closed. Reload the page to see it.")
    session.refresh(obligation)
    return obligation


# Going on despite the partner's record ---------------------------------------------------------


class NeedsReason(Invalid):
    """The partner's record has problems: show them and ask for a reason to go on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "Check before going on: " + "; ".join(problems) + ". Give a reason to go on anyway (it is kept).",
            errors={"override_reason": "Give a reason to go on despite this (it is kept with your name)."},
        )
        self.problems = problems


def record_problems(partner: Partner, *, action: OverrideAction) -> list[IneligibleReason]:
    problems = partner_record_problems(partner)
    if action == OverrideAction.APPROVE_PARTNER:  # it is not approved yet: that is what is being done
        problems = [p for p in problems if p != IneligibleReason.PARTNER_NOT_APPROVED]
    return problems


def go_on_despite(
    session: Session,
    partner: Partner,
    *,
    action: OverrideAction,
    reason: str,
    by: User,
    application_id: int | None = None,
) -> RiskOverride | None:
    """Nothing to say when the partner's record is in order. Otherwise refuse without a reason, and
    keep the reason (with who and when) when one is given."""
    problems = record_problems(partner, action=action)
    if not problems:
        return None
    reason = reason.strip()
    if not reason:
        raise NeedsReason(reason_labels([p.value for p in problems]))
    if len(reason) > 1000:
        raise Invalid("The reason is too long.", errors={"override_reason": "Keep it under 1,000 characters."})
    override = RiskOverride(
        action=action.value,
        partner_id=partner.id,
        application_id=application_id,
        problems=",".join(p.value for p in problems),
        reason=reason,
        by_id=by.id,
    )
    session.add(override)
    session.flush()
    return override


def overrides_of(session: Session, partner_id: int) -> list[RiskOverride]:
    return list(
        session.exec(
            select(RiskOverride).where(RiskOverride.partner_id == partner_id).order_by(col(RiskOverride.at).desc())
        )
    )


# What needs each person now ---------------------------------------------------------------------


@dataclass
class Need:
    title: str
    detail: str
    url: str
    urgent: bool = False


def needs_you_now(session: Session, user: User) -> list[Need]:
    """The first thing on a person's home page: what needs them now, most pressing first."""
    from obligations.needs import for_user

    return for_user(session, user)


# Each person's choices ------------------------------------------------------------------------


def choices_for(session: Session, user: User) -> dict[str, str]:
    from obligations.models import Delivery, NotificationChoice

    saved = {
        row.topic: row.delivery
        for row in session.exec(select(NotificationChoice).where(NotificationChoice.user_id == user.id))
    }
    return {topic.value: saved.get(topic.value, Delivery.EMAIL.value) for topic in Topic}


def save_choices(session: Session, user: User, data: ChoicesInput) -> None:
    from obligations.models import NotificationChoice

    for topic, delivery in data.choices.items():
        row = session.get(NotificationChoice, (user.id, topic.value))
        if row is None:
            row = NotificationChoice(user_id=user.id, topic=topic.value)
        row.delivery = delivery.value
        session.add(row)
    session.flush()
