"""Demo funding: a £200,000 fund, a collective in each locality, and rounds at different stages."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, col, select

from collectives.applications import service as applications
from collectives.applications.forms import EligibilityInput
from collectives.applications.models import Application, ApplicationStatus
from collectives.decisions import service as decisions
from collectives.funds import ledger
from collectives.funds import service as funds
from collectives.funds.forms import FundInput
from collectives.involvement import service as involvement
from collectives.involvement.forms import ExpenseInput, MeetingInput
from collectives.membership import service as membership
from collectives.membership.models import Constituency, PaymentChoice
from collectives.rounds import service as rounds
from collectives.rounds.forms import RoundInput
from collectives.rounds.models import Phase, Rule, TieRule
from collectives.voting import service as voting
from creative_minds.accounts.models import Role, User
from creative_minds.localities import Locality
from creative_minds.timeutil import today, utcnow
from partners.models import Partner, PartnerStatus
from projects.models import Project, ProjectStatus
from projects.service import follow_funding

CONSTITUENCY_MIX = [Constituency.LIVED_EXPERIENCE] * 3 + [
    Constituency.CARER,
    Constituency.CARER,
    Constituency.TRUST_STAFF,
    Constituency.COMMUNITY_REP,
]
PLANS = {  # locality slug -> (stage the demo round reaches, number of applications)
    "kirklees": (Phase.VOTING, 12),
    "calderdale": (Phase.OPEN, 6),
    "wakefield": (Phase.CLOSED, 10),
    "barnsley": (Phase.ELIGIBILITY, 8),
}
NEEDS = [
    "Lots of people leaving the ward's mental health services tell us there is nothing to go on to locally.",
    "Young people on the CAMHS waiting list have nowhere to meet others while they wait.",
    "Older men in the valley are isolated; the nearest group like this is two buses away.",
    "Carers asked for something they can come to with the person they care for.",
    "People in recovery asked for an evening session they can get to after work.",
]


def load(session: Session, *, coordinator: User, password_hash: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """Returns (email, role label, note) for the extra demo logins."""
    localities = {loc.slug: loc for loc in session.exec(select(Locality))}
    fund = funds.create_fund(
        session,
        FundInput(
            name="Trust match fund 2026–27",
            total_pence=200_000_00,
            starts_on=date(2026, 4, 1),
            ends_on=date(2027, 3, 31),
            shares={loc.id: 50_000_00 for loc in localities.values()},  # type: ignore[misc]
        ),
        by=coordinator,
    )
    logins: list[tuple[str, str, str]] = []
    for slug, locality in localities.items():
        members = _members(session, locality, password_hash, logins)
        _involvement(session, locality, members, coordinator, rng)
        share = next(s for s in fund.shares if s.locality_id == locality.id)
        stage, count = PLANS[slug]
        round_ = rounds.create_round(
            session,
            RoundInput(
                share_id=share.id,
                name=f"{locality.name} autumn round",
                budget_pence=30_000_00,
                description=f"Creative and sports projects for people leaving services in {locality.name}.",
                applications_close_on=today() + timedelta(days=10 if stage == Phase.OPEN else -5),
                voting_closes_on=today() + timedelta(days=20),
                rule=Rule.MES,
                tie_rule=TieRule.EARLIER if slug == "calderdale" else TieRule.LOT,
                quorum_min_voters=4,
            ),
            by=coordinator,
        )
        _applications(session, round_, locality, count, rng)
        if stage == Phase.OPEN:
            continue
        rounds.advance_phase(session, round_, by=coordinator)
        if stage == Phase.ELIGIBILITY:
            continue
        _eligibility(session, round_, coordinator, rng)
        rounds.advance_phase(session, round_, by=coordinator)
        eligible = applications.applications_in(session, round_.id, statuses=[ApplicationStatus.ELIGIBLE])
        demand = sum(a.amount_pence for a in eligible)
        if demand * 4 < round_.budget_pence * 5:  # when everything fits there is no choice to make: ask for more
            largest = max(a.amount_pence for a in eligible)
            round_.budget_pence = max(largest, demand * 3 // 5 // 10_000 * 10_000)
            session.add(round_)
        voters = members[:5] if stage == Phase.VOTING else members
        for member, liked in zip(voters, _ballots(eligible, len(voters), round_.budget_pence)):
            voting.cast_ballot(session, round_, [a.id for a in liked], by=member)  # type: ignore[misc]
        if stage == Phase.VOTING:
            continue
        rounds.advance_phase(session, round_, by=coordinator, confirmed=True)
        decision = decisions.confirm_decision(session, round_.id, Rule.MES, by=coordinator, confirmed=True)
        funded = [line for line in decision.lines if line.outcome == "funded"]
        for line in funded[:3]:
            ledger.record_payment(
                session, line.application_id, line.amount_pence // 2, "First instalment", by=coordinator
            )
    return logins


def _ballots(eligible: list[Application], voters: int, budget_pence: int) -> list[list[Application]]:
    """Ballots where the rules part ways, as they do in real collectives: a larger group of members backs
    the bigger applications, which alone cost more than the budget, and a smaller group backs the others.
    Most approvals first funds only the larger group's choices; Equal Shares gives the smaller group its
    share of the money, so the results page has something to explain. (Random ballots gave every rule the
    same five applications.)"""
    by_cost = sorted(eligible, key=lambda a: (-a.amount_pence, a.id or 0))
    larger_group_picks: list[Application] = []
    for application in by_cost:
        if sum(a.amount_pence for a in larger_group_picks) > budget_pence:
            break
        larger_group_picks.append(application)
    smaller_group_picks = [a for a in by_cost if a not in larger_group_picks] or by_cost[-1:]
    larger = voters - max(1, (voters * 3) // 7)  # four members in seven, three in five
    return [larger_group_picks if n < larger else smaller_group_picks for n in range(voters)]


def _members(session: Session, locality: Locality, password_hash: str, logins: list) -> list[User]:
    existing = session.exec(select(User).where(User.email == f"member.{locality.slug}@example.org")).one()
    people = [existing]
    for n in range(2, 8):
        user = User(
            email=f"member{n}.{locality.slug}@example.org",
            full_name=f"{locality.name} Member {n}",
            password_hash=password_hash,
            role=Role.COLLECTIVE_MEMBER.value,
            locality_id=locality.id,
        )
        session.add(user)
        people.append(user)
    session.flush()
    for user, constituency in zip(people, CONSTITUENCY_MIX):
        membership.admit_directly(session, user, locality.id, constituency)
    logins.append(
        (
            f"member2.{locality.slug}@example.org … member7.{locality.slug}@example.org",
            "Collective member",
            f"more {locality.name} members",
        )
    )
    return people


def _involvement(
    session: Session, locality: Locality, members: list[User], coordinator: User, rng: random.Random
) -> None:
    """Payment choices, two past meetings and a few bus fares, so the involvement pages have something to show."""
    choices = [PaymentChoice.MONEY, PaymentChoice.VOUCHER, PaymentChoice.NONE]
    for member in members:
        involvement.set_payment_choice(session, member.id, rng.choice(choices), by=coordinator)
    for days_ago, title in [(40, "Getting to know the applications"), (12, "Reading the applications together")]:
        meeting = involvement.record_meeting(
            session,
            MeetingInput(
                locality_id=locality.id,
                held_on=today() - timedelta(days=days_ago),
                title=title,
                payment_pence=2_000,
                attendee_ids=[m.id for m in members if rng.random() < 0.8],  # type: ignore[misc]
            ),
            by=coordinator,
        )
        for attendance in meeting.attendances[:2]:
            involvement.claim_expense(
                session,
                attendance.user_id,
                ExpenseInput(
                    spent_on=meeting.held_on,
                    description="Bus fare to the meeting and back",
                    amount_pence=rng.choice([340, 480, 560]),
                    meeting_id=meeting.id,
                ),
                by=coordinator,
            )


def _applications(session: Session, round_, locality: Locality, count: int, rng: random.Random) -> None:
    candidates = list(
        session.exec(
            select(Project)
            .join(Partner, Partner.id == Project.partner_id)
            .where(
                Project.locality_id == locality.id,
                Partner.status == PartnerStatus.APPROVED,
                col(Project.status).in_([ProjectStatus.DRAFT.value, ProjectStatus.SUBMITTED.value]),
            )
            .order_by(Project.id)
        )
    )
    # The demo's "group@example.org" partner applies in Kirklees so its login shows an application.
    group = session.exec(select(User).where(User.email == "group@example.org")).first()
    chosen = [p for p in candidates if group is not None and p.partner_id == group.partner_id][:1]
    chosen += [p for p in candidates if p not in chosen][: count - len(chosen)]
    seen_partners: set[int] = set()
    for project in chosen:
        if project.partner_id in seen_partners:
            continue
        seen_partners.add(project.partner_id)
        amount = max(1_000_00, min(project.requested_pence, 8_000_00))
        session.add(
            Application(
                round_id=round_.id,
                project_id=project.id,
                partner_id=project.partner_id,
                amount_pence=amount,
                match_pence=max(project.match_pence, amount // 3),
                local_need=rng.choice(NEEDS),
                submitted_by_id=round_.created_by_id,
                submitted_at=utcnow() - timedelta(days=rng.randint(3, 25)),
            )
        )
        follow_funding(session, project, ProjectStatus.SUBMITTED)
    session.flush()


def _eligibility(session: Session, round_, coordinator: User, rng: random.Random) -> None:
    for application in applications.applications_in(session, round_.id, statuses=[ApplicationStatus.SUBMITTED]):
        problems = applications.application_problems(application)
        if problems:
            data = EligibilityInput(eligible=False, reasons=problems)
        else:
            data = EligibilityInput(eligible=True)
        applications.decide_eligibility(session, application, data, by=coordinator)
    if not applications.applications_in(session, round_.id, statuses=[ApplicationStatus.ELIGIBLE]):
        first = applications.applications_in(session, round_.id)[0]
        first.status = ApplicationStatus.SUBMITTED.value
        applications.decide_eligibility(
            session, first, EligibilityInput(eligible=True, note="Record updated since"), by=coordinator
        )
