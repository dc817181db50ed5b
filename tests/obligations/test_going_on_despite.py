"""Approving a partner, marking an application eligible and recording a payment warn, and ask for a
reason to go on, when the partner's insurance has expired, safeguarding is overdue or no agreement
is in place; the reason is kept with who and when."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from collectives.decisions import service as decisions
from collectives.funds.models import LedgerEntry
from collectives.rounds.models import Rule
from creative_minds.timeutil import today
from obligations.models import RiskOverride
from partners.models import Partner
from tests.collectives.conftest import make_network
from tests.utils import field_error, login, post_form


def _expire_insurance(db, partner_id: int) -> None:
    partner = db.get(Partner, partner_id)
    partner.insurance_expires_on = today() - timedelta(days=2)
    db.add(partner)
    db.commit()


def _overrides(db) -> list[RiskOverride]:
    db.expire_all()
    return list(db.exec(select(RiskOverride)))


class TestApprovingAPartner:
    def test_the_page_warns_and_approving_needs_a_reason_which_is_kept(self, client, db):
        net = make_network(db)
        net.apply("Choir", 100_000)
        partner = db.get(Partner, net.partners["Choir"].id)
        partner.status = "awaiting_approval"
        partner.safeguarding_review_due_on = today() - timedelta(days=1)
        db.add(partner)
        db.commit()
        login(client, net.coordinator.email)
        page = client.get(f"/partners/{partner.id}").text
        assert "Check before approving" in page
        assert "Safeguarding policy review overdue or not recorded" in page
        refused = post_form(client, f"/partners/{partner.id}/approve", {"override_reason": "  "})
        assert refused.status_code == 422
        assert (
            field_error(refused.text, "override_reason")
            == "Give a reason to go on despite this (it is kept with your name)."
        )
        db.refresh(partner)
        assert partner.status == "awaiting_approval" and _overrides(db) == []
        done = post_form(client, f"/partners/{partner.id}/approve", {"override_reason": "Review booked for Friday"})
        assert done.status_code == 303
        db.refresh(partner)
        assert partner.status == "approved"
        [kept] = _overrides(db)
        assert (kept.action, kept.problems, kept.reason, kept.by_id) == (
            "approve_partner",
            "safeguarding",
            "Review booked for Friday",
            net.coordinator.id,
        )
        assert "Review booked for Friday" in client.get(f"/partners/{partner.id}").text

    def test_a_partner_in_order_is_approved_in_one_click(self, client, db):
        net = make_network(db)
        net.apply("Choir", 100_000)
        partner = db.get(Partner, net.partners["Choir"].id)
        partner.status = "awaiting_approval"
        db.add(partner)
        db.commit()
        login(client, net.coordinator.email)
        assert "Check before approving" not in client.get(f"/partners/{partner.id}").text
        assert post_form(client, f"/partners/{partner.id}/approve", {}).status_code == 303
        assert _overrides(db) == []


class TestMarkingEligible:
    def test_expired_insurance_needs_a_reason_to_mark_eligible(self, client, db):
        net = make_network(db)
        application = net.apply("Choir", 100_000)
        net.advance()  # to the eligibility check
        _expire_insurance(db, application.partner_id)
        login(client, net.coordinator.email)
        url = f"/rounds/{net.round.id}/applications/{application.id}/eligibility"
        assert (
            "Reason to mark it eligible despite the partner" in client.get(f"/rounds/{net.round.id}/eligibility").text
        )
        refused = post_form(client, url, {"decision": "eligible"})
        assert refused.status_code == 422
        assert "Insurance missing or expired" in refused.text
        db.refresh(application)
        assert application.status == "submitted"
        done = post_form(client, url, {"decision": "eligible", "override_reason": "Renewal certificate emailed today"})
        assert done.status_code == 303
        db.refresh(application)
        assert application.status == "eligible"
        [kept] = _overrides(db)
        assert (kept.action, kept.application_id, kept.reason) == (
            "mark_eligible",
            application.id,
            "Renewal certificate emailed today",
        )

    def test_marking_not_eligible_needs_no_reason_to_go_on(self, client, db):
        net = make_network(db)
        application = net.apply("Choir", 100_000)
        net.advance()
        _expire_insurance(db, application.partner_id)
        login(client, net.coordinator.email)
        url = f"/rounds/{net.round.id}/applications/{application.id}/eligibility"
        assert post_form(client, url, {"decision": "ineligible", "reasons": "insurance"}).status_code == 303
        assert _overrides(db) == []


class TestRecordingAPayment:
    def test_a_payment_to_a_partner_with_expired_insurance_needs_a_reason(self, client, db):
        net = make_network(db, min_voters=1)
        member = net.add_member()
        application = net.apply("Choir", 100_000)
        net.to_voting()
        net.vote(member, "Choir")
        net.advance()
        decisions.confirm_decision(db, net.round.id, Rule.GREEDY, by=net.coordinator, confirmed=True)
        db.commit()
        _expire_insurance(db, application.partner_id)
        login(client, net.coordinator.email)
        form = {"kind": "payment", "application_id": str(application.id), "amount": "500", "note": "First half"}
        refused = post_form(client, "/funds/ledger", form)
        assert refused.status_code == 422
        assert "Insurance missing or expired" in refused.text
        assert 'value="First half"' in refused.text  # what was typed stays
        assert db.exec(select(LedgerEntry).where(LedgerEntry.kind == "payment")).all() == []
        done = post_form(client, "/funds/ledger", {**form, "override_reason": "Paid for the venue directly"})
        assert done.status_code == 303
        db.expire_all()
        [payment] = db.exec(select(LedgerEntry).where(LedgerEntry.kind == "payment")).all()
        assert payment.amount_pence == 50_000
        [kept] = _overrides(db)
        assert (kept.action, kept.reason) == ("record_payment", "Paid for the venue directly")
