"""Demo connections at every stage: waiting, overdue for a nudge, did not come, came, still going, stopped,
on a waiting list; session registers, intake and "still running" confirmations. All fictional."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import Session, col, select

from connections.models import (
    ActivityIntake,
    Connection,
    HowConnected,
    Intake,
    Outcome,
    ReferralSource,
    RegisterAttendee,
    SessionRegister,
    StopReason,
)
from creative_minds.accounts.models import User
from creative_minds.timeutil import today
from projects.models import Project, ProjectStatus
from stories.participants.models import Participant, ParticipantProject
from stories.participants.service import add_months, new_code

SOURCES = (
    "Community mental health team",
    "Early intervention in psychosis",
    "Recovery college",
    "Older people's mental health",
    "Child and adolescent mental health (CAMHS)",
    "GP social prescribing link worker",
    "Inpatient ward discharge team",
)


def load(session: Session, *, champions: list[User], group_partner_id: int | None, rng: random.Random) -> None:
    sources = [ReferralSource(name=name) for name in SOURCES]
    session.add_all(sources)
    session.flush()
    running = select(Project).where(Project.status == ProjectStatus.ACTIVE).order_by(Project.id)
    projects = list(session.exec(running.limit(16)))
    if group_partner_id is not None:
        projects += list(session.exec(running.where(Project.partner_id == group_partner_id)))
    projects = list({p.id: p for p in projects}.values())
    if not projects or not champions:
        return
    # People the Community Reporters already know (with wellbeing forms), then new ones with just a code.
    known = list(
        session.exec(select(ParticipantProject).where(col(ParticipantProject.project_id).in_([p.id for p in projects])))
    )
    day = today()
    made: dict[int, list[Connection]] = {}

    def connect(person_id: int, project: Project, n: int) -> None:
        connected_on = day - timedelta(days=rng.randint(5, 260))
        connection = Connection(
            participant_id=person_id,
            project_id=project.id,
            champion_id=champions[n % len(champions)].id,
            source_id=rng.choice(sources).id,
            connected_on=connected_on,
            how=rng.choice(list(HowConnected)).value,
            contact_consent=rng.random() < 0.5,
        )
        if connection.contact_consent and rng.random() < 0.6:
            connection.contact_preference = rng.choice(["through_champion", "phone", "text"])
        roll = rng.random()
        if roll < 0.68 and connected_on < day - timedelta(days=3):
            first = connected_on + timedelta(days=rng.randint(1, min(14, (day - connected_on).days - 1)))
            connection.first_attended_on = first
            three_months = add_months(first, 3)
            if three_months <= day:
                later = rng.random()
                if later < 0.55:
                    connection.outcome, connection.outcome_on = Outcome.STILL_GOING.value, three_months
                elif later < 0.85:
                    stop = first + timedelta(days=rng.randint(7, max(8, (day - first).days)))
                    connection.outcome, connection.outcome_on = Outcome.STOPPED.value, min(stop, day)
                    connection.stop_reason = rng.choice(list(StopReason)).value
        elif roll < 0.8:
            connection.did_not_come_on = min(day, connected_on + timedelta(days=21))
        session.add(connection)
        made.setdefault(project.id, []).append(connection)

    by_id = {p.id: p for p in projects}
    for n, link in enumerate(known):
        connect(link.participant_id, by_id[link.project_id], n)
    for n in range(240):
        person = Participant(code=new_code(session), created_by_id=champions[n % len(champions)].id)
        session.add(person)
        session.flush()
        connect(person.id, projects[n % len(projects)], n)
    session.flush()
    # Intake and confirmations: most take new people; one keeps a waiting list, one is full.
    for n, project in enumerate(projects):
        intake = Intake.WAITING_LIST if n == 3 else Intake.FULL if n == 5 else Intake.OPEN
        confirmed = day - timedelta(days=rng.choice([2, 10, 40, 70, 120]))
        session.add(ActivityIntake(project_id=project.id, intake=intake.value, confirmed_on=confirmed))
        if intake == Intake.WAITING_LIST:
            for k in range(3):  # connected since it filled up: on its waiting list
                champion = champions[k % len(champions)]
                person = Participant(code=new_code(session), created_by_id=champion.id)
                session.add(person)
                session.flush()
                session.add(
                    Connection(
                        participant_id=person.id,
                        project_id=project.id,
                        champion_id=champion.id,
                        source_id=sources[k].id,
                        connected_on=day - timedelta(days=k + 1),
                        how=HowConnected.TOLD.value,
                        waiting_list=True,
                    )
                )
    # A few weeks of registers for the group's own activities.
    for project in projects:
        if project.partner_id != group_partner_id:
            continue
        people = [c for c in made.get(project.id, []) if c.first_attended_on]
        for weeks in range(1, 5):
            held = day - timedelta(days=7 * weeks)
            came = [c for c in people if c.first_attended_on <= held and c.outcome != Outcome.STOPPED]  # type: ignore[operator]
            register = SessionRegister(project_id=project.id, held_on=held, headcount=len(came) + rng.randint(6, 14))
            session.add(register)
            session.flush()
            session.add_all(RegisterAttendee(register_id=register.id, connection_id=c.id) for c in came)
    session.flush()
