"""Rounds, eligibility, voting, quorum, conflicts and decisions, through the services."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from collectives.applications import service as applications
from collectives.applications.forms import ApplicationInput, EligibilityInput
from collectives.applications.models import ApplicationStatus, IneligibleReason
from collectives.decisions import service as decisions
from collectives.funds import ledger
from collectives.membership import service as membership
from collectives.membership.forms import ConflictInput, JoinInput
from collectives.membership.models import Constituency, MembershipStatus
from collectives.rounds import service as rounds
from collectives.rounds.models import Phase, Rule
from collectives.voting import service as voting
from collectives.voting.models import Ballot
from creative_minds.accounts.models import Role
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from tests.collectives.conftest import pb_notes_case
from tests.utils import make_user


class TestPhases:
    def test_phases_move_in_order_and_are_logged(self, network):
        network.apply("walks", 300_000)
        network.advance()
        assert network.round.phase == Phase.ELIGIBILITY
        history = rounds.phase_history(network.db, network.round.id)
        assert [(h.from_phase, h.to_phase) for h in history] == [(None, "open"), ("open", "eligibility")]
        assert history[-1].by_id == network.coordinator.id and history[-1].at is not None

    def test_cannot_vote_on_nothing_or_skip_eligibility(self, network):
        network.apply("walks", 300_000)
        network.advance()
        with pytest.raises(Conflict, match="still need an eligibility decision"):
            rounds.advance_phase(network.db, network.round, by=network.coordinator, confirmed=True)

    def test_a_stale_page_cannot_move_the_round_twice(self, network):
        network.apply("walks", 300_000)
        network.advance()
        with pytest.raises(Conflict, match="already at"):
            rounds.advance_phase(network.db, network.round, by=network.coordinator, expected=Phase.OPEN)

    def test_only_coordinators_move_phases(self, network):
        network.apply("walks", 300_000)
        with pytest.raises(Forbidden):
            rounds.advance_phase(network.db, network.round, by=network.add_member())


class TestApplications:
    def test_applying_submits_the_project(self, network):
        application = network.apply("walks", 300_000)
        assert application.status == ApplicationStatus.SUBMITTED
        assert network.projects["walks"].status == "submitted"

    def test_cannot_apply_twice_or_after_the_round_closes(self, network):
        network.apply("walks", 300_000)
        data = ApplicationInput(
            project_id=network.projects["walks"].id,
            amount_pence=1000,
            match_pence=0,
            local_need="A second go at the same thing for this area.",
        )
        with pytest.raises(Invalid, match="Already applied"):
            applications.apply(network.db, network.round, data, by=network.owners["walks"])
        network.advance()
        with pytest.raises(Conflict, match="not open for applications"):
            applications.apply(network.db, network.round, data, by=network.owners["walks"])

    def test_partner_cannot_apply_with_someone_elses_project(self, network):
        network.apply("walks", 300_000)
        network.apply("cafe", 300_000)
        data = ApplicationInput(
            project_id=network.projects["walks"].id,
            amount_pence=1000,
            match_pence=0,
            local_need="Trying to apply with another group's project.",
        )
        with pytest.raises(Invalid):
            applications.apply(network.db, network.round, data, by=network.owners["cafe"])

    def test_eligibility_is_checked_against_the_partner_record(self, network, db):
        application = network.apply("walks", 300_000)
        partner = network.partners["walks"]
        partner.insurance_expires_on = None
        partner.agreement_status = "none"
        db.commit()
        network.advance()  # closing applications runs the check
        db.refresh(application)
        assert application.reason_codes == [IneligibleReason.NO_AGREEMENT, IneligibleReason.INSURANCE]
        applications.decide_eligibility(
            db, application, EligibilityInput(eligible=False, reasons=application.reason_codes), by=network.coordinator
        )
        assert application.status == ApplicationStatus.INELIGIBLE

    def test_ineligible_needs_a_reason(self):
        with pytest.raises(ValueError):
            EligibilityInput(eligible=False, reasons=[])


class TestVoting:
    def test_members_vote_and_change_their_ballot_until_voting_closes(self, network, db):
        network.apply("walks", 300_000)
        network.apply("cafe", 400_000)
        network.to_voting()
        member = network.add_member()
        network.vote(member, "walks")
        network.vote(member, "cafe", "walks")
        network.vote(member, "cafe")
        ballot = voting.my_ballot(db, network.round.id, member.id)
        assert ballot.approved_ids == {network.applications["cafe"].id}
        assert db.exec(select(func.count()).select_from(Ballot)).one() == 1

    def test_voting_outside_the_voting_phase_is_refused(self, network):
        network.apply("walks", 300_000)
        member = network.add_member()
        with pytest.raises(Conflict, match="not open in this round yet"):
            network.vote(member, "walks")

    def test_non_members_and_other_localities_cannot_vote(self, network, db):
        network.apply("walks", 300_000)
        network.to_voting()
        outsider = make_user(db, Role.CHAMPION)
        with pytest.raises(Forbidden):
            network.vote(outsider, "walks")
        wakefield_member = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=network.round.locality_id + 1)
        membership.admit_directly(db, wakefield_member, network.round.locality_id + 1, Constituency.CARER)
        with pytest.raises(Forbidden):
            network.vote(wakefield_member, "walks")

    def test_conflicted_member_cannot_approve_that_partner(self, network, db):
        network.apply("walks", 300_000)
        network.apply("cafe", 400_000)
        network.to_voting()
        member = network.add_member()
        membership.declare_conflict(
            db, member, ConflictInput(partner_id=network.partners["walks"].id, note="I chair it")
        )
        with pytest.raises(Invalid, match="conflict of interest"):
            network.vote(member, "walks", "cafe")
        network.vote(member, "cafe")

    def test_quorum_needs_turnout_and_lived_experience(self, network, db):
        network.apply("walks", 300_000)
        network.to_voting()
        carers = [network.add_member(Constituency.CARER) for _ in range(3)]
        for carer in carers:
            network.vote(carer, "walks")
        status = voting.quorum(db, network.round)
        assert not status.met and status.problems == ["Quorum not met: no member with lived experience has voted yet."]
        with pytest.raises(Conflict, match="lived experience"):
            rounds.advance_phase(db, network.round, by=network.coordinator, confirmed=True)
        network.vote(network.add_member(Constituency.LIVED_EXPERIENCE), "walks")
        assert voting.quorum(db, network.round).met
        network.advance()
        assert network.round.phase == Phase.DECIDED

    def test_turnout_below_minimum_blocks_the_decision(self, network, db):
        network.apply("walks", 300_000)
        network.to_voting()
        network.vote(network.add_member(), "walks")
        with pytest.raises(Conflict, match="1 of the 3 voters"):
            rounds.advance_phase(db, network.round, by=network.coordinator, confirmed=True)


class TestDecision:
    def test_pb_notes_case_both_rules_and_confirmation(self, network, db):
        pb_notes_case(network)
        network.advance()
        results = decisions.compute_results(db, network.round)
        names = {a.id: a.project.title for a in results.applications}
        chosen = {k: sorted(names[i] for i in o.selected) for k, o in results.outcomes.items()}
        assert chosen["greedy"] == ["allotment", "cafe", "walks"]
        # walks and allotment tie on cost and approvals: the round's lot picks one for pure MES.
        assert chosen["mes_pure"] in (["allotment", "youth"], ["walks", "youth"])
        assert chosen["mes"] == ["allotment", "walks", "youth"]
        decision = decisions.confirm_decision(db, network.round.id, Rule.MES, by=network.coordinator, confirmed=True)
        db.commit()
        assert decision.funded_pence == 850_000
        assert decisions.verify_seal(decision)
        statuses = {a.project.title: (a.status, a.project.status) for a in results.applications}
        assert statuses["youth"] == ("funded", "funded")
        assert statuses["cafe"] == ("not_funded", "declined")
        line = next(ln for ln in decision.lines if ln.application.project.title == "cafe")
        assert "less than its £4,000.00 cost" in line.explanation
        assert ledger.totals(db, round_id=network.round.id).committed_pence == 850_000

    def test_sealed_decision_reproduces_and_cannot_be_changed(self, network, db):
        pb_notes_case(network)
        network.advance()
        decision = decisions.confirm_decision(db, network.round.id, Rule.GREEDY, by=network.coordinator, confirmed=True)
        db.commit()
        record = json.loads(decision.record_json)
        assert sorted(decisions.reproduce(record)) == sorted(record["outcome"]["selected"])
        assert record["library"]["pabutools"] == "1.2.3"
        assert record["parameters"]["tie_break"] == ["lowest cost", "most approvals", "lot"]
        decision.funded_pence = 1
        with pytest.raises(decisions.ImmutableDecision):
            db.commit()
        db.rollback()
        with pytest.raises(Conflict, match="already confirmed"):
            decisions.confirm_decision(db, network.round.id, Rule.MES, by=network.coordinator, confirmed=True)

    def test_conflicted_approvals_cast_before_declaring_are_removed_and_recorded(self, network, db):
        pb_notes_case(network)
        member = network.members[0]
        membership.declare_conflict(db, member, ConflictInput(partner_id=network.partners["cafe"].id))
        db.commit()
        network.advance()
        decision = decisions.confirm_decision(db, network.round.id, Rule.GREEDY, by=network.coordinator, confirmed=True)
        cafe = next(ln for ln in decision.lines if ln.application.project.title == "cafe")
        assert (cafe.approvals, cafe.conflicted_approvals_removed) == (3, 1)

    def test_cannot_confirm_before_voting_closes(self, network, db):
        pb_notes_case(network)
        with pytest.raises(Conflict, match="after voting has closed"):
            decisions.confirm_decision(db, network.round.id, Rule.MES, by=network.coordinator, confirmed=True)

    def test_ineligible_and_withdrawn_applications_are_in_the_record(self, network, db):
        network.apply("walks", 300_000)
        network.apply("cafe", 400_000)
        network.apply("arts", 350_000)
        applications.withdraw(db, network.applications["arts"], by=network.owners["arts"])
        network.advance()
        applications.decide_eligibility(
            db, network.applications["walks"], EligibilityInput(eligible=True), by=network.coordinator
        )
        applications.decide_eligibility(
            db,
            network.applications["cafe"],
            EligibilityInput(eligible=False, reasons=[IneligibleReason.INSURANCE], note="expired in May"),
            by=network.coordinator,
        )
        db.commit()
        network.advance()
        for _ in range(3):
            network.vote(network.add_member(), "walks")
        network.advance()
        decision = decisions.confirm_decision(db, network.round.id, Rule.MES, by=network.coordinator, confirmed=True)
        outcomes = {ln.application.project.title: (ln.outcome, ln.explanation) for ln in decision.lines}
        assert outcomes["walks"][0] == "funded"
        assert outcomes["cafe"] == ("ineligible", "Not eligible: Insurance missing or expired (expired in May).")
        assert outcomes["arts"][0] == "withdrawn"
        assert "Position,Application,Project" in decisions.decision_csv(decision)


class TestMembership:
    def test_anyone_may_ask_and_a_member_admits(self, network, db):
        existing = network.add_member()
        newcomer = make_user(db, Role.CHAMPION)
        request = membership.request_to_join(
            db, newcomer, JoinInput(locality_id=network.round.locality_id, constituency=Constituency.CARER)
        )
        assert request.status == MembershipStatus.REQUESTED
        outsider = make_user(db, Role.REPORTER)
        with pytest.raises(Forbidden):
            membership.decide_membership(db, request.id, admit=True, by=outsider)
        membership.decide_membership(db, request.id, admit=True, by=existing)
        assert membership.is_admitted(db, newcomer, network.round.locality_id)
        assert newcomer.role == Role.COLLECTIVE_MEMBER


class TestBudgetsAreHeldWhenRoundsOpen:
    """A round's budget is held back from its locality's share from the moment it opens."""

    def _round(self, db, network, name, pounds):
        from collectives.rounds import service as rounds_service
        from collectives.rounds.forms import RoundInput

        return rounds_service.create_round(
            db,
            RoundInput(
                share_id=network.round.share_id,
                name=name,
                budget_pence=pounds * 100,
                applications_close_on=date.today() + timedelta(days=10),
            ),
            by=network.coordinator,
        )

    def test_a_second_round_cannot_take_what_the_first_holds(self, db):
        from tests.collectives.conftest import make_network

        network = make_network(db, share_pence=1_000_000, budget_pence=600_000)  # £10,000 share, £6,000 round
        with pytest.raises(Invalid) as caught:
            self._round(db, network, "Second round", 5_000)
        assert "Only £4,000 of this share is free" in caught.value.errors["budget_pence"]
        assert "£6,000 is held" in caught.value.errors["budget_pence"]
        assert self._round(db, network, "Second round", 4_000).budget_pence == 400_000

    def test_the_first_round_can_still_be_confirmed_after_a_second_opens(self, db):
        from tests.collectives.conftest import make_network, pb_notes_case

        network = make_network(db, share_pence=1_500_000, budget_pence=1_000_000)
        pb_notes_case(network)  # allocates £8,500 of its £10,000
        self._round(db, network, "Autumn round", 5_000)  # all that was free
        db.commit()
        network.advance()
        decision = decisions.confirm_decision(db, network.round.id, Rule.MES, by=network.coordinator, confirmed=True)
        assert decision.funded_pence == 850_000
        totals = ledger.share_totals(db, network.round.share)
        # £8,500 committed, £5,000 held for the autumn round: £1,500 of the £15,000 is free.
        assert (totals.committed_pence, totals.reserved_pence, totals.remaining_pence) == (850_000, 500_000, 150_000)
