"""Decisions members can check and partners can trust, over HTTP (issue 14)."""

from __future__ import annotations

import hashlib
import html
import json
import re

import pytest
from sqlmodel import func, select

from collectives.decisions.allocation import Candidate, run_greedy, run_mes
from collectives.decisions.models import Decision
from collectives.membership import service as membership
from collectives.membership.forms import ConflictInput, JoinInput
from collectives.membership.models import Constituency, MembershipStatus
from collectives.rounds.models import Round
from collectives.voting.models import Ballot
from creative_minds.accounts.models import Role
from tests.collectives.conftest import pb_notes_case
from tests.utils import locality_id, login, make_user, post_form

RECEIPT = r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}"


def text(page: str) -> str:
    """The page's words without tags, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def section(page: str, start_id: str) -> str:
    """From the element with this id to the next h2."""
    after = page.split(f'id="{start_id}"', 1)[1]
    return after.split("<h2", 1)[0]


def card_titles(page: str) -> list[str]:
    return re.findall(r'<li class="card" id="application-\d+">\s*<h3>(.*?)</h3>', page)


def confirm_over_http(client, network, rule: str = "mes"):
    login(client, network.coordinator.email)
    response = post_form(client, f"/rounds/{network.round.id}/decision", {"rule": rule, "confirm": "yes"})
    assert response.status_code == 303, response.text
    client.cookies.clear()


def decided(network):
    pb_notes_case(network)
    network.advance()
    return network


class TestReceiptsOverHttp:
    def test_saving_shows_the_receipt_and_after_the_decision_the_member_finds_it(self, client, network, db):
        network.apply("walks", 300_000)
        network.apply("cafe", 400_000)
        network.to_voting()
        member = network.add_member()
        for _ in range(2):
            network.vote(network.add_member(), "cafe")
        login(client, member.email)
        saved = post_form(
            client, f"/rounds/{network.round.id}/ballot", {"approvals": [str(network.applications["walks"].id)]}
        )
        assert saved.status_code == 303
        page = client.get(f"/rounds/{network.round.id}").text
        receipt = re.search(rf"Your receipt is ({RECEIPT})\.", text(page)).group(1)  # in the message
        assert f'<strong class="receipt">{receipt}</strong>' in page  # and beside the ballot
        assert db.exec(select(Ballot.receipt).where(Ballot.voter_id == member.id)).one() == receipt

        network.advance()  # voting closes: the ballot section stays
        page = text(client.get(f"/rounds/{network.round.id}").text)
        assert f"Voting has closed and your ballot was counted. Your receipt is {receipt}" in page
        assert "You approved walks" in page

        client.cookies.clear()
        confirm_over_http(client, network)
        login(client, member.email)
        page = client.get(f"/rounds/{network.round.id}").text
        assert f"Your receipt {receipt} is listed in the sealed decision record" in text(page)
        assert f'href="/rounds/{network.round.id}/decision#receipt-{receipt}"' in page
        record_page = client.get(f"/rounds/{network.round.id}/decision").text
        receipts = section(record_page, "receipts")
        assert f'<li id="receipt-{receipt}"><code>{receipt}</code></li>' in receipts
        assert len(re.findall(rf'<li id="receipt-{RECEIPT}">', receipts)) == 3
        assert "3 ballots were counted" in text(receipts)
        assert member.full_name not in receipts

    def test_a_ballot_that_did_not_count_says_so(self, client, network, db):
        network.apply("walks", 300_000)
        network.to_voting()
        members = [network.add_member() for _ in range(4)]
        for m in members:
            network.vote(m, "walks")
        leaving = membership.membership_of(db, members[0], network.round.locality_id)
        leaving.status = MembershipStatus.LEFT.value
        db.commit()
        network.advance()
        confirm_over_http(client, network)
        login(client, members[0].email)
        assert client.get(f"/rounds/{network.round.id}").status_code == 403  # no longer a member
        leaving.status = MembershipStatus.ADMITTED.value  # admitted again later
        db.commit()
        page = text(client.get(f"/rounds/{network.round.id}").text)
        assert "was not counted in the sealed decision" in page and "your ballot was counted" not in page

    def test_the_sealed_record_downloads_exactly_as_sealed(self, client, network, db):
        decided(network)
        confirm_over_http(client, network)
        member = network.members[0]
        login(client, member.email)
        download = client.get(f"/rounds/{network.round.id}/decision.json")
        assert download.status_code == 200 and download.headers["content-type"].startswith("application/json")
        seal = db.exec(select(Decision.seal)).one()
        assert hashlib.sha256(download.content).hexdigest() == seal
        assert seal in client.get(f"/rounds/{network.round.id}/decision").text


class TestTiesInTheOpen:
    def test_a_round_can_be_created_to_break_ties_by_the_earlier_application(self, client, network, db):
        login(client, network.coordinator.email)
        share = next(s for s in network.fund.shares if s.amount_pence)
        form = {
            "share_id": str(share.id),
            "name": "Kirklees summer round",
            "budget": "500",
            "applications_close_on": "2030-01-01",
            "rule": "greedy",
            "tie_rule": "earlier",
            "quorum_min_voters": "3",
        }
        assert post_form(client, "/rounds/new", form).status_code == 303
        created = db.exec(select(Round).where(Round.name == "Kirklees summer round")).one()
        assert created.tie_rule == "earlier"
        page = text(client.get(f"/rounds/{created.id}").text)
        assert "If they still tie, the application sent earlier goes first." in page

    def test_the_coordinator_sets_the_tie_rule_before_voting_and_nobody_after(self, client, network, db):
        network.apply("walks", 300_000)
        member = network.add_member()
        login(client, member.email)
        assert post_form(client, f"/rounds/{network.round.id}/tie-rule", {"tie_rule": "earlier"}).status_code == 403
        client.cookies.clear()
        login(client, network.coordinator.email)
        page = text(client.get(f"/rounds/{network.round.id}").text)
        assert "The lots have not been drawn yet: that happens when voting opens." in page
        assert post_form(client, f"/rounds/{network.round.id}/tie-rule", {"tie_rule": "dice"}).status_code == 422
        assert post_form(client, f"/rounds/{network.round.id}/tie-rule", {"tie_rule": "earlier"}).status_code == 303
        db.refresh(network.round)
        assert network.round.tie_rule == "earlier"
        network.to_voting()
        response = post_form(client, f"/rounds/{network.round.id}/tie-rule", {"tie_rule": "lot"})
        assert response.status_code == 409 and "fixed for this round" in text(response.text)

    def test_lots_are_published_on_the_round_page_when_voting_opens(self, client, network, db):
        for name in ("walks", "cafe", "arts", "youth"):
            network.apply(name, 200_000)
        network.to_voting()
        member = network.add_member()
        login(client, member.email)
        page = client.get(f"/rounds/{network.round.id}").text
        published = re.findall(r"<li>(.*?)</li>", section(page, "ties").split('<ol class="tie-order">')[1])
        for application in network.applications.values():
            db.refresh(application)
        by_lot = sorted(network.applications.values(), key=lambda a: a.lot)
        assert published == [a.project.title for a in by_lot]
        assert "when voting opened, first to last" in text(section(page, "ties"))
        results = text(client.get(f"/rounds/{network.round.id}/results").text)
        assert (
            "How ties are settled: Lower cost first, then more approvals, then lots drawn in the open when voting "
            "opens." in results
        )

    def test_rerunning_the_sealed_decision_from_what_was_published_gives_its_outcome(self, client, network, db):
        decided(network)  # walks and allotment tie exactly: the published lots settle it
        member = network.members[0]
        login(client, member.email)
        round_page = client.get(f"/rounds/{network.round.id}").text
        published = re.findall(r"<li>(.*?)</li>", section(round_page, "ties").split('<ol class="tie-order">')[1])
        client.cookies.clear()
        confirm_over_http(client, network, rule="mes")
        login(client, member.email)
        record = json.loads(client.get(f"/rounds/{network.round.id}/decision.json").content)
        ids = {c["title"]: c["id"] for c in record["candidates"]}
        lots = {ids[title]: place for place, title in enumerate(published)}
        candidates = [Candidate(c["id"], c["title"], c["cost_pence"]) for c in record["candidates"]]
        ballots = [frozenset(b) for b in record["ballots"]]
        budget = record["round"]["budget_pence"]
        decision_page = client.get(f"/rounds/{network.round.id}/decision").text
        funded_rows = re.findall(
            r'<th scope="row" role="rowheader">(.*?)</th>(?:(?!</tr>).)*?data-label="Outcome">Funded</td>',
            decision_page,
            re.S,
        )
        rerun = run_mes(candidates, ballots, budget, lots)
        assert sorted(c.title for c in candidates if c.id in rerun.selected) == sorted(funded_rows)
        assert sorted(funded_rows) == ["allotment", "walks", "youth"]
        greedy = run_greedy(candidates, ballots, budget, lots)
        assert sorted(greedy.selected) == record["other_rules"]["greedy"]


class TestBallotOrderOverHttp:
    def test_each_member_sees_their_own_order_every_time_with_a_note(self, client, network, db):
        names = [f"project {n}" for n in range(8)]
        for name in names:
            network.apply(name, 100_000)
        network.to_voting()
        orders = []
        for _ in range(3):
            member = network.add_member()
            client.cookies.clear()
            login(client, member.email)
            first = client.get(f"/rounds/{network.round.id}").text
            assert "listed in a random order made for you, different for each member" in text(first)
            again = client.get(f"/rounds/{network.round.id}").text
            assert card_titles(first) == card_titles(again)
            assert sorted(card_titles(first)) == sorted(names)
            orders.append(tuple(card_titles(first)))
        assert len(set(orders)) == 3
        client.cookies.clear()
        login(client, network.coordinator.email)
        coordinator_page = client.get(f"/rounds/{network.round.id}").text
        assert card_titles(coordinator_page) == names  # in the order they were sent
        assert "random order" not in coordinator_page


class TestResultsPeopleUnderstand:
    def test_rows_by_outcome_then_approvals_and_the_reasons_to_the_penny(self, client, network, db):
        decided(network)
        login(client, network.coordinator.email)
        page = client.get(f"/rounds/{network.round.id}/results").text
        rows = re.findall(r'<th scope="row" role="rowheader">(.*?)</th>', page)
        # Funded under Equal Shares, then most approvals: allotment, walks (4 approvals each), youth (3);
        # then the rest: cafe (4 approvals), arts (3).
        assert rows[:5] == ["allotment", "walks", "youth", "cafe", "arts"]
        words = text(page)
        assert "£2,714.29 left of their equal shares" in words  # 4 x (£10,000/7 - £750), halves up
        assert "before the decision is confirmed" in words
        differ = text(section(page, "differences"))
        assert "Equal Shares funded youth" in differ and "Most approvals first funded cafe" in differ
        completion = text(section(page, "completion"))
        assert "Everyone's share was raised to £1,500.57 so more of the budget could be used" in completion
        confirm_over_http(client, network)
        login(client, network.coordinator.email)
        after = text(client.get(f"/rounds/{network.round.id}/results").text)
        assert "before the decision is confirmed" not in after and "The decision is confirmed" in after

    def test_one_approval_is_written_in_the_singular(self, client, network, db):
        network.round.budget_pence = 300_000
        network.round.quorum_min_voters = 1
        db.commit()
        network.apply("walks", 300_000)
        network.apply("cafe", 300_000)
        network.to_voting()
        network.vote(network.add_member(), "walks", "cafe")
        network.vote(network.add_member(), "walks")
        network.advance()
        login(client, network.coordinator.email)
        page = text(client.get(f"/rounds/{network.round.id}/results").text)
        assert "(1 approval)" in page and "1 approvals" not in page


class TestIrreversibleStepsAskFirst:
    def ready_to_close(self, network):
        network.apply("walks", 300_000)
        network.to_voting()
        for _ in range(3):
            network.vote(network.add_member(), "walks")

    def test_close_voting_needs_the_box_ticked(self, client, network, db):
        self.ready_to_close(network)
        login(client, network.coordinator.email)
        page = client.get(f"/rounds/{network.round.id}").text
        advance = page.split('id="advance"', 1)[1].split("</form>", 1)[0]
        assert 'type="checkbox" name="confirm" value="yes" id="confirm" required' in advance
        refused = post_form(client, f"/rounds/{network.round.id}/advance", {"expected": "voting"})
        assert refused.status_code == 422
        assert "Tick the box to confirm that you understand this cannot be undone." in text(refused.text)
        db.refresh(network.round)
        assert network.round.phase == "voting"
        done = post_form(client, f"/rounds/{network.round.id}/advance", {"expected": "voting", "confirm": "yes"})
        assert done.status_code == 303
        db.refresh(network.round)
        assert network.round.phase == "decided"

    def test_closing_applications_needs_no_box(self, client, network, db):
        network.apply("walks", 300_000)
        login(client, network.coordinator.email)
        page = client.get(f"/rounds/{network.round.id}").text
        assert 'name="confirm"' not in page.split('id="advance"', 1)[1].split("</form>", 1)[0]
        assert post_form(client, f"/rounds/{network.round.id}/advance", {"expected": "open"}).status_code == 303

    def test_confirming_the_decision_needs_the_box_and_then_closes_the_round(self, client, network, db):
        decided(network)
        login(client, network.coordinator.email)
        refused = post_form(client, f"/rounds/{network.round.id}/decision", {"rule": "greedy"})
        assert refused.status_code == 422
        assert 'id="rule-greedy" checked' in refused.text  # the choice is kept
        assert "Tick the box to confirm" in text(refused.text)
        assert db.exec(select(func.count()).select_from(Decision)).one() == 0
        done = post_form(client, f"/rounds/{network.round.id}/decision", {"rule": "greedy", "confirm": "yes"})
        assert done.status_code == 303
        db.refresh(network.round)
        assert network.round.phase == "closed"
        page = client.get(f"/rounds/{network.round.id}").text
        assert "<strong>Closed (now)</strong>" in page and "Close the round" not in page


class TestMembershipDuringAVoteOverHttp:
    def asker(self, network, db, role=Role.CHAMPION):
        extra = {"locality_id": network.round.locality_id} if role == Role.COLLECTIVE_MEMBER else {}
        user = make_user(db, role, full_name="Nia Newcomer", **extra)
        asked = membership.request_to_join(
            db, user, JoinInput(locality_id=network.round.locality_id, constituency=Constituency.CARER)
        )
        db.commit()
        return user, asked

    def test_members_cannot_admit_while_voting_is_open_and_coordinators_can(self, client, network, db):
        network.apply("walks", 300_000)
        member = network.add_member()
        network.to_voting()
        _, asked = self.asker(network, db)
        login(client, member.email)
        home = client.get("/collectives").text
        assert "Nia Newcomer" in home and "Admit Nia Newcomer" not in home
        assert "until it closes only a coordinator can admit new members" in text(home)
        refused = post_form(client, f"/collectives/memberships/{asked.id}/admit", {})
        assert refused.status_code == 403 and "only a coordinator can admit" in text(refused.text)
        client.cookies.clear()
        login(client, network.coordinator.email)
        assert post_form(client, f"/collectives/memberships/{asked.id}/admit", {}).status_code == 303
        db.refresh(asked)
        assert asked.status == "admitted"

    def test_the_decision_record_lists_who_was_admitted_during_voting(self, client, network, db):
        network.apply("walks", 300_000)
        network.to_voting()
        user, asked = self.asker(network, db)
        membership.decide_membership(db, asked.id, admit=True, by=network.coordinator)
        db.commit()
        for voter in (user, network.add_member(), network.add_member()):
            network.vote(voter, "walks")
        network.advance()
        confirm_over_http(client, network)
        login(client, user.email)
        admitted = text(section(client.get(f"/rounds/{network.round.id}/decision").text, "admitted"))
        assert "Nia Newcomer, admitted " in admitted and f"by {network.coordinator.full_name}" in admitted

    def test_a_waiting_requester_is_told_the_request_is_waiting(self, client, network, db):
        network.apply("walks", 300_000)
        champion, _ = self.asker(network, db)
        login(client, champion.email)
        refused = client.get(f"/rounds/{network.round.id}")
        assert refused.status_code == 403
        words = text(refused.text)
        assert "Your request to join the Kirklees collective" in words and "is waiting" in words
        assert "another locality" not in words

    def test_a_member_account_still_waiting_is_told_so_and_cannot_vote(self, client, network, db):
        network.apply("walks", 300_000)
        network.to_voting()
        user, _ = self.asker(network, db, role=Role.COLLECTIVE_MEMBER)
        login(client, user.email)
        page = client.get(f"/rounds/{network.round.id}")
        assert page.status_code == 403  # a requester sees only their own request (access.py)
        assert "Your request to join the Kirklees collective (sent " in text(page.text)
        assert "is waiting for a coordinator or a member to decide" in text(page.text)
        refused = post_form(
            client, f"/rounds/{network.round.id}/ballot", {"approvals": [str(network.applications["walks"].id)]}
        )
        assert refused.status_code == 403 and "Your request to join the Kirklees collective" in text(refused.text)
        home = text(client.get("/collectives").text)
        assert "Your request is waiting for a coordinator or a member to decide" in home

    def test_someone_from_another_locality_is_told_so(self, client, network, db):
        wakefield = locality_id(db, "wakefield")
        outsider = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=wakefield)
        membership.admit_directly(db, outsider, wakefield, Constituency.CARER)
        db.commit()
        login(client, outsider.email)
        refused = client.get(f"/rounds/{network.round.id}")
        assert refused.status_code == 403 and "another locality" in text(refused.text)


class TestWhoDecidedOverHttp:
    def test_make_up_beside_the_quorum_on_the_collective_and_round_pages(self, client, network, db):
        decided(network)  # 4 with lived experience, 3 carers
        login(client, network.members[0].email)
        home = text(client.get("/collectives").text)
        assert "The Kirklees collective: 7 members: 4 people with lived experience, 3 carers." in home
        assert "At least 3 members must vote, including at least one person with lived experience." in home
        round_page = text(section(client.get(f"/rounds/{network.round.id}").text, "who-decides"))
        assert "7 members: 4 people with lived experience, 3 carers" in round_page
        assert "At least 3 members must vote, including at least one person with lived experience." in round_page
        client.cookies.clear()
        login(client, network.coordinator.email)
        page = client.get("/collectives").text
        kirklees = re.search(r"<th scope=\"row\">Kirklees</th>(.*?)</tr>", page, re.S).group(1)
        assert re.findall(r'<td class="num">(\d+)</td>', kirklees) == ["4", "3", "0", "0", "7"]

    def test_the_decision_record_shows_make_up_and_declared_conflicts(self, client, network, db):
        pb_notes_case(network)
        trustee = network.members[4]  # a carer who approved arts and youth
        membership.declare_conflict(db, trustee, ConflictInput(partner_id=network.partners["youth"].id))
        db.commit()
        network.advance()
        confirm_over_http(client, network)
        login(client, network.members[0].email)
        page = client.get(f"/rounds/{network.round.id}/decision").text
        words = text(page)
        assert "Who made up the collective 7 members: 4 people with lived experience, 3 carers" in words
        assert "At least 3 members must vote, including at least one person with lived experience." in words
        conflicts = text(section(page, "conflicts"))
        assert f"{trustee.full_name} declared a conflict of interest with youth group (application: youth)" in conflicts
        youth_row = re.search(r'rowheader">youth</th>(.*?)</tr>', page, re.S).group(1)
        assert 'data-label="Approvals removed (conflict of interest)">1</td>' in youth_row
        assert 'data-label="Approvals">2</td>' in youth_row


@pytest.mark.parametrize("path", ["/decision", "/decision.json", "/decision.csv"])
def test_a_round_without_a_decision_has_no_record(client, network, db, path):
    login(client, network.coordinator.email)
    assert client.get(f"/rounds/{network.round.id}{path}").status_code == 404
