"""Messages for things that happen, queued in the same transaction as the change that caused them.

Each is plain and links into the app. None carries special-category data: no scores, stories,
lived experience or constituencies, no participant codes, and no name of someone asking to join.
Other features call these from their service functions (never a web layer).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from collectives.applications.models import Application
from collectives.membership.models import Membership, MembershipStatus
from collectives.rounds.models import Round
from creative_minds.accounts.models import Role, User
from creative_minds.localities import Locality
from obligations.models import Topic
from obligations.outbox import APP, Mail, queue


def coordinators(session: Session) -> list[User]:
    return list(session.exec(select(User).where(User.role == Role.COORDINATOR, col(User.is_active)).order_by(User.id)))


def partner_users(session: Session, partner_id: int) -> list[User]:
    return list(
        session.exec(
            select(User).where(User.role == Role.PARTNER, User.partner_id == partner_id, col(User.is_active))
        ).all()
    )


def collective_members(session: Session, locality_id: int) -> list[User]:
    return list(
        session.exec(
            select(User)
            .join(Membership, col(Membership.user_id) == User.id)
            .where(
                Membership.locality_id == locality_id,
                Membership.status == MembershipStatus.ADMITTED,
                col(User.is_active),
            )
            .order_by(User.id)
        ).all()
    )


def _day(day: date | None) -> str:
    return day.strftime("%A %-d %B %Y") if day else "when the coordinator closes it"


def vote_opened(session: Session, round_: Round) -> int:
    link = f"{APP}/rounds/{round_.id}"
    return queue(
        session,
        [
            Mail(
                key=f"vote-opened:r{round_.id}",
                topic=Topic.VOTES,
                subject=f"Voting is open: {round_.name}",
                body=(
                    f"Voting is open in {round_.name}.\n"
                    f"It closes {_day(round_.voting_closes_on)}.\n\n"
                    f"See the applications and vote: {link}"
                ),
                users=collective_members(session, round_.locality_id),
            )
        ],
    )


def vote_closing(session: Session, round_: Round, days_left: int) -> int:
    link = f"{APP}/rounds/{round_.id}"
    when = "today" if days_left == 0 else ("tomorrow" if days_left == 1 else f"in {days_left} days")
    return queue(
        session,
        [
            Mail(
                key=f"vote-closing:r{round_.id}",
                topic=Topic.VOTES,
                subject=f"Voting closes {when}: {round_.name}",
                body=(
                    f"Voting in {round_.name} closes {when} ({_day(round_.voting_closes_on)}).\n"
                    f"If you have not voted yet, or want to change your ballot: {link}"
                ),
                users=collective_members(session, round_.locality_id),
            )
        ],
    )


def application_received(session: Session, application: Application) -> int:
    link = f"{APP}/applications"
    return queue(
        session,
        [
            Mail(
                key=f"application-received:a{application.id}",
                topic=Topic.APPLICATIONS,
                subject="Your application has been received",
                body=(
                    f"Your application for {application.project.title} to {application.round.name} has been "
                    f"received.\nYou will hear when its eligibility has been checked.\n\n"
                    f"See where it stands: {link}"
                ),
                users=partner_users(session, application.partner_id),
            )
        ],
    )


def eligibility_decided(session: Session, application: Application, reasons: list[str]) -> int:
    eligible = application.status == "eligible"
    stamp = application.checked_at.strftime("%Y%m%d%H%M%S") if application.checked_at else ""
    if eligible:
        subject, said = "Your application is eligible", "has been found eligible and goes to the collective's vote."
    else:
        subject = "Your application is not eligible"
        why = "; ".join(reasons) or "see the note in the app"
        said = f"has been found not eligible.\nWhy: {why}."
    return queue(
        session,
        [
            Mail(
                key=f"eligibility:a{application.id}:{application.status}:{stamp}",
                topic=Topic.APPLICATIONS,
                subject=subject,
                body=(
                    f"Your application for {application.project.title} to {application.round.name} {said}\n\n"
                    f"See where it stands: {APP}/applications"
                ),
                users=partner_users(session, application.partner_id),
            )
        ],
    )


def decision_made(session: Session, round_: Round, lines: list[tuple[Application, str, str]]) -> int:
    """One message per application when the outcome is published to the applicants: funded or not, with
    the reason written in the sealed decision."""
    mails = []
    for application, outcome, explanation in lines:
        if outcome == "withdrawn":
            continue
        funded = outcome == "funded"
        mails.append(
            Mail(
                key=f"decision:a{application.id}:{outcome}",
                topic=Topic.APPLICATIONS,
                subject="Your application is funded" if funded else "Your application was not funded this time",
                body=(
                    f"The outcome of {round_.name} is published.\n"
                    f"{application.project.title}: {'funded' if funded else 'not funded'}.\n"
                    f"Why: {explanation}\n\n"
                    f"The outcome: {APP}/rounds/{round_.id}/outcomes"
                ),
                users=partner_users(session, application.partner_id),
            )
        )
    return queue(session, mails)


def join_requested(session: Session, membership: Membership) -> int:
    locality = session.get(Locality, membership.locality_id)
    name = locality.name if locality else "a"
    stamp = membership.requested_at.strftime("%Y%m%d%H%M%S")
    return queue(
        session,
        [
            Mail(
                key=f"join-request:m{membership.id}:{stamp}",
                topic=Topic.JOIN_REQUESTS,
                subject=f"A request to join the {name} collective is waiting",
                body=f"Someone has asked to join the {name} collective.\n\nReview it: {APP}/collectives",
                users=coordinators(session),
            )
        ],
    )


def story_published(session: Session, story_id: int, recorded_by_id: int | None) -> int:
    reporter = session.get(User, recorded_by_id) if recorded_by_id else None
    return queue(
        session,
        [
            Mail(
                key=f"story-published:s{story_id}",
                topic=Topic.STORIES,
                subject="A story you recorded has been published",
                body=f"A story you recorded has been published on the public stories page.\n\n{APP}/stories/{story_id}",
                users=[reporter] if reporter else [],
            )
        ],
    )


def consent_withdrawn(session: Session, story_id: int, recorded_by_id: int | None, changed: str) -> int:
    reporter = session.get(User, recorded_by_id) if recorded_by_id else None
    people = {u.id: u for u in [*coordinators(session), *([reporter] if reporter else [])]}
    return queue(
        session,
        [
            Mail(
                key=f"consent-withdrawn:s{story_id}:{changed}",
                topic=Topic.STORIES,
                subject="Consent for a story has been narrowed",
                body=(
                    "The consent recorded for a story no longer allows it to be public, so it is no longer "
                    f"shown.\n\n{APP}/stories/{story_id}"
                ),
                users=list(people.values()),
            )
        ],
    )
