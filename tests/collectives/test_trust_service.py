"""Decisions members can check and partners can trust, through the services (issue 14)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlmodel import func, select

from collectives.applications.models import ApplicationStatus
from collectives.decisions import service as decisions
from collectives.decisions.allocation import Candidate, run_greedy, run_mes
from collectives.decisions.models import Decision
from collectives.funds.models import LedgerEntry
from collectives.membership import service as membership
from collectives.membership.forms import ConflictInput, JoinInput
from collectives.membership.models import Constituency, MembershipStatus
from collectives.rounds import service as rounds
from collectives.rounds.models import Phase, Rule, TieRule
from collectives.voting import service as voting
from collectives.voting.models import Ballot
from creative_minds.accounts.models import Role
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.timeutil import utcnow
from tests.collectives.conftest import pb_notes_case
from tests.utils import make_user

RECEIPT = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")


def confirm(network, rule: Rule = Rule.MES):
    decision = decisions.confirm_decision(network.db, network.round.id, rule, by=network.coordinator, confirmed=True)
    network.db.commit()
    return decision


class TestReceipts:
    def test_saving_a_ballot_gives_a_receipt_that_stays_while_the_ballot_changes(self, network, db):
        network.apply("walks", 300_000)
        network.apply("cafe", 400_000)
        network.to_voting()
        member, other = network.add_member(), network.add_member()
        first = voting.cast_ballot(db, network.round, [network.applications["walks"].id], by=member)
        db.commit()
        assert RECEIPT.match(first.receipt), first.receipt
        again = voting.cast_ballot(db, network.round, [network.applications["cafe"].id], by=member)
        assert again.receipt == first.receipt
        theirs = voting.cast_ballot(db, network.round, [network.applications["cafe"].id], by=other)
        assert theirs.receipt != first.receipt

    def test_sealed_record_lists_every_counted_receipt_and_nothing_that_links_them_to_people(self, network, db):
        pb_notes_case(network)
        leaver = network.members[-1]
        leaving = membership.membership_of(db, leaver, network.round.locality_id)
        leaving.status = MembershipStatus.LEFT.value  # left before the count: their ballot does not count
        db.commit()
        network.advance()
        record = json.loads(confirm(network).record_json)
        ballots = {b.voter_id: b.receipt for b in db.exec(select(Ballot))}
        assert record["receipts"] == sorted(r for v, r in ballots.items() if v != leaver.id)
        assert ballots[leaver.id] not in record["receipts"]
        assert len(record["receipts"]) == len(record["ballots"]) == 6
        # Never who: no voter id anywhere, and no name outside the lists of admissions and declared conflicts.
        assert "voter_id" not in json.dumps(record)
        counted = json.dumps({k: v for k, v in record.items() if k not in ("admitted_during_voting", "conflicts")})
        for person in network.members:
            assert person.full_name not in counted

    def test_results_before_the_decision_count_the_same_receipts(self, network, db):
        pb_notes_case(network)
        network.advance()
        results = decisions.compute_results(db, network.round)
        assert results.receipts == sorted(b.receipt for b in db.exec(select(Ballot)))


class TestTieRules:
    def test_lots_are_drawn_when_voting_opens_and_not_before(self, network, db):
        for name in ("walks", "cafe", "arts"):
            network.apply(name, 300_000)
        network.advance()
        network.all_eligible()
        assert all(a.lot is None for a in network.applications.values())
        assert network.round.lots_drawn_at is None
        network.advance()  # voting opens
        for application in network.applications.values():
            db.refresh(application)
        assert sorted(a.lot for a in network.applications.values()) == [1, 2, 3]
        assert network.round.lots_drawn_at is not None
        published = rounds.published_tie_order(db, network.round)
        assert [a.lot for a in published] == [1, 2, 3]

    def test_the_tie_rule_is_chosen_before_voting_and_fixed_after(self, network, db):
        network.apply("walks", 300_000)
        rounds.set_tie_rule(db, network.round, TieRule.EARLIER, by=network.coordinator)
        with pytest.raises(Forbidden):
            rounds.set_tie_rule(db, network.round, TieRule.LOT, by=network.add_member())
        network.to_voting()
        assert network.round.tie_rule == TieRule.EARLIER
        assert network.round.lots_drawn_at is None  # no lots are needed
        with pytest.raises(Conflict, match="fixed for this round"):
            rounds.set_tie_rule(db, network.round, TieRule.LOT, by=network.coordinator)

    def test_earlier_application_wins_a_full_tie(self, network, db):
        # Same cost, same approvals, room for one: the application sent first is funded, by either rule.
        network.round.budget_pence = 300_000
        rounds.set_tie_rule(db, network.round, TieRule.EARLIER, by=network.coordinator)
        db.commit()
        first = network.apply("first sent", 300_000)
        network.apply("second sent", 300_000)
        first.submitted_at = utcnow() - timedelta(days=2)
        db.commit()
        network.to_voting()
        for _ in range(3):
            network.vote(network.add_member(), "first sent", "second sent")
        network.advance()
        results = decisions.compute_results(db, network.round)
        for rule in ("greedy", "mes_pure", "mes"):
            assert results.outcomes[rule].selected == [first.id], rule

    def test_the_published_lot_settles_a_full_tie(self, network, db):
        network.round.budget_pence = 300_000
        db.commit()
        a, b = network.apply("tie a", 300_000), network.apply("tie b", 300_000)
        network.to_voting()
        for _ in range(3):
            network.vote(network.add_member(), "tie a", "tie b")
        network.advance()
        db.refresh(a)
        db.refresh(b)
        first_lot = a if a.lot == 1 else b
        results = decisions.compute_results(db, network.round)
        assert results.outcomes["greedy"].selected == [first_lot.id]
        assert results.outcomes["mes"].selected == [first_lot.id]

    @pytest.mark.parametrize("tie_rule", [TieRule.LOT, TieRule.EARLIER])
    def test_rerunning_a_sealed_decision_from_its_published_inputs_gives_the_same_outcome(self, network, db, tie_rule):
        rounds.set_tie_rule(db, network.round, tie_rule, by=network.coordinator)
        db.commit()
        pb_notes_case(network)  # walks and allotment tie (same cost, same approvals): the last step decides
        network.advance()
        published = [a.id for a in rounds.published_tie_order(db, network.round)]  # as the round page shows it
        decision = confirm(network, Rule.MES)
        record = json.loads(decision.record_json)
        assert decisions.verify_seal(decision)
        assert record["tie_rule"] == tie_rule.value
        candidates = [Candidate(c["id"], c["title"], c["cost_pence"]) for c in record["candidates"]]
        ballots = [frozenset(b) for b in record["ballots"]]
        lots = {cid: place for place, cid in enumerate(published)}  # only the published order, not the sealed lots
        budget = record["round"]["budget_pence"]
        funded = {line.application_id for line in decision.lines if line.outcome == "funded"}
        assert set(run_mes(candidates, ballots, budget, lots).selected) == funded == set(record["outcome"]["selected"])
        assert set(run_greedy(candidates, ballots, budget, lots).selected) == set(record["other_rules"]["greedy"])
        pure = run_mes(candidates, ballots, budget, lots, complete=False).selected
        assert sorted(pure) == record["other_rules"]["mes_pure"]
        # Pure Equal Shares funds one of the tied pair: the one earlier in the published order.
        walks, allotment = network.applications["walks"].id, network.applications["allotment"].id
        assert set(pure) & {walks, allotment} == {min((walks, allotment), key=published.index)}
        # And the results page, worked out again from the sealed inputs, agrees.
        again = decisions.compute_results(db, network.round)
        assert again.sealed and set(again.outcomes["mes"].selected) == funded


class TestIrreversibleSteps:
    def test_closing_voting_needs_confirmation(self, network, db):
        network.apply("walks", 300_000)
        network.to_voting()
        for _ in range(3):
            network.vote(network.add_member(), "walks")
        with pytest.raises(Invalid) as refused:
            rounds.advance_phase(db, network.round, by=network.coordinator)
        assert "confirm" in refused.value.errors
        assert network.round.phase == Phase.VOTING
        rounds.advance_phase(db, network.round, by=network.coordinator, confirmed=True)
        assert network.round.phase == Phase.DECIDED

    def test_steps_that_can_be_undone_need_no_box(self, network, db):
        network.apply("walks", 300_000)
        rounds.advance_phase(db, network.round, by=network.coordinator)  # closing applications
        assert network.round.phase == Phase.ELIGIBILITY

    def test_confirming_needs_confirmation_and_saves_nothing_without_it(self, network, db):
        pb_notes_case(network)
        network.advance()
        with pytest.raises(Invalid, match="cannot be undone"):
            decisions.confirm_decision(db, network.round.id, Rule.MES, by=network.coordinator)
        db.rollback()
        assert db.exec(select(func.count()).select_from(Decision)).one() == 0
        assert db.exec(select(func.count()).select_from(LedgerEntry)).one() == 0

    def test_confirming_the_decision_closes_the_round(self, network, db):
        pb_notes_case(network)
        network.advance()
        confirm(network)
        db.refresh(network.round)
        assert network.round.phase == Phase.CLOSED
        last = rounds.phase_history(db, network.round.id)[-1]
        assert (last.from_phase, last.to_phase, last.by_id) == ("decided", "closed", network.coordinator.id)
        assert rounds.blockers(db, network.round) == ["The round is closed."]

    def test_closing_a_decided_round_needs_confirmation(self, network, db):
        pb_notes_case(network)
        network.advance()
        confirm(network)
        network.round.phase = Phase.DECIDED.value  # as rounds confirmed before this change were left
        db.commit()
        with pytest.raises(Invalid):
            rounds.advance_phase(db, network.round, by=network.coordinator)
        rounds.advance_phase(db, network.round, by=network.coordinator, confirmed=True)
        assert network.round.phase == Phase.CLOSED


class TestMembershipDuringAVote:
    def request(self, network, db, role=Role.CHAMPION, name="Nia Newcomer"):
        extra = {"locality_id": network.round.locality_id} if role == Role.COLLECTIVE_MEMBER else {}
        user = make_user(db, role, full_name=name, **extra)
        return user, membership.request_to_join(
            db, user, JoinInput(locality_id=network.round.locality_id, constituency=Constituency.CARER)
        )

    def test_only_a_coordinator_admits_while_voting_is_open(self, network, db):
        network.apply("walks", 300_000)
        member = network.add_member()
        network.to_voting()
        _, asked = self.request(network, db)
        with pytest.raises(Forbidden, match="Voting is open in Kirklees spring round, so only a coordinator"):
            membership.decide_membership(db, asked.id, admit=True, by=member)
        assert not membership.can_admit(db, member, network.round.locality_id)
        membership.decide_membership(db, asked.id, admit=True, by=network.coordinator)
        assert asked.status == MembershipStatus.ADMITTED

    def test_members_may_still_decline_and_admit_again_once_voting_closes(self, network, db):
        network.apply("walks", 300_000)
        members = [network.add_member() for _ in range(3)]
        network.to_voting()
        _, declined = self.request(network, db, name="Dee Declined")
        membership.decide_membership(db, declined.id, admit=False, by=members[0])
        for m in members:
            network.vote(m, "walks")
        network.advance()  # voting closed
        _, later = self.request(network, db, name="Lou Later")
        membership.decide_membership(db, later.id, admit=True, by=members[0])
        assert later.status == MembershipStatus.ADMITTED

    def test_the_decision_record_lists_who_was_admitted_after_voting_opened(self, network, db):
        network.apply("walks", 300_000)
        before = network.add_member(full_name="Bea Before")
        network.to_voting()
        user, asked = self.request(network, db, name="Dana During")
        membership.decide_membership(db, asked.id, admit=True, by=network.coordinator)
        db.commit()
        for m in (before, user, network.add_member(full_name="Cy Coordinator-made")):
            network.vote(m, "walks")
        network.advance()
        record = json.loads(confirm(network).record_json)
        listed = {a["name"]: a["admitted_by"] for a in record["admitted_during_voting"]}
        assert listed == {"Dana During": network.coordinator.full_name, "Cy Coordinator-made": None}
        assert "Bea Before" not in listed

    def test_a_waiting_requester_is_told_their_request_is_waiting(self, network, db):
        network.apply("walks", 300_000)
        network.to_voting()
        user, _ = self.request(network, db, role=Role.COLLECTIVE_MEMBER)
        message = membership.not_admitted_message(db, user, network.round.locality_id, doing="vote in its rounds")
        assert message.startswith("Your request to join the Kirklees collective (sent ")
        assert "is waiting for a coordinator or a member to decide" in message
        assert "another locality" not in message
        with pytest.raises(Forbidden, match="Your request to join the Kirklees collective"):
            network.vote(user, "walks")

    def test_a_member_of_another_locality_is_told_so(self, network, db):
        wakefield = network.round.locality_id + 1
        elsewhere = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=wakefield)
        membership.admit_directly(db, elsewhere, wakefield, Constituency.CARER)
        message = membership.not_admitted_message(db, elsewhere, network.round.locality_id, doing="vote")
        assert "you are a member of another locality's collective" in message


class TestWhoDecided:
    def test_make_up_in_words(self, network, db):
        assert membership.describe_make_up(membership.make_up(db, network.round.locality_id)) == "No members yet"
        network.add_member(Constituency.LIVED_EXPERIENCE)
        assert membership.describe_make_up(membership.make_up(db, network.round.locality_id)) == (
            "1 member: 1 person with lived experience"
        )
        for constituency in (Constituency.LIVED_EXPERIENCE, Constituency.CARER, Constituency.TRUST_STAFF):
            network.add_member(constituency)
        network.add_member(Constituency.COMMUNITY_REP)
        network.add_member(Constituency.COMMUNITY_REP)
        assert membership.describe_make_up(membership.make_up(db, network.round.locality_id)) == (
            "6 members: 2 people with lived experience, 1 carer, 1 member of trust staff, 2 community representatives"
        )

    def test_quorum_rule_in_words(self, network):
        assert voting.quorum_rule(network.round) == (
            "At least 3 members must vote, including at least one person with lived experience."
        )
        network.round.quorum_min_voters, network.round.quorum_lived_experience = 1, False
        assert voting.quorum_rule(network.round) == "At least 1 member must vote."

    def test_the_sealed_record_says_who_made_up_the_collective_and_who_declared_conflicts(self, network, db):
        pb_notes_case(network)  # four members with lived experience, three carers
        trustee = network.members[0]
        membership.declare_conflict(db, trustee, ConflictInput(partner_id=network.partners["cafe"].id, note="Trustee"))
        db.commit()
        network.advance()
        record = json.loads(confirm(network).record_json)
        assert record["collective"]["make_up"] == {
            "lived_experience": 4,
            "carer": 3,
            "trust_staff": 0,
            "community_rep": 0,
        }
        assert record["collective"]["make_up_text"] == "7 members: 4 people with lived experience, 3 carers"
        assert record["collective"]["quorum_rule"].startswith("At least 3 members must vote")
        assert (record["collective"]["voters"], record["collective"]["lived_experience_voters"]) == (7, 4)
        assert [(c["member"], c["partner"], c["applications"]) for c in record["conflicts"]] == [
            (trustee.full_name, "cafe group", [network.applications["cafe"].id])
        ]
        assert record["conflicted_approvals_removed"] == {str(network.applications["cafe"].id): 1}


class TestBallotOrder:
    def test_each_member_has_their_own_stable_order(self, network, db):
        for n in range(8):
            network.apply(f"project {n}", 100_000 + n)
        network.to_voting()
        items = list(network.applications.values())
        by_id = sorted(items, key=lambda a: a.id)
        orders = {uid: voting.ballot_order(network.round.id, uid, items) for uid in range(1, 6)}
        for uid, order in orders.items():
            assert sorted(order, key=lambda a: a.id) == by_id  # the same applications
            assert voting.ballot_order(network.round.id, uid, list(reversed(items))) == order  # stable
        assert len({tuple(a.id for a in o) for o in orders.values()}) == 5  # five members, five orders
        assert any(order != by_id for order in orders.values())

    def test_withdrawing_one_keeps_the_others_in_the_same_order(self, network, db):
        for n in range(6):
            network.apply(f"project {n}", 100_000 + n)
        items = list(network.applications.values())
        full = voting.ballot_order(network.round.id, 42, items)
        gone = full[2]
        assert voting.ballot_order(network.round.id, 42, [a for a in items if a is not gone]) == [
            a for a in full if a is not gone
        ]


def test_only_eligible_applications_get_lots(network, db):
    network.apply("walks", 300_000)
    network.apply("cafe", 400_000)
    network.advance()
    applications_ = network.applications
    from collectives.applications import service as applications
    from collectives.applications.forms import EligibilityInput
    from collectives.applications.models import IneligibleReason

    applications.decide_eligibility(db, applications_["walks"], EligibilityInput(eligible=True), by=network.coordinator)
    applications.decide_eligibility(
        db,
        applications_["cafe"],
        EligibilityInput(eligible=False, reasons=[IneligibleReason.INSURANCE]),
        by=network.coordinator,
    )
    db.commit()
    network.advance()
    db.refresh(applications_["cafe"])
    assert applications_["cafe"].status == ApplicationStatus.INELIGIBLE and applications_["cafe"].lot is None
    assert applications_["walks"].lot == 1
