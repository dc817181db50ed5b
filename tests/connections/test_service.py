"""Connections through the services: recording, who sees what, attendance rules, registers, intake."""

from __future__ import annotations

import pytest
from sqlmodel import select

from connections import service
from connections.forms import ConnectionInput, RegisterInput
from connections.models import Connection, Intake, Stage
from creative_minds.audit.models import AuditEvent
from creative_minds.exceptions import Forbidden, Invalid
from stories.participants import service as participants
from stories.participants.models import Participant
from stories.participants.service import add_months
from tests.connections.conftest import days_ago


def _connections(db):
    db.expire_all()
    return list(db.exec(select(Connection)))


class TestRecording:
    def test_a_known_code_connects_that_person_and_the_audit_trail_notes_it(self, db, net):
        person = net.person()
        connection = net.connect(person, notes="Likes clay")
        assert (connection.participant_id, connection.project_id) == (person.id, net.activity.id)
        assert connection.stage == Stage.WAITING
        events = db.exec(select(AuditEvent).where(AuditEvent.subject == "connection")).all()
        assert [(e.action, e.subject_label, e.user_name) for e in events] == [("create", person.code, "Chris Champion")]

    def test_a_new_person_gets_a_code_and_no_name(self, db, net):
        connection = net.connect(None)
        person = db.get(Participant, connection.participant_id)
        assert person.code.startswith("P-") and len(person.code) == 8
        assert person.created_by_id == net.champion.id

    def test_codes_typed_loosely_are_found(self, db, net):
        person = net.person()
        typed = " " + person.code.replace("-", "").lower()[:3] + " " + person.code.replace("-", "").lower()[3:]
        data = ConnectionInput(
            project_id=net.activity.id,
            code=typed,
            connected_on=days_ago(1),
            how="told",
            source_id=net.source.id,
        )
        connection, created = service.record_connection(db, data, by=net.champion)
        assert created and connection.participant_id == person.id

    def test_a_code_that_does_not_exist_is_refused_by_name_and_nothing_is_saved(self, db, net):
        data = ConnectionInput(
            project_id=net.activity.id, code="P-ZZZZZZ", connected_on=days_ago(1), how="told", source_id=net.source.id
        )
        with pytest.raises(Invalid) as caught:
            service.record_connection(db, data, by=net.champion)
        assert "P-ZZZZZZ" in caught.value.errors["code"]
        db.rollback()
        assert _connections(db) == []

    def test_sending_the_same_form_twice_makes_one_record(self, db, net):
        first = net.connect(None, form_key="form-1")
        second = net.connect(None, form_key="form-1")
        assert first.id == second.id
        assert len(_connections(db)) == 1
        assert len(db.exec(select(Participant)).all()) == 1

    def test_the_same_person_activity_and_day_again_is_the_same_record(self, db, net):
        person = net.person()
        assert net.connect(person, on=days_ago(3)).id == net.connect(person, on=days_ago(3)).id
        assert len(_connections(db)) == 1

    def test_a_full_activity_is_refused_and_a_waiting_list_takes_the_person(self, db, net):
        person = net.person()
        service.set_intake(db, net.activity.id, Intake.FULL, by=net.partner_user)
        db.commit()
        with pytest.raises(Invalid) as caught:
            net.connect(person)
        assert "is full" in caught.value.errors["project_id"]
        db.rollback()
        service.set_intake(db, net.activity.id, Intake.WAITING_LIST, by=net.partner_user)
        db.commit()
        assert net.connect(person).stage == Stage.WAITING_LIST

    def test_only_running_activities_and_listed_sources(self, db, net):
        net.activity.status = "completed"
        db.commit()
        with pytest.raises(Invalid) as caught:
            net.connect(net.person())
        assert "running now" in caught.value.errors["project_id"]
        db.rollback()
        net.activity.status = "active"
        service.set_source_active(db, net.source.id, False, by=net.coordinator)
        db.commit()
        with pytest.raises(Invalid) as caught:
            net.connect(net.person())
        assert "source_id" in caught.value.errors

    def test_a_future_date_and_a_contact_preference_without_consent_are_refused(self, net):
        from pydantic import ValidationError

        base = {"project_id": 1, "new_person": True, "how": "told", "source_id": 1}
        with pytest.raises(ValidationError, match="future"):
            ConnectionInput(connected_on=days_ago(-1), **base)
        with pytest.raises(ValidationError, match="agrees"):
            ConnectionInput(connected_on=days_ago(1), contact_preference="text", **base)
        ok = ConnectionInput(connected_on=days_ago(1), contact_consent=True, contact_preference="text", **base)
        assert ok.contact_preference == "text"

    @pytest.mark.parametrize("who", ["reporter", "member", "partner_user"])
    def test_only_champions_and_coordinators_record_connections(self, db, net, who):
        with pytest.raises(Forbidden):
            net.connect(net.person(), by=getattr(net, who))

    def test_erasing_the_person_erases_their_connections(self, db, net):
        person = net.person()
        net.connect(person)
        participants.erase(db, person.id, reason="They asked us to", by=net.coordinator)
        db.commit()
        assert _connections(db) == []


class TestWhoSees:
    def test_champion_partner_and_coordinator_each_see_their_own(self, db, net):
        mine = net.connect(net.person())
        theirs = net.connect(net.person(), activity=net.other_activity, by=net.other_champion)
        ids = lambda user: {c.id for c in service.list_connections(db, by=user)}  # noqa: E731
        assert ids(net.champion) == {mine.id}
        assert ids(net.other_champion) == {theirs.id}
        assert ids(net.partner_user) == {mine.id}
        assert ids(net.other_partner_user) == {theirs.id}
        assert ids(net.coordinator) == {mine.id, theirs.id}

    def test_other_people_are_refused_one_connection(self, db, net):
        mine = net.connect(net.person())
        for user in (net.other_champion, net.other_partner_user):
            with pytest.raises(Forbidden):
                service.get_connection(db, mine.id, by=user)
        for user in (net.reporter, net.member):
            with pytest.raises(Forbidden):
                service.list_connections(db, by=user)

    def test_reading_one_is_in_the_audit_trail(self, db, net):
        mine = net.connect(net.person())
        service.read_connection(db, mine.id, by=net.partner_user)
        read = db.exec(select(AuditEvent).where(AuditEvent.action == "read")).one()
        assert (read.subject, read.subject_id, read.user_name) == ("connection", mine.id, "Pat Partner")

    def test_nudges_come_first_for_the_champion(self, db, net):
        recent = net.connect(net.person(), on=days_ago(2))
        came = net.connect(net.person(), on=days_ago(40))
        net.attend(came, "came", on=days_ago(35))
        waiting_long = net.connect(net.person(), on=days_ago(30))
        waiting_just = net.connect(net.person(), on=days_ago(21))
        order = [c.id for c in service.list_connections(db, by=net.champion)]
        assert order == [waiting_long.id, waiting_just.id, recent.id, came.id]


class TestAttendance:
    def test_the_partner_records_the_journey(self, db, net):
        connection = net.connect(net.person(), on=days_ago(120))
        assert net.attend(connection, "came", on=days_ago(110)).stage == Stage.CAME
        due = add_months(days_ago(110), 3)
        assert net.attend(connection, "still_going", on=due).stage == Stage.STILL_GOING
        stopped = net.attend(connection, "stopped", on=days_ago(1), stop_reason="transport")
        assert (stopped.stage, stopped.stop_reason_label) == (Stage.STOPPED, "Transport")

    def test_a_first_visit_before_the_connection_is_refused(self, db, net):
        connection = net.connect(net.person(), on=days_ago(10))
        with pytest.raises(Invalid) as caught:
            net.attend(connection, "came", on=days_ago(11))
        assert "before the connection" in caught.value.errors["on"]

    def test_still_going_needs_a_first_visit_and_three_months(self, db, net):
        connection = net.connect(net.person(), on=days_ago(120))
        with pytest.raises(Invalid, match="first visit"):
            net.attend(connection, "still_going", on=days_ago(1))
        db.rollback()
        net.attend(connection, "came", on=days_ago(60))
        with pytest.raises(Invalid) as caught:
            net.attend(connection, "still_going", on=days_ago(1))
        assert "3 months after the first visit" in caught.value.errors["on"]

    def test_did_not_come_is_refused_once_they_came(self, db, net):
        connection = net.connect(net.person(), on=days_ago(20))
        assert net.attend(connection, "did_not_come").stage == Stage.DID_NOT_COME
        net.attend(connection, "came", on=days_ago(5))
        with pytest.raises(Invalid, match="stopped"):
            net.attend(connection, "did_not_come")

    @pytest.mark.parametrize("who", ["champion", "other_partner_user"])
    def test_only_the_running_partner_records_attendance(self, db, net, who):
        connection = net.connect(net.person(), on=days_ago(20))
        with pytest.raises(Forbidden):
            net.attend(connection, "came", on=days_ago(5), by=getattr(net, who))


class TestRegisters:
    def test_a_register_records_first_visits_and_a_second_send_replaces_it(self, db, net):
        a = net.connect(net.person(), on=days_ago(30))
        b = net.connect(net.person(), on=days_ago(30))
        service.record_register(
            db,
            net.activity.id,
            RegisterInput(held_on=days_ago(14), headcount=12, connection_ids=[a.id]),
            by=net.partner_user,
        )
        service.record_register(
            db,
            net.activity.id,
            RegisterInput(held_on=days_ago(14), headcount=13, connection_ids=[a.id, b.id]),
            by=net.partner_user,
        )
        service.record_register(
            db,
            net.activity.id,
            RegisterInput(held_on=days_ago(7), headcount=15, connection_ids=[a.id]),
            by=net.partner_user,
        )
        db.commit()
        registers = service.registers(db, net.activity.id, by=net.partner_user)
        assert [(r.held_on, r.headcount, len(r.attendees)) for r in registers] == [
            (days_ago(7), 15, 1),
            (days_ago(14), 13, 2),
        ]
        db.expire_all()
        assert db.get(Connection, a.id).first_attended_on == days_ago(14)
        assert db.get(Connection, b.id).first_attended_on == days_ago(14)

    def test_someone_not_connected_to_the_activity_cannot_be_ticked(self, db, net):
        elsewhere = net.connect(net.person(), activity=net.other_activity)
        with pytest.raises(Invalid, match="connected to this activity"):
            service.record_register(
                db,
                net.activity.id,
                RegisterInput(held_on=days_ago(1), headcount=5, connection_ids=[elsewhere.id]),
                by=net.partner_user,
            )

    def test_a_session_before_the_connection_cannot_count(self, db, net):
        late = net.connect(net.person(), on=days_ago(3))
        with pytest.raises(Invalid, match="after this session"):
            service.record_register(
                db,
                net.activity.id,
                RegisterInput(held_on=days_ago(5), headcount=5, connection_ids=[late.id]),
                by=net.partner_user,
            )

    def test_more_ticked_than_came_is_refused(self):
        from pydantic import ValidationError

        with pytest.raises(ValidationError, match="More connected people"):
            RegisterInput(held_on=days_ago(1), headcount=1, connection_ids=[1, 2])

    def test_another_partner_cannot_keep_this_register(self, db, net):
        with pytest.raises(Forbidden):
            service.record_register(
                db, net.activity.id, RegisterInput(held_on=days_ago(1), headcount=3), by=net.other_partner_user
            )


class TestIntake:
    def test_confirming_running_and_when_it_goes_stale(self, db, net):
        row = service.intake_of(db, net.activity.id)
        assert row.intake == Intake.OPEN and service.unconfirmed(row)
        row = service.confirm_running(db, net.activity.id, by=net.partner_user)
        assert row.confirmed_on == days_ago(0) and not service.unconfirmed(row)
        row.confirmed_on = add_months(days_ago(0), -3) - __import__("datetime").timedelta(days=1)
        assert service.unconfirmed(row)

    def test_only_the_running_partner_sets_intake(self, db, net):
        with pytest.raises(Forbidden):
            service.set_intake(db, net.activity.id, Intake.FULL, by=net.other_partner_user)
        with pytest.raises(Forbidden):
            service.confirm_running(db, net.activity.id, by=net.champion)

    def test_the_partner_sees_how_many_are_awaited(self, db, net):
        net.connect(net.person())
        came = net.connect(net.person())
        net.attend(came, "came", on=days_ago(100))
        rows = service.partner_activities(db, by=net.partner_user)
        assert [(r.project.title, r.waiting, r.intake.intake) for r in rows] == [("Clay and Calm", 1, "open")]


class TestDemo:
    def test_the_demo_has_connections_at_every_stage(self, db):
        from creative_minds.demo import load_demo

        load_demo(db, partners=30, projects=120)
        db.commit()
        connections = list(db.exec(select(Connection)))
        stages = {c.stage for c in connections}
        assert stages == set(Stage)
        assert any(service.needs_nudge(c) for c in connections)
        from connections.funnel import FunnelScope, funnel

        network = funnel(db, FunnelScope(), small_number=5, exact=True).total.counts
        assert network["connected"] >= 200 and network["paired"] >= 1
        assert network["connected"] > network["came"] > network["still_going"] > 0


class TestSentTogether:
    def test_the_same_form_sent_twice_at_the_same_moment_saves_one_connection(self, db, engine, net):
        from creative_minds.accounts.models import User
        from tests.utils import at_once

        person = net.person()
        data = ConnectionInput(
            project_id=net.activity.id,
            code=person.code,
            connected_on=days_ago(2),
            how="told",
            source_id=net.source.id,
            form_key="same-form-sent-twice",
        )

        def send(session, go) -> int:
            champion = session.get(User, net.champion.id)
            go()
            connection, _ = service.record_connection(session, data, by=champion)
            return connection.id

        ids, errors = at_once(engine, send)
        assert errors == [] and len(ids) == 2 and ids[0] == ids[1]
        assert len(_connections(db)) == 1
