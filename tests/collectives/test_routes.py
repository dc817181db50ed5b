"""Collective pages: each role's access, voting over HTTP, results, decision record, ledger, bad input."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import func, select

from collectives.funds.models import Fund, LedgerEntry
from collectives.membership.models import Constituency, Membership
from collectives.voting.models import Ballot
from creative_minds.accounts.models import Role
from tests.collectives.conftest import pb_notes_case
from tests.utils import field_error, locality_id, login, make_partner, make_user, post_form


def ready_to_vote(network):
    network.apply("walks", 300_000)
    network.apply("cafe", 400_000)
    network.to_voting()
    return network.add_member(Constituency.LIVED_EXPERIENCE)


class TestVotingPages:
    def test_member_votes_and_sees_only_their_own_ballot(self, client, network, db):
        member = ready_to_vote(network)
        login(client, member.email)
        page = client.get(f"/rounds/{network.round.id}")
        assert "You have not voted yet." in page.text and 'name="approvals"' in page.text
        response = post_form(
            client, f"/rounds/{network.round.id}/ballot", {"approvals": [str(network.applications["walks"].id)]}
        )
        assert response.status_code == 303
        page = client.get(f"/rounds/{network.round.id}")
        assert "you approve 1 application" in page.text
        assert (
            f'value="{network.applications["walks"].id}" id="approve-{network.applications["walks"].id}" checked'
            in page.text
        )
        # Someone else sees turnout, not choices.
        other = network.add_member(Constituency.CARER)
        client.cookies.clear()
        login(client, other.email)
        page = client.get(f"/rounds/{network.round.id}")
        assert "1</strong> of 2 members have voted" in page.text
        assert " checked" not in page.text.split('id="ballot"')[1]

    def test_double_submit_keeps_one_ballot(self, client, network, db):
        member = ready_to_vote(network)
        login(client, member.email)
        for _ in range(2):
            post_form(
                client, f"/rounds/{network.round.id}/ballot", {"approvals": [str(network.applications["cafe"].id)]}
            )
        assert db.exec(select(func.count()).select_from(Ballot)).one() == 1

    def test_voting_in_a_closed_round_is_a_clear_409(self, client, network, db):
        member = ready_to_vote(network)
        for _ in range(2):
            network.vote(network.add_member(), "walks")
        network.vote(member, "walks")
        network.advance()  # voting closed
        login(client, member.email)
        response = post_form(
            client, f"/rounds/{network.round.id}/ballot", {"approvals": [str(network.applications["cafe"].id)]}
        )
        assert response.status_code == 409
        assert "Voting is not open in this round any more." in response.text

    def test_bad_ballot_values(self, client, network, db):
        member = ready_to_vote(network)
        login(client, member.email)
        assert post_form(client, f"/rounds/{network.round.id}/ballot", {"approvals": ["abc"]}).status_code == 422
        response = post_form(client, f"/rounds/{network.round.id}/ballot", {"approvals": ["999999"]})
        assert response.status_code == 422 and "eligible applications in this round" in response.text

    def test_turnout_fragment_for_live_updates(self, client, network, db):
        member = ready_to_vote(network)
        network.vote(member, "walks")
        login(client, member.email)
        fragment = client.get(f"/rounds/{network.round.id}/turnout", headers={"HX-Request": "true"})
        assert "<html" not in fragment.text and 'hx-trigger="every 5s"' in fragment.text
        assert "<strong>1</strong> of 1 members have voted" in fragment.text


class TestResultsAndDecision:
    def test_decision_csv_names_its_charset_once(self, client, network, db):
        pb_notes_case(network)
        network.advance()
        login(client, network.coordinator.email)
        assert (
            post_form(client, f"/rounds/{network.round.id}/decision", {"rule": "mes", "confirm": "yes"}).status_code
            == 303
        )
        response = client.get(f"/rounds/{network.round.id}/decision.csv")
        assert response.headers["content-type"] == "text/csv; charset=utf-8"

    def test_results_then_confirm_then_minutes_and_csv(self, client, network, db):
        pb_notes_case(network)
        network.advance()
        login(client, network.coordinator.email)
        page = client.get(f"/rounds/{network.round.id}/results")
        assert "Most approvals first" in page.text and "Equal Shares, then most approvals" in page.text
        assert "Confirm the decision" in page.text
        form = {"rule": "mes", "confirm": "yes", "grant_months": "12", "report_months": "12, 6"}
        refused = post_form(client, f"/rounds/{network.round.id}/decision", form)
        assert refused.status_code == 422 and "Give the months in order, each once, like 6, 12." in refused.text
        assert 'value="12, 6"' in refused.text  # what was typed comes back
        form.update(grant_months="9", report_months="9")
        response = post_form(client, f"/rounds/{network.round.id}/decision", form)
        assert response.status_code == 303
        minutes = client.get(f"/rounds/{network.round.id}/decision")
        assert "£8,500.00" in minutes.text and "record intact" in minutes.text
        assert "9 months from the decision; reports due 9 months after it" in minutes.text
        rows = list(csv.reader(io.StringIO(client.get(f"/rounds/{network.round.id}/decision.csv").text)))
        header = rows.index(
            [
                "Position",
                "Application",
                "Project",
                "Partner",
                "Amount asked (£)",
                "Partner's match (£)",
                "Approvals",
                "Approvals removed (conflict of interest)",
                "Outcome",
                "Reason",
            ]
        )
        outcomes = {row[2]: row[8] for row in rows[header + 1 :]}
        assert outcomes == {
            "allotment": "funded",
            "walks": "funded",
            "youth": "funded",
            "cafe": "not funded",
            "arts": "not funded",
        }
        assert db.exec(select(func.sum(LedgerEntry.amount_pence))).one() == 850_000
        again = post_form(client, f"/rounds/{network.round.id}/decision", {"rule": "greedy", "confirm": "yes"})
        assert again.status_code == 409

    def test_unknown_rule_and_round(self, client, network, db):
        login(client, network.coordinator.email)
        assert post_form(client, f"/rounds/{network.round.id}/decision", {"rule": "dice"}).status_code == 422
        assert client.get("/rounds/999999").status_code == 404


class TestFundForm:
    def test_misplaced_commas_are_refused_not_read_as_another_number(self, client, network, db):
        login(client, make_user(db).email)
        before = db.exec(select(func.count()).select_from(Fund)).one()
        form = {"name": "Trust fund", "total": "£1,2,3", "starts_on": "2026-04-01", "ends_on": "2027-03-31"}
        response = post_form(client, "/funds/new", form)
        assert response.status_code == 422
        assert "Check the commas" in (field_error(response.text, "total") or "")
        assert 'value="£1,2,3"' in response.text
        assert db.exec(select(func.count()).select_from(Fund)).one() == before
        response = post_form(client, "/funds/new", {**form, "total": "£1,234,567"})
        assert response.status_code == 303
        fund = db.exec(select(Fund).where(Fund.name == "Trust fund")).one()
        assert fund.total_pence == 123_456_700

    def test_back_then_save_records_the_fund_once(self, client, network, db):
        login(client, make_user(db).email)
        token = re.search(r'name="form_once" value="([^"]+)"', client.get("/funds/new").text).group(1)
        form = {"name": "Winter fund", "total": "5,000", "starts_on": "2026-04-01", "ends_on": "2027-03-31"}
        for _ in range(2):
            assert post_form(client, "/funds/new", {**form, "form_once": token}).status_code == 303
        assert len(db.exec(select(Fund).where(Fund.name == "Winter fund")).all()) == 1


class TestAccess:
    @pytest.mark.parametrize("role", [Role.PARTNER, Role.CHAMPION, Role.REPORTER, Role.COLLECTIVE_MEMBER])
    def test_coordinator_routes_refuse_everyone_else(self, client, network, db, role):
        extra = {"partner_id": make_partner(db).id} if role == Role.PARTNER else {}
        if role == Role.COLLECTIVE_MEMBER:
            extra = {"locality_id": network.round.locality_id}
        login(client, make_user(db, role, **extra).email)
        rid = network.round.id
        for url, data in [
            ("/rounds/new", {"name": "x"}),
            (f"/rounds/{rid}/advance", {}),
            (f"/rounds/{rid}/decision", {"rule": "mes", "confirm": "yes"}),
            ("/funds/new", {"name": "x"}),
            ("/funds/ledger", {"kind": "payment"}),
        ]:
            assert post_form(client, url, data).status_code == 403, url
        assert client.get("/funds").status_code == 403
        assert client.get(f"/rounds/{rid}/eligibility").status_code == 403

    def test_member_of_another_locality_cannot_see_the_round(self, client, network, db):
        other_locality = locality_id(db, "wakefield")
        login(client, make_user(db, Role.COLLECTIVE_MEMBER, locality_id=other_locality).email)
        assert client.get(f"/rounds/{network.round.id}").status_code == 403

    def test_partner_cannot_withdraw_another_groups_application(self, client, network, db):
        network.apply("walks", 300_000)
        network.apply("cafe", 400_000)
        login(client, network.owners["cafe"].email)
        response = post_form(client, f"/applications/{network.applications['walks'].id}/withdraw", {})
        assert response.status_code == 403


class TestApplyingAndFollowing:
    def test_partner_applies_and_sees_its_stage_and_days(self, client, network, db):
        from tests.utils import make_project

        partner = make_partner(db, network.coordinator, name="Marsden Makers")
        owner = make_user(db, Role.PARTNER, partner_id=partner.id)
        project = make_project(db, partner, owner, title="Makers Club")
        login(client, owner.email)
        form = {
            "project_id": str(project.id),
            "amount": "3,000",
            "match": "1000",
            "local_need": "There is nothing like this in the Colne Valley for older men.",
        }
        response = post_form(client, f"/rounds/{network.round.id}/apply", form)
        assert response.status_code == 303
        page = client.get("/applications")
        assert "Makers Club" in page.text and "Open for applications" in page.text and "day 1 of waiting" in page.text

    def test_a_round_that_closed_while_the_form_was_open_gives_the_typed_need_back(self, client, network, db):
        from tests.utils import make_project

        partner = make_partner(db, network.coordinator, name="Marsden Makers")
        owner = make_user(db, Role.PARTNER, partner_id=partner.id)
        project = make_project(db, partner, owner, title="Makers Club")
        login(client, owner.email)
        assert client.get(f"/rounds/{network.round.id}/apply").status_code == 200
        network.apply("cafe", 400_000)  # another group's application is in
        network.advance()  # applications close while the partner is still typing
        need = "There is nothing like this in the Colne Valley for older men."
        form = {"project_id": str(project.id), "amount": "3,000", "match": "1000", "local_need": need}
        response = post_form(client, f"/rounds/{network.round.id}/apply", form)
        assert response.status_code == 409
        assert "have closed, so this application was not sent" in response.text
        assert need in response.text  # what was typed comes back to be copied
        assert "Makers Club" not in client.get("/applications").text
        # A partner of another locality still gets a plain refusal, with nothing shown.
        elsewhere = make_partner(
            db, network.coordinator, name="Wakefield Walkers", locality_ids=[locality_id(db, "wakefield")]
        )
        stranger = make_user(db, Role.PARTNER, partner_id=elsewhere.id)
        login(client, stranger.email)
        assert post_form(client, f"/rounds/{network.round.id}/apply", form).status_code == 403

    def test_the_apply_form_is_filled_in_from_the_project(self, client, network, db):
        from tests.utils import make_project

        partner = make_partner(db, network.coordinator, name="Marsden Makers")
        owner = make_user(db, Role.PARTNER, partner_id=partner.id)
        makers = make_project(
            db,
            partner,
            owner,
            title="Makers Club",
            total_cost_pence=450_000,
            match_pence=150_000,
            requested_pence=300_000,
        )
        login(client, owner.email)
        page = client.get(f"/rounds/{network.round.id}/apply")  # one project: chosen and filled in at once
        assert f'<option value="{makers.id}" data-amount="3000" data-match="1500" selected>' in page.text
        assert (
            'id="amount" name="amount" type="text" inputmode="decimal" class="width-10"\n    value="3000"' in page.text
        )
        assert 'value="1500"' in page.text and "(costs £4,500)" in page.text
        poetry = make_project(
            db, partner, owner, title="Poetry Hour", total_cost_pence=80_050, match_pence=20_050, requested_pence=60_000
        )
        page = client.get(f"/rounds/{network.round.id}/apply")  # two: links that start from either, no script
        assert f'?project_id={poetry.id}">Poetry Hour</a>' in page.text and 'value="3000"' not in page.text
        page = client.get(f"/rounds/{network.round.id}/apply", params={"project_id": str(poetry.id)})
        assert 'value="600"' in page.text and 'value="200.50"' in page.text
        assert f'<option value="{poetry.id}" data-amount="600" data-match="200.50" selected>' in page.text
        # Someone else's project number fills in nothing.
        network.apply("cafe", 400_000)
        other = make_project(db, network.partners["cafe"], network.owners["cafe"], title="Not Ours")
        page = client.get(f"/rounds/{network.round.id}/apply", params={"project_id": str(other.id)})
        assert "Not Ours" not in page.text and 'value="600"' not in page.text

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"amount": "-3"}, "amount", "negative"),
            ({"amount": "lots"}, "amount", "numbers only"),
            ({"local_need": "short"}, "local_need", "at least 20"),
            ({"project_id": "999999"}, "project_id", "one of your"),
        ],
    )
    def test_bad_application_input(self, client, network, db, change, field, message):
        from tests.utils import make_project

        partner = make_partner(db, network.coordinator, name="Marsden Makers")
        owner = make_user(db, Role.PARTNER, partner_id=partner.id)
        project = make_project(db, partner, owner, title="Makers Club")
        login(client, owner.email)
        form = {
            "project_id": str(project.id),
            "amount": "3000",
            "match": "1000",
            "local_need": "A real need for this in the valley.",
        }
        form.update(change)
        response = post_form(client, f"/rounds/{network.round.id}/apply", form)
        assert response.status_code == 422
        assert message in (field_error(response.text, field) or "")


class TestJoining:
    def test_anyone_can_ask_to_join_and_a_member_admits(self, client, network, db):
        member = network.add_member()
        response = post_form(
            client,
            "/collectives/join",
            {
                "full_name": "Nia Newcomer",
                "email": "nia@example.org",
                "password": "a-long-password-1",
                "password_confirm": "a-long-password-1",
                "locality_id": str(network.round.locality_id),
                "constituency": "carer",
                "reason": "I care for my brother.",
            },
        )
        assert response.status_code == 303
        request = db.exec(select(Membership).where(Membership.status == "requested")).one()
        client.cookies.clear()
        login(client, member.email)
        assert "Nia Newcomer" in client.get("/collectives").text
        assert post_form(client, f"/collectives/memberships/{request.id}/admit", {}).status_code == 303
        db.refresh(request)
        assert request.status == "admitted"

    def test_conflict_declaration_page(self, client, network, db):
        member = ready_to_vote(network)
        login(client, member.email)
        response = post_form(
            client, "/collectives/conflicts", {"partner_id": str(network.partners["walks"].id), "note": "Trustee"}
        )
        assert response.status_code == 303
        page = client.get(f"/rounds/{network.round.id}")
        assert "You declared a conflict of interest with walks group" in page.text
        bad = post_form(client, "/collectives/conflicts", {"partner_id": "99999"})
        assert bad.status_code == 422


class TestLedgerPages:
    def test_record_a_payment_and_refuse_overpayment(self, client, network, db):
        pb_notes_case(network)
        network.advance()
        login(client, network.coordinator.email)
        post_form(client, f"/rounds/{network.round.id}/decision", {"rule": "mes", "confirm": "yes"})
        youth = network.applications["youth"]
        ok = post_form(
            client,
            "/funds/ledger",
            {"kind": "payment", "application_id": str(youth.id), "amount": "1000", "note": "First half"},
        )
        assert ok.status_code == 303
        too_much = post_form(
            client,
            "/funds/ledger",
            {"kind": "payment", "application_id": str(youth.id), "amount": "2000", "note": "Too much"},
        )
        assert too_much.status_code == 422
        assert "£1,500 is committed and not yet paid" in too_much.text
        overspend = post_form(
            client,
            "/funds/ledger",
            {"kind": "increase", "application_id": str(youth.id), "amount": "20000", "note": "More"},
        )
        assert overspend.status_code == 409 and "more than the locality&#39;s share" in overspend.text
        assert "more than the locality&#39;s share" in (field_error(overspend.text, "amount") or "")
        assert 'value="20000"' in overspend.text and 'value="More"' in overspend.text
        no_kind = post_form(
            client, "/funds/ledger", {"application_id": str(youth.id), "amount": "300", "note": "Second half"}
        )
        assert no_kind.status_code == 422 and "Go to the home page" not in no_kind.text
        assert 'value="300"' in no_kind.text and 'value="Second half"' in no_kind.text
        page = client.get("/funds")
        assert "First half" in page.text and "£1,000" in page.text
