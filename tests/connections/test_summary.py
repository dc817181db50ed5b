"""The funnel's kept summary (connections/summary.py) always says what counting the connections afresh says:
after every kind of change, for every activity, partner, locality and the network, with each breakdown."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from connections import summary
from connections.forms import RegisterInput
from connections.funnel import FunnelScope, by_levels, count, kept_levels, kept_table
from connections.models import Connection
from connections.service import record_register
from connections.summary import FunnelPerson
from creative_minds.localities import Locality
from projects.models import Project
from stories.participants import service as participants
from stories.participants.forms import ParticipantInput
from stories.scores import service as scores
from stories.scores.forms import ScoreInput
from tests.connections.conftest import days_ago
from tests.utils import locality_id


def _scopes(db) -> list[FunnelScope]:
    projects = db.exec(select(Project)).all()
    return [
        FunnelScope(),
        *(FunnelScope(project_id=p.id) for p in projects),
        *(FunnelScope(partner_id=pid) for pid in {p.partner_id for p in projects}),
        *(FunnelScope(locality_id=loc.id) for loc in db.exec(select(Locality)).all()),
    ]


def assert_kept_equals_afresh(db) -> None:
    from connections.funnel import Project as FunnelProject  # the column the afresh tables are keyed by

    scopes = _scopes(db)
    assert kept_levels(db, scopes) == by_levels(db, scopes)
    assert kept_table(db, "activity") == count(db, FunnelScope(), Connection.project_id)
    assert kept_table(db, "partner") == count(db, FunnelScope(), FunnelProject.partner_id)
    assert kept_table(db, "locality") == count(db, FunnelScope(), FunnelProject.locality_id)
    for project in db.exec(select(Project)).all():
        assert kept_table(db, "activity", partner_id=project.partner_id) == count(
            db, FunnelScope(partner_id=project.partner_id), Connection.project_id
        )
    # And it is what working every row out again gives.
    kept = _rows(db)
    summary.rebuild(db)
    again = _rows(db)
    assert kept == again
    db.commit()


def _rows(db) -> list[tuple]:
    return sorted(
        (r.level, r.key, r.source_id, r.participant_id, r.came, r.still_going, r.paired, r.sex, r.religion)
        for r in db.exec(select(FunnelPerson)).all()
    )


def _pair(db, net, person, activity):
    for kind, on, answer in (("baseline", days_ago(100), 2), ("follow_up", days_ago(5), 4)):
        scores.record_score(
            db,
            person,
            ScoreInput(
                project_id=activity.id, kind=kind, completed_on=on, **{f"item_{i}": answer for i in range(1, 8)}
            ),
            by=net.reporter,
        )
    db.commit()


def test_the_kept_summary_follows_every_kind_of_change(db, net):
    assert_kept_equals_afresh(db)  # nothing yet
    women = [net.person(sex="Female", age_band="25 to 34", project_ids=[net.activity.id]) for _ in range(3)]
    first = net.connect(women[0], on=days_ago(200))
    net.connect(women[0], activity=net.other_activity, on=days_ago(150), by=net.other_champion)
    second = net.connect(women[1], on=days_ago(200))
    new_person = net.connect(None, on=days_ago(30))
    assert_kept_equals_afresh(db)

    net.attend(first, "came", on=days_ago(190))  # a first visit
    net.attend(first, "still_going", on=days_ago(60))  # still going
    net.attend(second, "came", on=days_ago(190))
    net.attend(second, "stopped", on=days_ago(100), stop_reason="cost")
    net.attend(new_person, "did_not_come")
    assert_kept_equals_afresh(db)

    _pair(db, net, women[0], net.activity)  # a wellbeing pair for a person who came
    _pair(db, net, women[2], net.activity)  # and for one never connected there
    assert_kept_equals_afresh(db)

    third = net.connect(women[2], on=days_ago(20))
    record_register(  # a register ticks someone: their first visit
        db,
        net.activity.id,
        RegisterInput(held_on=days_ago(10), headcount=3, connection_ids=[third.id]),
        by=net.partner_user,
    )
    db.commit()
    assert db.get(Connection, third.id).first_attended_on == days_ago(10)
    assert_kept_equals_afresh(db)

    participants.update_participant(  # equality answers changed
        db,
        women[1],
        ParticipantInput(project_ids=[net.activity.id], sex="Male", religion="Buddhist"),
        by=net.reporter,
    )
    db.commit()
    assert_kept_equals_afresh(db)

    net.activity.partner_id = net.other_partner.id  # an activity moved to another partner and locality
    net.activity.locality_id = locality_id(db, "barnsley")
    db.add(net.activity)
    db.commit()
    assert_kept_equals_afresh(db)

    participants.erase(db, women[0].id, reason="asked to be forgotten", by=net.coordinator)  # erased
    db.commit()
    assert db.exec(select(FunnelPerson).where(FunnelPerson.participant_id == women[0].id)).all() == []
    assert_kept_equals_afresh(db)


def test_a_change_is_counted_before_commit_when_read_in_the_same_transaction(db, net):
    connection = net.connect(net.person(), on=days_ago(50))
    connection = db.get(Connection, connection.id)
    connection.first_attended_on = date.fromordinal(days_ago(40).toordinal())
    db.add(connection)
    (network,) = kept_levels(db, [FunnelScope()])
    assert network[0]["came"] == 1
    db.rollback()
    (network,) = kept_levels(db, [FunnelScope()])
    assert network[0]["came"] == 0
