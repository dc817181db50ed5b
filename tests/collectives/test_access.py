"""Who sees what of a collective (issue: nobody sees what is not theirs)."""

from __future__ import annotations

import re

import pytest

from collectives.membership import service as membership
from collectives.membership.forms import JoinInput
from collectives.membership.models import Constituency
from collectives.rounds.models import Rule
from creative_minds.accounts.models import Role
from tests.collectives.conftest import pb_notes_case
from tests.utils import locality_id, login, make_partner, make_user, post_form

DELIBERATION = ["", "/results", "/turnout", "/decision", "/decision.csv", "/decision.json"]


def _decided(network):
    from collectives.decisions import service as decisions

    pb_notes_case(network)
    network.advance()
    decisions.confirm_decision(network.db, network.round.id, Rule.MES, by=network.coordinator, confirmed=True)
    network.db.commit()


def _requester(network, db, *, declined=False):
    person = make_user(db, Role.COLLECTIVE_MEMBER, full_name="Riley Requester", locality_id=network.round.locality_id)
    request = membership.request_to_join(
        db,
        person,
        JoinInput(locality_id=network.round.locality_id, constituency=Constituency.CARER, reason="I care for my son."),
    )
    if declined:
        membership.decide_membership(db, request.id, admit=False, by=network.coordinator)
    db.commit()
    return person


class TestRequesters:
    @pytest.mark.parametrize("declined", [False, True])
    def test_a_requester_sees_only_their_own_request(self, client, network, db, declined):
        _decided(network)
        member = network.members[0]
        person = _requester(network, db, declined=declined)
        login(client, person.email)
        home = client.get("/collectives")
        assert home.status_code == 200
        assert member.full_name not in home.text
        assert "Person with lived experience" not in home.text
        assert network.round.name not in home.text
        assert ("not accepted" in home.text) if declined else ("You asked to join" in home.text)
        for suffix in DELIBERATION:
            assert client.get(f"/rounds/{network.round.id}{suffix}").status_code == 403, suffix

    def test_a_member_of_another_locality_sees_nothing_of_this_round(self, client, network, db):
        _decided(network)
        other = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=locality_id(db, "wakefield"))
        membership.admit_directly(db, other, locality_id(db, "wakefield"), Constituency.CARER)
        db.commit()
        login(client, other.email)
        for suffix in DELIBERATION:
            assert client.get(f"/rounds/{network.round.id}{suffix}").status_code == 403, suffix
        assert network.members[0].full_name not in client.get("/collectives").text


class TestMemberList:
    def test_members_see_names_and_only_the_constituencies_shared_with_them(self, client, network, db):
        sharer = network.add_member(Constituency.LIVED_EXPERIENCE, full_name="Sam Sharer")
        private = network.add_member(Constituency.LIVED_EXPERIENCE, full_name="Pat Private")
        viewer = network.add_member(Constituency.CARER, full_name="Vic Viewer")
        login(client, sharer.email)
        assert post_form(client, "/collectives/membership/constituency", {"show": "yes"}).status_code == 303
        client.cookies.clear()
        login(client, viewer.email)
        items = re.findall(r"<li>([^<]*(?:Sharer|Private|Viewer)[^<]*)</li>", client.get("/collectives").text)
        assert "Sam Sharer – Person with lived experience" in items
        assert "Pat Private" in items  # name only: Pat has not chosen to share it
        assert "Vic Viewer – Carer" in items  # your own is always shown to you
        assert private.full_name


class TestPartners:
    def test_an_unapproved_partner_sees_no_round(self, client, network, db):
        partner = make_partner(db, network.coordinator, name="Brand New Group")
        partner.status = "awaiting_approval"
        db.add(partner)
        db.commit()
        user = make_user(db, Role.PARTNER, partner_id=partner.id)
        login(client, user.email)
        assert client.get(f"/rounds/{network.round.id}").status_code == 403
        assert client.get(f"/rounds/{network.round.id}/apply").status_code == 403
        assert network.round.name not in client.get("/collectives").text

    def test_a_partner_in_the_locality_sees_the_open_round_but_never_its_deliberations(self, client, network, db):
        partner = make_partner(db, network.coordinator, name="Local Group")
        user = make_user(db, Role.PARTNER, partner_id=partner.id)
        login(client, user.email)
        assert network.round.name in client.get("/collectives").text
        assert client.get(f"/rounds/{network.round.id}").status_code == 200
        for suffix in DELIBERATION[1:3]:
            assert client.get(f"/rounds/{network.round.id}{suffix}").status_code == 403

    def test_a_partner_elsewhere_sees_nothing(self, client, network, db):
        partner = make_partner(db, network.coordinator, name="Far Group", locality_ids=[locality_id(db, "barnsley")])
        user = make_user(db, Role.PARTNER, partner_id=partner.id)
        login(client, user.email)
        assert client.get(f"/rounds/{network.round.id}").status_code == 403
        assert client.get(f"/rounds/{network.round.id}/apply").status_code == 403

    def test_applicants_see_only_their_own_applications_then_the_published_outcome(self, client, network, db):
        _decided(network)
        owner = network.owners["cafe"]
        login(client, owner.email)
        page = client.get(f"/rounds/{network.round.id}")
        assert page.status_code == 200
        assert "cafe" in page.text and "walks" not in page.text  # another group's application
        for suffix in DELIBERATION[1:]:
            assert client.get(f"/rounds/{network.round.id}{suffix}").status_code == 403, suffix
        assert client.get(f"/rounds/{network.round.id}/outcomes").status_code == 403  # not published yet
        mine = client.get("/applications").text  # nor on the group's own applications page
        assert "Decided: the collective will publish the outcome" in mine
        assert "Not funded" not in mine and "approval" not in mine.lower()
        assert "Decided: the collective will publish the outcome" in page.text  # the round page says the same
        assert "Not funded" not in page.text
        api = client.get(f"/api/rounds/{network.round.id}/applications").json()
        assert [a["status"] for a in api] == ["decided"]  # and the JSON API
        client.cookies.clear()
        login(client, network.coordinator.email)
        assert post_form(client, f"/rounds/{network.round.id}/publish", {}).status_code == 303
        client.cookies.clear()
        login(client, owner.email)
        outcomes = client.get(f"/rounds/{network.round.id}/outcomes")
        assert outcomes.status_code == 200
        rows = re.findall(r"<tr><td>(\w+)</td><td>[^<]*</td><td>([^<]+)</td>", outcomes.text)
        # PB-NOTES: Equal Shares with completion funds allotment, walks and youth (£8,500).
        assert dict(rows) == {
            "allotment": "Funded",
            "walks": "Funded",
            "youth": "Funded",
            "cafe": "Not funded",
            "arts": "Not funded",
        }
        assert network.members[0].full_name not in outcomes.text
        assert "approval" not in outcomes.text.lower()
        mine = client.get("/applications").text
        assert "Not funded" in mine and "will publish the outcome" not in mine
        assert [a["status"] for a in client.get(f"/api/rounds/{network.round.id}/applications").json()] == [
            "not_funded"
        ]
