"""The demo network: big enough to feel alive, spread over the four localities, every role can sign in."""

from __future__ import annotations

from collections import Counter

from sqlmodel import func, select

from collectives.decisions.service import compute_results
from collectives.rounds.models import Phase, Round
from creative_minds.accounts.models import Role, User
from creative_minds.demo import DEMO_PASSWORD, has_data, load_demo
from creative_minds.geo import haversine_km
from creative_minds.localities import LOCALITIES, Locality
from partners.models import Partner
from projects.models import Project
from tests.utils import login


def test_demo_network(db, client):
    logins = load_demo(db)
    db.commit()
    assert has_data(db)
    assert db.exec(select(func.count()).select_from(Partner)).one() >= 120
    assert db.exec(select(func.count()).select_from(Project)).one() >= 1000

    localities = {loc.id: loc for loc in db.exec(select(Locality))}
    outcodes = {facts.slug: set(facts.outcodes) | {"S63"} for facts in LOCALITIES}
    per_locality = Counter()
    for project in db.exec(select(Project)):
        locality = localities[project.locality_id]
        per_locality[locality.slug] += 1
        # Coordinates sit inside the project's own locality: near its centre and in one of its districts.
        assert haversine_km(project.latitude, project.longitude, locality.latitude, locality.longitude) < 25
        assert project.postcode.split(" ")[0] in outcodes[locality.slug], project.postcode
        assert project.requested_pence + project.match_pence <= project.total_cost_pence
    assert set(per_locality) == {"barnsley", "calderdale", "kirklees", "wakefield"}
    assert min(per_locality.values()) >= 200

    # Every demo round with votes shows where the rules differ (random ballots made all three agree).
    rounds_with_votes = [r for r in db.exec(select(Round)) if r.phase in (Phase.VOTING, Phase.CLOSED)]
    assert {r.phase for r in rounds_with_votes} == {Phase.VOTING, Phase.CLOSED}
    for round_ in rounds_with_votes:
        results = compute_results(db, round_)
        funded = {rule: set(outcome.selected) for rule, outcome in results.outcomes.items()}
        assert funded["greedy"] != funded["mes"], round_.name
        assert results.differences, round_.name  # and the page says which applications and why

    roles = Counter(u.role for u in db.exec(select(User)))
    assert all(roles[r.value] >= 1 for r in Role)
    # Every documented login works with the documented password.
    for demo_login in logins[:3] + [next(x for x in logins if x.email == "group@example.org")]:
        client.cookies.clear()
        login(client, demo_login.email, DEMO_PASSWORD)
    assert "Your projects" in client.get("/").text


def test_demo_has_dates_in_every_state(db, client):
    from obligations.models import Obligation, OutboxMessage

    load_demo(db)
    db.commit()
    obligations = list(db.exec(select(Obligation)))
    states = Counter(o.state_label for o in obligations)
    assert {"Due", "Overdue", "Done", "Waived"} <= set(states)
    kinds = {o.kind for o in obligations}
    assert {"insurance", "safeguarding", "agreement", "report", "follow_up", "applications_close"} <= kinds
    # The approved demo group sees its overdue safeguarding review first, and its insurance due in 10 days.
    client.cookies.clear()
    login(client, "group@example.org", DEMO_PASSWORD)
    home = client.get("/").text
    needs = home[home.index("Needs you now") :]
    assert "safeguarding policy review" in needs and "overdue by 5 days" in needs
    assert "due in 10 days" in needs
    # With no SMTP server set, the reminders wait in the outbox.
    assert db.exec(select(func.count()).select_from(OutboxMessage)).one() > 0


def test_demo_has_cancelled_moved_and_extra_sessions(db, client):
    from projects.models import SessionChange
    from projects.sessions import list_changes, upcoming

    load_demo(db)
    db.commit()
    changes = list(db.exec(select(SessionChange)))
    assert {c.kind for c in changes} == {"cancelled", "moved", "added"}
    assert any(c.note == "Christmas Day" for c in changes)
    # Each change is on a running activity's own session (or a free slot) from today on, so the pages show it.
    for change in changes[:60]:
        project = db.get(Project, change.project_id)
        shown = upcoming(project, list_changes(db, project.id), count=200)
        assert any(o.change_id == change.id for o in shown), change
