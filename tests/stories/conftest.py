"""Participants at a running project, recorded through the services."""

from __future__ import annotations

from datetime import date

import pytest

from creative_minds.accounts.models import Role
from stories.participants import service as participants
from stories.participants.forms import ParticipantInput
from stories.scores import service as scores
from stories.scores.forms import ScoreInput
from tests.utils import make_partner, make_project, make_user

# Fixed days in one year (last year, so never in the future): 92 days apart, inside the 8-26 week window.
BASELINE_ON = date(date.today().year - 1, 3, 1)
FOLLOW_UP_ON = date(date.today().year - 1, 6, 1)


class People:
    def __init__(self, db):
        self.db = db
        self.coordinator = make_user(db)
        self.reporter = make_user(db, Role.REPORTER)
        partner = make_partner(db, self.coordinator)
        self.project = make_project(db, partner, self.coordinator, title="Clay and Calm")
        self.project.status = "active"
        db.commit()

    def participant(self, **answers):
        person = participants.create_participant(
            self.db, ParticipantInput(project_ids=[self.project.id], **answers), by=self.reporter
        )
        self.db.commit()
        return person

    def score(self, person, kind, items, on=None):
        data = ScoreInput(
            project_id=self.project.id,
            kind=kind,
            completed_on=on or (BASELINE_ON if kind == "baseline" else FOLLOW_UP_ON),
            **{f"item_{i}": v for i, v in enumerate(items, start=1)},
        )
        result = scores.record_score(self.db, person, data, by=self.reporter)
        self.db.commit()
        return result

    def pair(self, before, after, **answers):
        person = self.participant(**answers)
        self.score(person, "baseline", before)
        self.score(person, "follow_up", after)
        return person


@pytest.fixture
def people(db):
    return People(db)
