"""Every route × every role: who may, and who gets 403 (or is sent to sign in).

Each route of the app is listed here with the roles allowed to use it, or as public. A route that is
neither fails the completeness test, so a new page cannot ship without its rule. For each private
route every role is tried: an allowed role must not be refused (any answer but 401/403 or a sign-in
redirect: it may still get 404, 409 or 422 for the state the network is in); every other role must
get 403, and someone signed out must be sent to sign in (401 for the JSON API).

POST bodies are empty or deliberately incomplete, so an allowed role is mostly refused for the
input, not the person; when one does change something (approving, publishing, erasing...), the
network is built afresh before the next route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from collectives.decisions import service as decisions
from collectives.membership import service as membership
from collectives.membership.forms import JoinInput
from collectives.membership.models import Constituency
from collectives.rounds import service as rounds
from collectives.rounds.forms import RoundInput
from collectives.rounds.models import Rule
from connections import service as connections
from connections.forms import ConnectionInput, SourceInput
from creative_minds.accounts.models import Role
from stories.participants import service as participants
from stories.participants.forms import ParticipantInput
from stories.publishing import service as publishing
from stories.publishing.forms import StoryInput
from stories.scores import service as scores
from stories.scores.forms import ScoreInput
from tests.collectives.conftest import make_network, pb_notes_case
from tests.conftest import _wipe, snapshot
from tests.utils import api, csrf_token, locality_id, login, make_partner, make_project, make_user

ROLES = [
    "anonymous",
    "requester",
    "member",
    "other_member",
    "partner",
    "other_partner",
    "unapproved_partner",
    "champion",
    "reporter",
    "other_reporter",
    "coordinator",
]
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
PARTNERS = frozenset({"partner", "other_partner", "unapproved_partner"})
REPORTERS = frozenset({"reporter", "other_reporter"})
C = frozenset({"coordinator"})

PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/register"),
    ("POST", "/register"),
    ("GET", "/collectives/join"),
    ("POST", "/collectives/join"),
    ("POST", "/accounts/logout"),
    # "Forgot your password?" and the page its e-mail (or an invitation) links to: the token is the key
    ("GET", "/login/forgot"),
    ("POST", "/login/forgot"),
    ("GET", "/accounts/password/{token:str}"),
    ("POST", "/accounts/password/{token:str}"),
    ("GET", "/activities"),
    ("GET", "/activities/calendar.ics"),
    ("GET", "/activities/map.geojson"),
    ("GET", "/activities/sheet"),
    ("GET", "/activities/{project_id:int}"),
    ("GET", "/activities/{project_id:int}/calendar.ics"),
    ("GET", "/activities/{project_id:int}/popup"),
    ("GET", "/openreferral"),
    ("GET", "/openreferral/organizations"),
    ("GET", "/openreferral/services"),
    ("GET", "/openreferral/services/{service_id:str}"),
    ("GET", "/stories"),
}
PUBLIC_PREFIXES = ("/schema", "/static")

# (method, route) -> the roles allowed. Everyone else: 403, or sent to sign in.
RULES: dict[tuple[str, str], frozenset[str]] = {
    # Accounts
    ("GET", "/accounts"): C,
    ("GET", "/accounts/new"): C,
    ("POST", "/accounts/new"): C,
    ("POST", "/accounts/{user_id:int}/activate"): C,
    ("POST", "/accounts/{user_id:int}/deactivate"): C,
    ("POST", "/accounts/{user_id:int}/invite"): C,
    ("GET", "/collectives/members"): C,
    ("POST", "/collectives/members/invite"): C,
    ("GET", "/accounts/me"): SIGNED_IN,
    ("POST", "/accounts/me/password"): SIGNED_IN,
    ("POST", "/accounts/sign-out-everywhere"): SIGNED_IN,
    ("GET", "/audit"): C,
    # Partners and projects
    ("GET", "/partners"): SIGNED_IN,
    ("GET", "/partners/new"): C,
    ("POST", "/partners/new"): C,
    ("GET", "/partners/{partner_id:int}"): SIGNED_IN,
    ("POST", "/partners/{partner_id:int}/approve"): C,
    ("POST", "/partners/{partner_id:int}/archive"): C,
    ("GET", "/partners/{partner_id:int}/edit"): C | {"partner"},
    ("POST", "/partners/{partner_id:int}/edit"): C | {"partner"},
    ("GET", "/projects"): SIGNED_IN,
    ("GET", "/projects/new"): C | PARTNERS,
    ("POST", "/projects/new"): C | PARTNERS,
    ("GET", "/projects/{project_id:int}"): SIGNED_IN,
    ("GET", "/projects/{project_id:int}/edit"): C | {"partner"},
    ("POST", "/projects/{project_id:int}/edit"): C | {"partner"},
    ("POST", "/projects/{project_id:int}/status"): C | {"partner"},
    ("GET", "/projects/{project_id:int}/sessions"): C | {"partner"},
    ("POST", "/projects/{project_id:int}/sessions/{action:str}"): C | {"partner"},
    ("POST", "/projects/{project_id:int}/sessions/{change_id:int}/undo"): C | {"partner"},
    ("GET", "/api/partners"): SIGNED_IN,
    # Imports (coordinators only: they load and change the whole network)
    ("GET", "/imports"): C,
    ("GET", "/imports/{kind:str}"): C,
    ("POST", "/imports/{kind:str}"): C,
    ("GET", "/imports/{kind:str}/template.csv"): C,
    ("GET", "/imports/{kind:str}/template.xlsx"): C,
    ("GET", "/imports/jobs/{job_id:int}"): C,
    ("POST", "/imports/jobs/{job_id:int}/import"): C,
    ("POST", "/imports/jobs/{job_id:int}/invite"): C,
    # Special-category lists: POST forms with a reason kept in the audit trail
    ("POST", "/exports/members.csv"): C,
    ("POST", "/exports/members.xlsx"): C,
    ("POST", "/exports/connections.csv"): C,
    ("POST", "/exports/connections.xlsx"): C,
    ("GET", "/exports/partners.csv"): C,
    ("GET", "/exports/partners.xlsx"): C,
    ("GET", "/exports/projects.csv"): C,
    ("GET", "/exports/projects.xlsx"): C,
    ("GET", "/exports/ledger.csv"): C,
    ("GET", "/exports/applications.csv"): C,
    ("GET", "/exports/applications.xlsx"): C,
    ("GET", "/exports/ledger.xlsx"): C,
    ("GET", "/exports/360giving.json"): C,
    ("GET", "/exports/360giving.csv"): C,
    # Read-only JSON API for rounds, applications, decisions and the ledger (the pages' own checks)
    ("GET", "/api/rounds"): SIGNED_IN,
    ("GET", "/api/rounds/{round_id:int}"): C | {"member", "partner"},
    ("GET", "/api/rounds/{round_id:int}/applications"): C | {"member", "partner"},
    ("GET", "/api/rounds/{round_id:int}/decision"): C | {"member"},
    ("GET", "/api/ledger"): C,
    ("POST", "/api/partners"): C,
    ("GET", "/api/partners/{partner_id:int}"): SIGNED_IN,
    ("PUT", "/api/partners/{partner_id:int}"): C | {"partner"},
    ("POST", "/api/partners/{partner_id:int}/approve"): C,
    ("POST", "/api/partners/{partner_id:int}/archive"): C,
    ("GET", "/api/projects"): SIGNED_IN,
    ("POST", "/api/projects"): C | PARTNERS,
    ("GET", "/api/projects/{project_id:int}"): SIGNED_IN,
    ("PUT", "/api/projects/{project_id:int}"): C | {"partner"},
    ("POST", "/api/projects/{project_id:int}/status"): C | {"partner"},
    # Funds and the ledger
    ("GET", "/funds"): C,
    ("GET", "/funds/new"): C,
    ("POST", "/funds/new"): C,
    ("POST", "/funds/ledger"): C,
    # Obligations and notifications
    ("GET", "/obligations"): C,
    ("POST", "/obligations/{obligation_id:int}/close"): C,
    ("GET", "/notifications/outbox"): C,
    ("GET", "/notifications/choices"): SIGNED_IN,
    ("POST", "/notifications/choices"): SIGNED_IN,
    # Collectives and rounds
    ("GET", "/collectives"): SIGNED_IN,
    ("GET", "/collectives/conflicts"): SIGNED_IN,
    ("POST", "/collectives/conflicts"): {
        "requester",
        "member",
        "other_member",
        "champion",
        "reporter",
        "other_reporter",
    },
    ("POST", "/collectives/membership/constituency"): {"member", "other_member"},
    ("POST", "/collectives/memberships/{membership_id:int}/{choice:str}"): C | {"member"},
    ("GET", "/collectives/involvement"): C | {"member", "other_member"},
    ("GET", "/collectives/involvement/members/{user_id:int}"): C | {"member"},
    ("POST", "/collectives/involvement/members/{user_id:int}/expenses"): C | {"member"},
    ("POST", "/collectives/involvement/members/{user_id:int}/payment-choice"): C | {"member"},
    ("GET", "/collectives/involvement/years"): C,
    ("POST", "/collectives/involvement/years/{year:int}/totals.csv"): C,
    ("GET", "/collectives/meetings"): C,
    ("POST", "/collectives/meetings"): C,
    ("GET", "/applications"): PARTNERS,
    ("POST", "/applications/{application_id:int}/withdraw"): C | {"partner"},
    ("GET", "/rounds/new"): C,
    ("POST", "/rounds/new"): C,
    ("GET", "/rounds/{round_id:int}"): C | {"member", "partner"},
    ("POST", "/rounds/{round_id:int}/advance"): C,
    ("POST", "/rounds/{round_id:int}/tie-rule"): C,
    ("POST", "/rounds/{round_id:int}/ballot"): {"member"},
    ("GET", "/rounds/{round_id:int}/turnout"): C | {"member"},
    ("GET", "/rounds/{round_id:int}/results"): C | {"member"},
    ("GET", "/rounds/{round_id:int}/decision"): C | {"member"},
    ("POST", "/rounds/{round_id:int}/decision"): C,
    ("GET", "/rounds/{round_id:int}/decision.csv"): C | {"member"},
    ("GET", "/rounds/{round_id:int}/decision.json"): C | {"member"},
    ("POST", "/rounds/{round_id:int}/amendments"): C,
    ("POST", "/rounds/{round_id:int}/publish"): C,
    ("GET", "/rounds/{round_id:int}/outcomes"): C | {"member", "partner", "other_partner"},
    ("GET", "/rounds/{round_id:int}/eligibility"): C,
    ("POST", "/rounds/{round_id:int}/applications/{application_id:int}/eligibility"): C,
    # Applying goes to the round that is open (see _path): approved partners working in its locality.
    ("GET", "/rounds/{round_id:int}/apply"): {"partner", "other_partner"},
    ("POST", "/rounds/{round_id:int}/apply"): {"partner", "other_partner"},
    # Participants, wellbeing and stories: special-category data
    ("GET", "/participants"): C | REPORTERS,
    ("GET", "/participants/new"): C | REPORTERS,
    ("POST", "/participants/new"): C | REPORTERS,
    ("GET", "/participants/assignments"): C,
    ("POST", "/participants/assignments"): C,
    ("POST", "/participants/assignments/{assignment_id:int}/remove"): C,
    ("GET", "/participants/{participant_id:int}"): C | {"reporter"},
    ("GET", "/participants/{participant_id:int}/edit"): C | {"reporter"},
    ("POST", "/participants/{participant_id:int}/edit"): C | {"reporter"},
    ("POST", "/participants/{participant_id:int}/erase"): C,
    ("GET", "/participants/{participant_id:int}/scores/new"): C | {"reporter"},
    ("POST", "/participants/{participant_id:int}/scores/new"): C | {"reporter"},
    ("GET", "/participants/{participant_id:int}/scores/{score_id:int}/edit"): C | {"reporter"},
    ("POST", "/participants/{participant_id:int}/scores/{score_id:int}/edit"): C | {"reporter"},
    ("GET", "/participants/{participant_id:int}/stories/new"): C | {"reporter"},
    ("POST", "/participants/{participant_id:int}/stories/new"): C | {"reporter"},
    ("GET", "/stories/review"): C,
    ("GET", "/stories/{story_id:int}"): C | {"reporter"},
    ("POST", "/stories/{story_id:int}/consent"): C | {"reporter"},
    ("POST", "/stories/{story_id:int}/review"): C,
    ("GET", "/reports/evaluation"): C | REPORTERS,
    ("POST", "/reports/evaluation.csv"): C | REPORTERS,
    ("GET", "/reports/annual"): C | REPORTERS,
    # Connections: the champion who recorded one, the partner running its activity, coordinators
    ("GET", "/connections"): C | PARTNERS | {"champion"},
    ("GET", "/connections/new"): C | {"champion"},
    ("POST", "/connections/new"): C | {"champion"},
    ("GET", "/connections/{connection_id:int}"): C | {"champion", "partner"},
    ("POST", "/connections/{connection_id:int}/attendance"): C | {"partner"},
    ("GET", "/connections/activities/{project_id:int}"): C | {"partner"},
    ("POST", "/connections/activities/{project_id:int}/intake"): C | {"partner"},
    ("POST", "/connections/activities/{project_id:int}/confirm"): C | {"partner"},
    ("POST", "/connections/activities/{project_id:int}/register"): C | {"partner"},
    ("GET", "/connections/sources"): C,
    ("POST", "/connections/sources"): C,
    ("POST", "/connections/sources/{source_id:int}/active"): C,
    ("GET", "/connections/funnel"): SIGNED_IN,
}


@dataclass
class Network:
    """Everything a route may name, and a person in every role."""

    emails: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def build(db) -> Network:
    net = make_network(db)  # Kirklees: a fund, a share, a round
    pb_notes_case(net)  # five applications, seven admitted members voting
    net.advance()
    decisions.confirm_decision(db, net.round.id, Rule.MES, by=net.coordinator, confirmed=True)
    rounds.publish_outcomes(db, net.round, by=net.coordinator)
    db.commit()
    kirklees, wakefield = locality_id(db), locality_id(db, "wakefield")
    open_round = rounds.create_round(
        db,
        RoundInput(
            share_id=net.round.share_id,
            name="Kirklees autumn round",
            budget_pence=100_000,
            applications_close_on=date.today() + timedelta(days=20),
        ),
        by=net.coordinator,
    )
    requester = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=kirklees)
    request = membership.request_to_join(
        db, requester, JoinInput(locality_id=kirklees, constituency=Constituency.CARER, reason="I care for my son.")
    )
    other_member = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=wakefield)
    membership.admit_directly(db, other_member, wakefield, Constituency.CARER)
    other_group = make_partner(db, net.coordinator, name="Another Kirklees Group")
    unapproved = make_partner(db, net.coordinator, name="Brand New Group")
    unapproved.status = "awaiting_approval"
    reporter = make_user(db, Role.REPORTER)
    other_reporter = make_user(db, Role.REPORTER)
    project = net.projects["cafe"]
    person = participants.create_participant(db, ParticipantInput(project_ids=[project.id]), by=reporter)
    story = publishing.record_story(
        db, person, StoryInput(project_id=project.id, text="The cafe helps.", consent="public_anonymous"), by=reporter
    )
    score = scores.record_score(
        db,
        person,
        ScoreInput(project_id=project.id, kind="baseline", completed_on=date.today() - timedelta(days=10), item_1=3),
        by=reporter,
    )
    elsewhere = make_project(db, other_group, net.coordinator, title="Elsewhere", locality_id=wakefield)
    assignment = participants.assign(db, other_reporter.id, project_id=elsewhere.id, by=net.coordinator)
    spare = make_user(db, Role.CHAMPION, full_name="Spare Account")
    champion = make_user(db, Role.CHAMPION)
    running = make_project(db, net.partners["cafe"], net.coordinator, title="Cafe drop-in")
    running.status = "active"
    source = connections.add_source(db, SourceInput(name="Recovery college"), by=net.coordinator)
    connection, _ = connections.record_connection(
        db,
        ConnectionInput(
            project_id=running.id, new_person=True, connected_on=date.today(), how="told", source_id=source.id
        ),
        by=champion,
    )
    db.commit()
    users = {
        "requester": requester,
        "member": net.members[0],
        "other_member": other_member,
        "partner": net.owners["cafe"],
        "other_partner": make_user(db, Role.PARTNER, partner_id=other_group.id),
        "unapproved_partner": make_user(db, Role.PARTNER, partner_id=unapproved.id),
        "champion": champion,
        "reporter": reporter,
        "other_reporter": other_reporter,
        "coordinator": net.coordinator,
    }
    return Network(
        emails={role: user.email for role, user in users.items()},
        ids={
            "round_id": net.round.id,
            "open_round_id": open_round.id,
            "application_id": net.applications["cafe"].id,
            "partner_id": net.partners["cafe"].id,
            "project_id": project.id,
            "membership_id": request.id,
            "participant_id": person.id,
            "story_id": story.id,
            "score_id": score.id,
            "assignment_id": assignment.id,
            "user_id": spare.id,
            "member_id": net.members[0].id,
            "year": date.today().year,
            "connection_id": connection.id,
            "source_id": source.id,
        },
    )


def _path(route: str, net: Network) -> str:
    ids = dict(net.ids)
    if route.endswith("/apply"):
        ids["round_id"] = ids["open_round_id"]
    if route.startswith("/collectives/involvement/members/"):
        ids["user_id"] = ids["member_id"]
    path = re.sub(r"\{(\w+):\w+\}", lambda m: str(ids.get(m.group(1), "admit" if m.group(1) == "choice" else 1)), route)
    return path


def _routes(app: Litestar) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        for method in getattr(route, "methods", set()):
            if method not in ("OPTIONS", "HEAD"):
                found.add((method, route.path))
    return found


def test_every_route_has_a_rule(app):
    unlisted = sorted(
        (method, path)
        for method, path in _routes(app)
        if (method, path) not in RULES and (method, path) not in PUBLIC and not path.startswith(PUBLIC_PREFIXES)
    )
    assert unlisted == [], "give these routes a rule in RULES (or list them as PUBLIC)"
    stale = sorted(key for key in RULES if key not in _routes(app))
    assert stale == [], "these rules name routes that no longer exist"


def _request(client, method: str, path: str):
    if path.startswith("/api/"):
        return api(client, method, path, json={})
    if method == "GET":
        return client.get(path, follow_redirects=False)
    return client.request(method, path, data={"_csrf_token": csrf_token(client)}, follow_redirects=False)


def _refused(response, role: str) -> bool:
    if role == "anonymous":
        sent_to_sign_in = response.status_code == 303 and response.headers.get("location", "").startswith("/login")
        return sent_to_sign_in or response.status_code in (401, 403)
    return response.status_code == 403


def test_each_role_on_each_private_route(app, db, engine):
    net = build(db)
    restore = snapshot(engine)  # putting the rows back is far quicker than building them again
    jars: dict[str, list] = {}  # each role's cookies: one client, one app lifespan
    checked, wrong = 0, []

    with TestClient(app=app, base_url="http://testserver.local") as client:

        def as_role(role: str) -> TestClient:
            client.cookies.clear()
            if role not in jars:
                if role != "anonymous":
                    login(client, net.emails[role])
                jars[role] = list(client.cookies.jar)
            for cookie in jars[role]:
                client.cookies.jar.set_cookie(cookie)
            return client

        for (method, route), allowed in sorted(RULES.items(), key=lambda item: item[0][0] == "POST"):
            changed = False
            for role in ROLES:
                response = _request(as_role(role), method, _path(route, net))
                checked += 1
                refused = _refused(response, role)
                if role in allowed and refused:
                    wrong.append(f"{method} {route} refused {role} ({response.status_code})")
                elif role not in allowed and not refused:
                    wrong.append(f"{method} {route} let {role} in ({response.status_code})")
                if method != "GET" and not refused and response.status_code < 400:
                    changed = True
                jars[role] = list(client.cookies.jar)  # keep a refreshed session or CSRF cookie
            if changed:  # the allowed role changed something: start again from the same network
                jars.clear()
                db.expire_all()
                if restore is not None:
                    restore()
                else:
                    _wipe(engine)
                    net = build(db)
    print(f"\n{checked} role x route checks on {len(RULES)} private routes")
    assert not wrong, "\n".join(wrong)


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    caplog.set_level("WARNING")
