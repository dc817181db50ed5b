"""Demo single-session changes: Christmas Day off for every activity that would meet on it, and a few
cancellations, moved sessions and extra sessions (some on the demo partner group's own activities)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, col, select

from creative_minds.timeutil import today
from projects.models import Project, ProjectStatus, SessionChange, SessionChangeKind
from projects.sessions import regular_dates

REASONS = ("bank holiday", "the hall is closed for repairs", "half-term break", "staff training day")
EXTRAS = ("Bank holiday session", "Summer special", "Open day: bring a friend", "Festive get-together")


def load(session: Session, *, group_partner_id: int | None, rng: random.Random) -> int:
    """Add the changes; returns how many."""
    now = today()
    christmas = date(now.year, 12, 25) if now <= date(now.year, 12, 25) else date(now.year + 1, 12, 25)
    running = list(
        session.exec(
            select(Project)
            .where(Project.status == ProjectStatus.ACTIVE, col(Project.starts_at).is_not(None))
            .order_by(col(Project.id))
        )
    )
    changes: list[SessionChange] = []
    for project in running:
        if any(True for _ in regular_dates(project, christmas, christmas)):
            changes.append(
                SessionChange(
                    project_id=project.id,
                    kind=SessionChangeKind.CANCELLED.value,
                    original_date=christmas,
                    note="Christmas Day",
                )
            )
    own = [p for p in running if p.partner_id == group_partner_id]
    chosen = own + rng.sample([p for p in running if p not in own], min(40, len(running) - len(own)))
    for index, project in enumerate(chosen):
        upcoming = [
            d for d in regular_dates(project, now + timedelta(days=1), now + timedelta(days=90)) if d != christmas
        ]
        if len(upcoming) < 3 or project.starts_at is None:
            continue
        kind = index % 3
        if kind == 0:  # a cancelled session
            changes.append(
                SessionChange(
                    project_id=project.id,
                    kind=SessionChangeKind.CANCELLED.value,
                    original_date=upcoming[1],
                    note=rng.choice(REASONS),
                )
            )
        elif kind == 1:  # moved to the next day, same time
            changes.append(
                SessionChange(
                    project_id=project.id,
                    kind=SessionChangeKind.MOVED.value,
                    original_date=upcoming[2],
                    session_date=upcoming[2] + timedelta(days=1),
                    starts_at=project.starts_at,
                    ends_at=project.ends_at,
                    note="the hall is booked that day",
                )
            )
        if kind in (1, 2):  # an extra session three days after the first upcoming one
            extra = upcoming[0] + timedelta(days=3)
            changes.append(
                SessionChange(
                    project_id=project.id,
                    kind=SessionChangeKind.ADDED.value,
                    session_date=extra,
                    starts_at=project.starts_at,
                    ends_at=project.ends_at,
                    note=rng.choice(EXTRAS),
                )
            )
    session.add_all(changes)
    session.flush()
    return len(changes)
