"""Demo participants: wellbeing forms before and after, and stories (some published), all fictional."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlmodel import Session, select

from creative_minds.accounts.models import User
from creative_minds.timeutil import today, utcnow
from projects.models import Project, ProjectStatus
from stories.equality import QUESTIONS
from stories.participants.models import Participant, ParticipantProject
from stories.participants.service import new_code
from stories.publishing.models import Consent, Story, StoryStatus, StoryTheme
from stories.scores.models import WellbeingScore
from stories.scores.swemwbs import score

STORIES = [
    (
        "Before I came I hadn't left the house on my own for months. Now Tuesday is the day I look forward to.",
        ["connectedness", "hope"],
    ),
    ("Nobody here asks about my diagnosis. They ask what I'm making.", ["identity", "connectedness"]),
    ("I started as a participant and now I help run the session. That means a lot to me.", ["empowerment", "meaning"]),
    ("Singing with other people, I forget the noise in my head for an hour.", ["hope", "meaning"]),
    ("My daughter says I'm more like myself again.", ["identity", "hope"]),
    (
        "Walking football got me talking to other blokes about how we feel. We never did that before.",
        ["connectedness", "empowerment"],
    ),
]


def _answers(rng: random.Random, level: float) -> list[int | None]:
    return [min(5, max(1, round(rng.gauss(level, 0.7)))) for _ in range(7)]


def load(session: Session, *, reporter: User, coordinator: User, rng: random.Random, people: int = 60) -> None:
    projects = list(
        session.exec(select(Project).where(Project.status == ProjectStatus.ACTIVE).order_by(Project.id).limit(12))
    )
    if not projects:
        return
    for n in range(people):
        project = projects[n % len(projects)]
        person = Participant(code=new_code(session), created_by_id=reporter.id)
        for name, question in QUESTIONS.items():
            if rng.random() < 0.85:
                person.__setattr__(name, rng.choice(question.options))
        person.project_links = [ParticipantProject(project_id=project.id, joined_on=today() - timedelta(days=120))]  # type: ignore[call-arg]
        session.add(person)
        session.flush()
        start = today() - timedelta(days=rng.randint(95, 300))
        before = _answers(rng, 2.6)
        if n % 17 == 3:
            before[rng.randrange(7)] = None  # a form with an answer missing: kept, not scored
        raw, metric = score(before)
        session.add(
            WellbeingScore(
                participant_id=person.id,
                project_id=project.id,
                kind="baseline",
                completed_on=start,
                raw_score=raw,
                metric_score=metric,
                recorded_by_id=reporter.id,
                completion_mode="read_out" if n % 7 == 2 else "self",  # some forms are read out to the person
                **{f"item_{i}": v for i, v in enumerate(before, start=1)},
            )
        )
        if n % 6 != 5:  # most have a follow-up; some are still due
            after = _answers(rng, 3.1)
            raw, metric = score(after)
            session.add(
                WellbeingScore(
                    participant_id=person.id,
                    project_id=project.id,
                    kind="follow_up",
                    completed_on=start + timedelta(days=rng.randint(80, 100)),
                    raw_score=raw,
                    metric_score=metric,
                    recorded_by_id=reporter.id,
                    **{f"item_{i}": v for i, v in enumerate(after, start=1)},
                )
            )
        if n < len(STORIES):
            text, themes = STORIES[n]
            published = n < 4
            story = Story(
                participant_id=person.id,
                project_id=project.id,
                text=text,
                recorded_by_id=reporter.id,
                consent=Consent.PUBLIC_FIRST_NAME.value if n == 0 else Consent.PUBLIC_ANONYMOUS.value,
                first_name="Maggie" if n == 0 else None,
                status=(StoryStatus.PUBLISHED if published else StoryStatus.AWAITING_REVIEW).value,
                reviewed_by_id=coordinator.id if published else None,
                reviewed_at=utcnow() if published else None,
            )
            story.theme_links = [StoryTheme(theme=t) for t in themes]  # type: ignore[call-arg]
            session.add(story)
    session.flush()
