"""A collective sees each applicant's track record on the round page while it decides, with small numbers hidden."""

from __future__ import annotations

from connections import service
from connections.forms import AttendanceInput, ConnectionInput, SourceInput
from creative_minds.accounts.models import Role
from stories.participants.models import Participant
from stories.participants.service import new_code
from tests.collectives.conftest import make_network
from tests.connections.conftest import days_ago
from tests.utils import login, make_project, make_user


def _connect_many(db, project, champion, partner_user, source, *, connected, came):
    for i in range(connected):
        person = Participant(code=new_code(db))
        db.add(person)
        db.flush()
        data = ConnectionInput(
            project_id=project.id, code=person.code, connected_on=days_ago(60), how="told", source_id=source.id
        )
        connection, _ = service.record_connection(db, data, by=champion)
        if i < came:
            service.record_attendance(
                db, connection.id, AttendanceInput(action="came", on=days_ago(50)), by=partner_user
            )
    db.commit()


def test_members_see_the_applicants_track_record_hidden_where_small(client, db):
    net = make_network(db)
    net.apply("cafe", 400_000)
    champion = make_user(db, Role.CHAMPION)
    source = service.add_source(db, SourceInput(name="Recovery college"), by=net.coordinator)
    running = make_project(db, net.partners["cafe"], net.coordinator, title="Cafe Tuesdays")
    running.status = "active"
    other = make_project(db, net.partners["cafe"], net.coordinator, title="Cafe Fridays")
    other.status = "active"
    db.commit()
    _connect_many(db, running, champion, net.owners["cafe"], source, connected=12, came=7)
    _connect_many(db, other, champion, net.owners["cafe"], source, connected=3, came=0)
    net.to_voting()
    member = net.add_member()

    login(client, member.email)
    page = client.get(f"/rounds/{net.round.id}").text
    record = page.split("Track record")[1].split("</details>")[0]
    # The partner: 15 connected, 7 came (15 - 7 = 8 did not come), 0 still going.
    assert "15 connected, 7 came, 0 still going" in record
    # The applicant project itself has nobody connected yet.
    assert "0 connected by champions, 0 came, 0 still going" in record
    assert "no forms before and after yet" in record

    client.cookies.clear()
    login(client, net.owners["cafe"].email)  # an applicant does not see the track records of the round
    assert "Track record" not in client.get(f"/rounds/{net.round.id}").text
