"""A small network for connection tests: two partners' running activities, a champion, a referral source."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connections import service
from connections.forms import AttendanceInput, ConnectionInput, SourceInput
from creative_minds.accounts.models import Role
from creative_minds.timeutil import today
from stories.participants import service as participants
from stories.participants.forms import ParticipantInput
from tests.utils import locality_id, make_partner, make_project, make_user


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


class Network:
    def __init__(self, db):
        self.db = db
        self.coordinator = make_user(db, full_name="Cora Coordinator")
        self.champion = make_user(db, Role.CHAMPION, full_name="Chris Champion")
        self.other_champion = make_user(db, Role.CHAMPION, full_name="Olly Otherchampion")
        self.reporter = make_user(db, Role.REPORTER)
        self.member = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=locality_id(db))
        self.partner = make_partner(db, self.coordinator, name="Holmfirth Makers")
        self.other_partner = make_partner(
            db,
            self.coordinator,
            name="Barnsley Striders",
            locality_ids=[locality_id(db, "barnsley")],
            postcode="S70 1AA",
        )
        self.partner_user = make_user(db, Role.PARTNER, partner_id=self.partner.id, full_name="Pat Partner")
        self.other_partner_user = make_user(db, Role.PARTNER, partner_id=self.other_partner.id)
        self.activity = self._running(self.partner, "Clay and Calm")
        self.other_activity = self._running(
            self.other_partner, "Striders Walk", locality_id=locality_id(db, "barnsley"), postcode="S70 1AA"
        )
        self.source = service.add_source(db, SourceInput(name="Community mental health team"), by=self.coordinator)
        db.commit()

    def _running(self, partner, title, **changes):
        project = make_project(self.db, partner, self.coordinator, title=title, **changes)
        project.status = "active"
        self.db.commit()
        return project

    def person(self, **answers):
        person = participants.create_participant(self.db, ParticipantInput(**answers), by=self.reporter)
        self.db.commit()
        return person

    def connect(self, person=None, *, activity=None, on=None, by=None, **extra):
        data = ConnectionInput(
            project_id=(activity or self.activity).id,
            code=person.code if person else None,
            new_person=person is None,
            connected_on=on or days_ago(120),
            how="introduced",
            source_id=self.source.id,
            **extra,
        )
        connection, _ = service.record_connection(self.db, data, by=by or self.champion)
        self.db.commit()
        return connection

    def attend(self, connection, action, on=None, by=None, **extra):
        result = service.record_attendance(
            self.db, connection.id, AttendanceInput(action=action, on=on, **extra), by=by or self.partner_user
        )
        self.db.commit()
        return result


@pytest.fixture
def net(db):
    return Network(db)
